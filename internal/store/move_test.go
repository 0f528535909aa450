package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestMoveUser: numbers (in order, with their forwarding), settings and
// the voicemail greeting move to the new JID at once; a JID holding a
// number cannot receive another's; a retry is harmless.
func TestMoveUser(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	const from, to = "old@example.org", "new@example.org"
	for i, n := range []string{"+12015550100", "+12015550101"} {
		if err := s.Assign(ctx, Binding{Number: n, JID: from, Carrier: "sandbox", Assigned: time.Unix(int64(100+i), 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Assign(ctx, Binding{Number: "+12015550199", JID: "other@example.org", Carrier: "sandbox"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetForward(ctx, "+12015550100", "sip:desk@pbx.example.org"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSettings(ctx, from, UserSettings{LowBalance: "500", GroupTexts: GroupJIDs}); err != nil {
		t.Fatal(err)
	}
	if err := s.StageGreeting(ctx, from, []int16{1, 2, 3}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveGreeting(ctx, from); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Route(ctx, from, "+12015550199"); err != nil {
		t.Fatal(err) // leaves a route hint to forget
	}
	if err := s.MoveUser(ctx, from, "other@example.org"); !errors.Is(err, ErrTaken) {
		t.Fatalf("move onto a JID with a number: %v", err)
	}
	if err := s.MoveUser(ctx, "nobody@example.org", "x@example.org"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("move of a JID without numbers: %v", err)
	}
	if err := s.MoveUser(ctx, from, to); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveUser(ctx, from, to); err != nil {
		t.Fatalf("retry: %v", err)
	}
	bs, err := s.Numbers(ctx, to)
	if err != nil || len(bs) != 2 || bs[0].Number != "+12015550100" || bs[0].Forward != "sip:desk@pbx.example.org" {
		t.Fatalf("new JID's numbers %+v, %v", bs, err)
	}
	if old, _ := s.Numbers(ctx, from); len(old) != 0 {
		t.Fatalf("old JID still holds %+v", old)
	}
	if _, _, err := s.Route(ctx, from, "+12015550199"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the old JID can still send: %v", err)
	}
	u, err := s.Settings(ctx, to)
	if err != nil || u.LowBalance != "500" || u.GroupTexts != GroupJIDs {
		t.Fatalf("settings %+v, %v", u, err)
	}
	if g, err := s.Greeting(ctx, to); err != nil || len(g) != 3 {
		t.Fatalf("greeting %v, %v", g, err)
	}
	if _, err := s.Greeting(ctx, from); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the old JID keeps its greeting: %v", err)
	}

	c := JIDChange{From: from, To: to, Code: "123456", Expires: time.Now().Add(time.Minute)}
	if err := s.PutJIDChange(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.JIDChangeFor(ctx, to)
	if err != nil || got.From != from || got.Code != c.Code {
		t.Fatalf("JIDChangeFor = %+v, %v", got, err)
	}
	if err := s.DropJIDChange(ctx, to); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JIDChangeFor(ctx, to); !errors.Is(err, ErrNotFound) {
		t.Fatalf("dropped change: %v", err)
	}
}
