package twilio

import (
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "2", 2 * time.Second},
		{"spaces", " 30 ", 30 * time.Second},
		{"zero", "0", 0},
		{"capped", "86400", maxRetryAfter},
		{"huge", "99999999999999999999999", maxRetryAfter},
		{"negative", "-5", 0},
		{"fraction", "1.5", 0},
		{"date", "Mon, 30 Nov 2026 12:00:10 GMT", 10 * time.Second},
		{"date in the past", "Mon, 30 Nov 2026 11:00:00 GMT", 0},
		{"date far ahead", "Tue, 01 Dec 2026 12:00:00 GMT", maxRetryAfter},
		{"garbage", "soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryAfter(tt.in, now); got != tt.want {
				t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzRetryAfter: any header gives a delay within [0, maxRetryAfter].
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "2", "86400", "-1", "Mon, 30 Nov 2026 12:00:10 GMT", "18446744073709551615"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := retryAfter(v, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("retryAfter(%q) = %v", v, d)
		}
	})
}
