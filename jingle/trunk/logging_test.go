package trunk

import "testing"

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"+15551234567":                     "+1555…67",
		"alice":                            "alice",
		"sip:+15551234567@pbx.example.org": "sip:+1555…67@pbx.example.org",
		"sips:desk@pbx.example.org":        "sips:desk@pbx.example.org",
		"sip:+15551234567":                 "sip:+1555…67",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
