package config

import "math"

// Rate gives *r its default def when unset (zero) and refuses anything but
// a positive, finite rate (NaN and infinities included); the error names
// key.
func Rate(key string, r *float64, def float64) error {
	if *r == 0 {
		*r = def
	}
	if !(*r > 0) || math.IsInf(*r, 0) {
		return Invalid(key, "%v is not a positive number of messages per second", *r)
	}
	return nil
}
