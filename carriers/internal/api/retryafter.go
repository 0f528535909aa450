package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps the delay a carrier may ask for, so that a wrong
// header cannot park a message for days.
const MaxRetryAfter = time.Hour

// RetryAfter reads a Retry-After header (RFC 9110 §10.2.3: delay-seconds or
// an HTTP-date) at now, for carriers.Error.RetryAfter; 0 when it is absent,
// malformed or in the past, at most MaxRetryAfter.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if strings.Trim(v, "0123456789") == "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n > uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter // digits too many to parse are a long delay too
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}
