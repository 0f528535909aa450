package signup

import (
	"context"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

// TestSignupChat: a client without a command UI registers by chatting:
// register, the search questions, a numbered choice, finish.
func TestSignupChat(t *testing.T) {
	f := newFixture(t, setup{})
	who := jid.MustParse(alice + "/old-client")
	steps := []struct{ say, want string }{
		{"register", "Area code (optional): three digits, e.g. 201"},
		{"201", "State or province (optional)"},
		{"next", "Digits it contains (optional)"},
		{"next", "Invite code (optional)"},
		{"next", "1. +12015550100 (Sandbox)"},
		{"0", "choose a number from 1"},
		{"3", "Take +12015550102?"},
		{"finish", "Welcome! Your number is +12015550102."},
		{"register", "You have a number on this gateway already"},
	}
	for _, s := range steps {
		got, ok := f.srv.Chat(context.Background(), who, s.say)
		if !ok || !strings.Contains(got, s.want) {
			t.Fatalf("%q: got %q, want %q", s.say, got, s.want)
		}
	}
	if b, ok := f.binding(t, alice); !ok || b.Number != "+12015550102" {
		t.Fatalf("binding %+v", b)
	}
}
