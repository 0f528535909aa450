package policy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/internal/config"
)

func list(p ...string) *[]string { return &p }

func TestAllow(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		sms     string // number texted; "" skips
		call    string // number called; "" skips
		wantKey string // the key the refusal names; "" when allowed
		want    string // in the refusal's text
	}{
		{name: "ordinary number", sms: "+12015550123", call: "+12015550123"},
		{name: "NANP 900 text", sms: "+19005550123", wantKey: "sms_deny", want: "+1900… is refused by this gateway's destination policy (premium rate)"},
		{name: "NANP 900 call", call: "+19005550123", wantKey: "calls_deny", want: "+1900… is refused"},
		{name: "NANP 976", call: "+19765550123", wantKey: "calls_deny", want: "premium rate"},
		{name: "satellite", call: "+881612345678", wantKey: "calls_deny", want: "+881… is refused by this gateway's destination policy (satellite)"},
		{name: "international networks 882", sms: "+88234567890", wantKey: "sms_deny", want: "international network"},
		{name: "international networks 883", call: "+883123456789", wantKey: "calls_deny", want: "+883…"},
		{name: "Inmarsat", call: "+870772001234", wantKey: "calls_deny", want: "satellite"},
		{name: "international premium", call: "+97912345678", wantKey: "calls_deny", want: "international premium rate"},
		{name: "UK 09", sms: "+449012345678", wantKey: "sms_deny", want: "+449…"},
		{name: "UK geographic", sms: "+442071234567"},
		{name: "Germany 0900", call: "+499001234567", wantKey: "calls_deny"},
		{name: "Australia 190", call: "+61190012345", wantKey: "calls_deny"},
		{name: "a deny list replaces the defaults", cfg: Config{CallsDeny: list("+44")}, call: "+19005550123"},
		{name: "own deny list names the key", cfg: Config{CallsDeny: list("+44")}, call: "+442071234567", wantKey: "calls_deny", want: "+44… is refused by this gateway's destination policy (policy.calls_deny)"},
		{name: "empty deny list refuses nothing", cfg: Config{SMSDeny: list()}, sms: "+19005550123"},
		{name: "sms deny leaves calls on defaults", cfg: Config{SMSDeny: list()}, call: "+19005550123", wantKey: "calls_deny"},
		{name: "allow list admits", cfg: Config{SMSAllow: []string{"+1", "+44"}}, sms: "+442071234567"},
		{name: "allow list refuses the rest", cfg: Config{SMSAllow: []string{"+1", "+44"}}, sms: "+33612345678", wantKey: "sms_allow", want: "Only numbers starting with +1, +44 are allowed by this gateway's destination policy (policy.sms_allow)"},
		{name: "deny wins over allow", cfg: Config{CallsAllow: []string{"+1"}}, call: "+19005550123", wantKey: "calls_deny"},
		{name: "calls allow does not touch sms", cfg: Config{CallsAllow: []string{"+1"}}, sms: "+33612345678"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Check(); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				r      Rules
				number string
			}{{tt.cfg.SMS(), tt.sms}, {tt.cfg.Calls(), tt.call}} {
				if c.number == "" {
					continue
				}
				err := c.r.Allow(context.Background(), "alice@example.org", c.number)
				if tt.wantKey == "" {
					if err != nil {
						t.Fatalf("%s refused: %v", c.number, err)
					}
					continue
				}
				var ref *Refusal
				if !errors.As(err, &ref) {
					t.Fatalf("%s: error %v, want a *Refusal", c.number, err)
				}
				if ref.Key != tt.wantKey || !strings.Contains(ref.Text(), tt.want) || !strings.HasPrefix(err.Error(), "policy: ") {
					t.Errorf("%s: refusal %q (key %s), want key %s and %q", c.number, err, ref.Key, tt.wantKey, tt.want)
				}
				if strings.Contains(err.Error(), c.number) {
					t.Errorf("refusal %q holds the whole number", err)
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		key  string // "" when valid
	}{
		{name: "empty"},
		{name: "prefixes", cfg: Config{SMSAllow: []string{"+1", "+4420"}, SMSDeny: list("+1900"), CallsAllow: []string{"+1"}, CallsDeny: list()}},
		{name: "no plus", cfg: Config{SMSDeny: list("1900")}, key: "sms_deny"},
		{name: "letters", cfg: Config{CallsDeny: list("+1 900")}, key: "calls_deny"},
		{name: "plus alone", cfg: Config{SMSAllow: []string{"+"}}, key: "sms_allow"},
		{name: "empty string", cfg: Config{CallsAllow: []string{""}}, key: "calls_allow"},
		{name: "too long", cfg: Config{CallsAllow: []string{"+12345678901234567"}}, key: "calls_allow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Check()
			var ke *config.KeyError
			switch {
			case tt.key == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.key != "" && (!errors.As(err, &ke) || ke.Key != tt.key):
				t.Fatalf("Check = %v, want an error naming %s", err, tt.key)
			}
		})
	}
}

// TestZeroRulesAllow: Rules{} (no policy configured) refuses nothing.
func TestZeroRulesAllow(t *testing.T) {
	if err := (Rules{}).Allow(context.Background(), "", "+19005550123"); err != nil {
		t.Fatal(err)
	}
}

// TestDefaultsAreFresh: changing the returned list changes no policy.
func TestDefaultsAreFresh(t *testing.T) {
	d := Defaults()
	d[0].Prefix = "+999"
	if Defaults()[0].Prefix != "+1900" {
		t.Fatal("Defaults shares its backing array")
	}
}
