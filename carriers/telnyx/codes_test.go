package telnyx

import (
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
)

func TestReasonFor(t *testing.T) {
	tests := []struct {
		code string
		want carriers.Reason
	}{
		{"40300", carriers.ReasonOptedOut},
		{"10002", carriers.ReasonInvalid},
		{"10016", carriers.ReasonInvalid},
		{"40012", carriers.ReasonInvalid},
		{"40001", carriers.ReasonUnreachable},
		{"40002", carriers.ReasonBlocked},
		{"40003", carriers.ReasonBlocked},
		{"40015", carriers.ReasonBlocked},
		{"40010", carriers.ReasonUnregistered},
		{"10011", carriers.ReasonRateLimited},
		{"40011", carriers.ReasonRateLimited},
		{"40004", carriers.ReasonUnknown}, // rejected by destination, reason unknown
		{"40008", carriers.ReasonUnknown}, // undeliverable, general purpose
		{"10009", carriers.ReasonUnknown}, // authentication failed
		{"", carriers.ReasonUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := reasonFor(tt.code); got != tt.want {
				t.Errorf("reasonFor(%q) = %q, want %q", tt.code, got, tt.want)
			}
		})
	}
}
