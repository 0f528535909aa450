package store

import (
	"context"
	"testing"
	"time"
)

func TestUserSettings(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	const alice = "alice@example.org"
	if u, err := s.Settings(ctx, alice); err != nil || u != (UserSettings{}) {
		t.Fatalf("Settings of a new user = %+v, %v", u, err)
	}
	on := true
	want := UserSettings{Voicemail: &on, RingTimeout: 25 * time.Second, GroupTexts: GroupJIDs, LowBalance: "500"}
	if err := s.SetSettings(ctx, alice, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Settings(ctx, alice)
	if err != nil || got.Voicemail == nil || !*got.Voicemail || got.RingTimeout != want.RingTimeout || got.GroupTexts != GroupJIDs || got.LowBalance != "500" {
		t.Fatalf("Settings = %+v, %v", got, err)
	}
	// Back to the defaults: the fields go.
	if err := s.SetSettings(ctx, alice, UserSettings{}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.Settings(ctx, alice); err != nil || u != (UserSettings{}) {
		t.Fatalf("Settings after reset = %+v, %v", u, err)
	}
	if n, _ := s.rdb.Exists(ctx, s.settingsKey(alice)).Result(); n != 0 {
		t.Error("an all-default user keeps a hash")
	}
}

func TestNumbersOf(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	if bs, err := s.Numbers(ctx, "nobody@example.org"); err != nil || len(bs) != 0 {
		t.Fatalf("Numbers of nobody = %+v, %v", bs, err)
	}
	for i, n := range []string{"+12015550102", "+12015550101"} {
		if err := s.Assign(ctx, Binding{Number: n, JID: "alice@example.org", Carrier: "sandbox", Assigned: time.Unix(int64(100+i), 0)}); err != nil {
			t.Fatal(err)
		}
	}
	bs, err := s.Numbers(ctx, "alice@example.org")
	if err != nil || len(bs) != 2 || bs[0].Number != "+12015550102" || bs[1].Carrier != "sandbox" {
		t.Fatalf("Numbers = %+v, %v", bs, err)
	}
}
