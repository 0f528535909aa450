package media

import (
	"fmt"
	"strconv"
	"strings"
)

// PortRange is an inclusive UDP port range. The zero value means "let the
// operating system choose".
type PortRange struct{ Min, Max int }

// IsZero reports whether r is the zero (OS-chosen) range.
func (r PortRange) IsZero() bool { return r.Min == 0 && r.Max == 0 }

// String formats r as ParsePortRange reads it.
func (r PortRange) String() string {
	if r.IsZero() {
		return ""
	}
	return strconv.Itoa(r.Min) + "-" + strconv.Itoa(r.Max)
}

// Bounds of a usable range: ports below 1024 are the system's, and a call
// needs an even/odd RTP pair plus a port for its WebRTC leg.
const (
	MinPort  = 1024
	MinPorts = 4
)

// ParsePortRange reads "min-max" (inclusive, within MinPort..65535, at
// least MinPorts ports). An empty or all-blank string gives the zero range.
func ParsePortRange(s string) (PortRange, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return PortRange{}, nil
	}
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		return PortRange{}, fmt.Errorf("%w: %q is not min-max", ErrBadPortRange, s)
	}
	first, err := parsePort(lo)
	if err != nil {
		return PortRange{}, fmt.Errorf("%w: minimum: %w", ErrBadPortRange, err)
	}
	last, err := parsePort(hi)
	if err != nil {
		return PortRange{}, fmt.Errorf("%w: maximum: %w", ErrBadPortRange, err)
	}
	if first > last {
		return PortRange{}, fmt.Errorf("%w: minimum %d above maximum %d", ErrBadPortRange, first, last)
	}
	if last-first+1 < MinPorts {
		return PortRange{}, fmt.Errorf("%w: %d-%d has fewer than %d ports", ErrBadPortRange, first, last, MinPorts)
	}
	return PortRange{Min: first, Max: last}, nil
}

func parsePort(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if n < MinPort || n > 65535 {
		return 0, fmt.Errorf("%d is outside %d-65535", n, MinPort)
	}
	return n, nil
}

// validate checks a range built by hand (tests use a port or two);
// ranges an operator writes go through ParsePortRange's stricter rule.
func (r PortRange) validate() error {
	if r.IsZero() {
		return nil
	}
	if r.Min < 1 || r.Max > 65535 || r.Min > r.Max {
		return fmt.Errorf("%w: %d-%d", ErrBadPortRange, r.Min, r.Max)
	}
	return nil
}
