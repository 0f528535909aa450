package adhoc

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestChat(t *testing.T) {
	type turn struct {
		say  string
		want []string // substrings of the reply; nil: not handled
		not  []string // must not appear
	}
	tests := []struct {
		name  string
		who   string
		turns []turn
	}{
		{name: "help lists what the user may run", who: "user@example.org/a", turns: []turn{
			{say: "help", want: []string{"1. Two steps (two)", "2. Hello (hello)"}, not: []string{"Admin only"}},
		}},
		{name: "admin sees more", who: "admin@example.org/a", turns: []turn{
			{say: "Help", want: []string{"3. Admin only (admin)"}},
		}},
		{name: "not a command", who: "user@example.org/a", turns: []turn{{say: "hi there"}}},
		{name: "forbidden by name", who: "user@example.org/a", turns: []turn{{say: "admin", want: []string{"You may not run admin"}}}},
		{name: "one step by number", who: "x@example.org/a", turns: []turn{{say: "1", want: []string{"Hello."}}, {say: "next", want: []string{"No command is running"}}}},
		{name: "full run", who: "user@example.org/a", turns: []turn{
			{say: "1", want: []string{"One", "Pick.", "Color", "1. Red", "2. Blue", "1 of 2"}},
			{say: "3", want: []string{"does not fit", "1 to 2", "1. Red"}},
			{say: "blue", want: []string{"Loud\nReply yes or no (now: no)", "2 of 2"}, not: []string{"(optional)"}},
			{say: "perhaps", want: []string{"reply yes or no"}},
			{say: "yes", want: []string{"Almost.", "Name (optional)", "1 of 1"}},
			{say: "bad", want: []string{`field "name": is not allowed`, "Name"}},
			{say: "Ann", want: []string{"Color: blue", "Loud: true", "Name: Ann"}},
			{say: "next", want: []string{"No command is running"}},
		}},
		{name: "back and cancel", who: "user@example.org/a", turns: []turn{
			{say: "two", want: []string{"Color"}},
			{say: "2", want: []string{"Loud"}},
			{say: "back", want: []string{"Color", "2. Blue (now)"}},
			{say: "next", want: []string{"Loud"}},
			{say: "next", want: []string{"Name"}},
			{say: "back", want: []string{"One", "2. Blue (now)"}},
			{say: "cancel", want: []string{"Canceled Two steps."}},
			{say: "cancel", want: []string{"No command is running"}},
		}},
		{name: "required", who: "user@example.org/a", turns: []turn{
			{say: "two"},
			{say: "next", want: []string{"Color is required"}},
			{say: "finish", want: []string{`field "color": is required`}},
		}},
		{name: "clear", who: "user@example.org/a", turns: []turn{
			{say: "memo", want: []string{"Memo (optional)", "Now: old", "or - to clear it"}},
			{say: "-", want: []string{"Saved.", "Memo: "}, not: []string{"old"}},
		}},
		{name: "too long", who: "user@example.org/a", turns: []turn{
			{say: "memo"},
			{say: strings.Repeat("x", maxValueLen+1), want: []string{"longer than", "Memo"}},
		}},
		{name: "finish", who: "user@example.org/a", turns: []turn{
			{say: "two"},
			{say: "1"},
			{say: "finish", want: []string{"Name"}},
			{say: "finish", want: []string{"Color: red", "Loud: false"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, nil)
			for i, tn := range tt.turns {
				got, ok := s.Chat(context.Background(), mustJID(tt.who), tn.say)
				if tn.want == nil && tn.not == nil && i == len(tt.turns)-1 && tt.turns[i].say == "hi there" {
					if ok {
						t.Fatalf("%q handled: %s", tn.say, got)
					}
					continue
				}
				if !ok {
					t.Fatalf("%q not handled", tn.say)
				}
				for _, w := range tn.want {
					if !strings.Contains(got, w) {
						t.Errorf("turn %d %q: reply lacks %q:\n%s", i, tn.say, w, got)
					}
				}
				for _, w := range tn.not {
					if strings.Contains(got, w) {
						t.Errorf("turn %d %q: reply has %q:\n%s", i, tn.say, w, got)
					}
				}
			}
		})
	}
}

func TestChatExpires(t *testing.T) {
	now := time.Unix(1000, 0)
	s, _ := newTestServer(t, func() time.Time { return now })
	who := mustJID("user@example.org/a")
	if got, _ := s.Chat(context.Background(), who, "two"); !strings.Contains(got, "Color") {
		t.Fatal(got)
	}
	now = now.Add(59 * time.Minute)
	if got, _ := s.Chat(context.Background(), who, "1"); !strings.Contains(got, "Loud") {
		t.Fatalf("session gone before the hour: %s", got)
	}
	now = now.Add(61 * time.Minute)
	if got, ok := s.Chat(context.Background(), who, "yes"); ok {
		t.Fatalf("an expired session answered: %s", got)
	}
}

// FuzzChat sends lines of text, one message each, to a server with the
// test commands: whatever a user types, the gateway answers without
// failing, and keeps at most one chat session.
func FuzzChat(f *testing.F) {
	f.Add("help\n1")
	f.Add("two\n2\nyes\nback\nback\nnext\nfinish\nbad\nAnn")
	f.Add("memo\n-\nmemo\nnext")
	f.Add("two\n0\n-1\n99999999999999999999\nBLUE\nn\ncancel\ncancel")
	f.Fuzz(func(t *testing.T, lines string) {
		s, mem := newTestServer(t, nil)
		who := mustJID("user@example.org/a")
		for _, l := range strings.Split(lines, "\n") {
			if reply, ok := s.Chat(context.Background(), who, l); ok && reply == "" {
				t.Fatalf("%q: an empty answer", l)
			}
			if mem.Len() > 1 {
				t.Fatalf("%d sessions for one chat", mem.Len())
			}
		}
	})
}
