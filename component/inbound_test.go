package component

import (
	"testing"

	"mellium.im/xmpp/jid"
)

func TestSenderJID(t *testing.T) {
	c := New(Settings{Domain: jid.MustParse("sms.example.org")}, nil, nil)
	tests := map[string]string{
		"+12015550123":    "+12015550123@sms.example.org",
		"+1 201 555 0123": "+12015550123@sms.example.org",
		"12345":           "12345@sms.example.org", // US short code
		"MyBank":          "mybank@sms.example.org",
		"My Bank":         `my\20bank@sms.example.org`,
		"a@b":             `a\40b@sms.example.org`,
		"":                "sms.example.org",
		"   ":             "sms.example.org",
	}
	for in, want := range tests {
		if got := c.senderJID(in); got != want {
			t.Errorf("senderJID(%q) = %q, want %q", in, got, want)
		}
		if _, err := jid.Parse(c.senderJID(in)); err != nil {
			t.Errorf("senderJID(%q) is not a JID: %v", in, err)
		}
	}
}

func FuzzSenderJID(f *testing.F) {
	for _, s := range []string{"+12015550123", "My Bank", "a@b/c", "\x00", "'\"<>&"} {
		f.Add(s)
	}
	c := New(Settings{Domain: jid.MustParse("sms.example.org")}, nil, nil)
	f.Fuzz(func(t *testing.T, from string) {
		j, err := jid.Parse(c.senderJID(from))
		if err != nil || j.Domainpart() != "sms.example.org" || j.Resourcepart() != "" {
			t.Fatalf("senderJID(%q) = %q, %v", from, j, err)
		}
	})
}
