package twilio

import (
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
)

func TestReasonFor(t *testing.T) {
	tests := []struct {
		code string
		want carriers.Reason
	}{
		{"21610", carriers.ReasonOptedOut},
		{"21211", carriers.ReasonInvalid},
		{"21614", carriers.ReasonInvalid},
		{"30003", carriers.ReasonUnreachable},
		{"30005", carriers.ReasonUnreachable},
		{"30006", carriers.ReasonUnreachable},
		{"30004", carriers.ReasonBlocked},
		{"30007", carriers.ReasonBlocked},
		{"30019", carriers.ReasonTooLarge},
		{"20429", carriers.ReasonRateLimited},
		{"30022", carriers.ReasonRateLimited},
		{"30023", carriers.ReasonRateLimited},
		{"30027", carriers.ReasonRateLimited},
		{"30032", carriers.ReasonUnregistered},
		{"30034", carriers.ReasonUnregistered},
		// Codes without a shared reason: the user reads Twilio's text.
		{"30008", carriers.ReasonUnknown}, // Unknown error
		{"20500", carriers.ReasonUnknown},
		{"", carriers.ReasonUnknown},
		{"021610", carriers.ReasonUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := reasonFor(tt.code); got != tt.want {
				t.Errorf("reasonFor(%q) = %q, want %q", tt.code, got, tt.want)
			}
		})
	}
}
