package bandwidth

import (
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
)

// TestReasonFor: the codes Bandwidth documents for opt-out, blocked,
// invalid and the rest map onto the shared reasons.
func TestReasonFor(t *testing.T) {
	tests := []struct {
		code string
		want carriers.Reason
	}{
		{"4775", carriers.ReasonOptedOut},
		{"4303", carriers.ReasonInvalid},
		{"4350", carriers.ReasonInvalid},
		{"4404", carriers.ReasonInvalid},
		{"4406", carriers.ReasonInvalid},
		{"4434", carriers.ReasonInvalid},
		{"4492", carriers.ReasonInvalid},
		{"4720", carriers.ReasonInvalid},
		{"4721", carriers.ReasonInvalid},
		{"4700", carriers.ReasonUnreachable},
		{"4701", carriers.ReasonUnreachable},
		{"4702", carriers.ReasonUnreachable},
		{"4730", carriers.ReasonUnreachable},
		{"4470", carriers.ReasonBlocked},
		{"4481", carriers.ReasonBlocked},
		{"4482", carriers.ReasonBlocked},
		{"4750", carriers.ReasonBlocked},
		{"4770", carriers.ReasonBlocked},
		{"4771", carriers.ReasonBlocked},
		{"4772", carriers.ReasonBlocked},
		{"4773", carriers.ReasonUnregistered},
		{"4774", carriers.ReasonUnregistered},
		{"4795", carriers.ReasonUnregistered},
		{"4411", carriers.ReasonTooLarge},
		{"4711", carriers.ReasonTooLarge},
		{"4751", carriers.ReasonTooLarge},
		{"4780", carriers.ReasonRateLimited},
		{"4781", carriers.ReasonRateLimited},
		{"4785", carriers.ReasonRateLimited},
		{"4432", carriers.ReasonUnknown}, // forbidden to country: Bandwidth's text says it better
		{"5500", carriers.ReasonUnknown},
		{"9902", carriers.ReasonUnknown},
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
