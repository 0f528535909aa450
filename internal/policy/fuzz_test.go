package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// FuzzRules: any prefix lists are either refused by Check or give rules
// under which a number is refused exactly when it starts with a denied
// prefix or with none of the allowed ones, and a refusal never holds the
// whole number.
func FuzzRules(f *testing.F) {
	f.Add("+1", "+1900", "+19005550123")
	f.Add("", "+882", "+8821234567")
	f.Add("+44", "", "+15551234567")
	f.Add("1", "+1-900", "+1900")
	f.Fuzz(func(t *testing.T, allow, deny, number string) {
		denyList := split(deny)
		c := Config{SMSDeny: &denyList, SMSAllow: split(allow)}
		if c.Check() != nil {
			return
		}
		err := c.SMS().Allow(context.Background(), "alice@example.org", number)
		denied := false
		for _, d := range denyList {
			denied = denied || strings.HasPrefix(number, d)
		}
		allowed := len(c.SMSAllow) == 0
		for _, a := range c.SMSAllow {
			allowed = allowed || strings.HasPrefix(number, a)
		}
		if want := denied || !allowed; (err != nil) != want {
			t.Fatalf("Allow(%q) with allow %q deny %q = %v, want refused %v", number, allow, deny, err, want)
		}
		var r *Refusal
		if err != nil && (!errors.As(err, &r) || len(number) > 7 && strings.Contains(r.Text(), number)) {
			t.Fatalf("refusal %v for %q", err, number)
		}
	})
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
