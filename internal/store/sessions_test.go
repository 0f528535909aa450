package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	const owner = "alice@example.org"
	if b, err := s.Session(ctx, owner, "x"); err != nil || b != nil {
		t.Fatalf("Session of nothing = %q, %v", b, err)
	}
	for i := range 4 {
		if err := s.PutSession(ctx, owner, fmt.Sprint(i), []byte(fmt.Sprint("data", i)), time.Hour, 3); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct expiry times
	}
	// Three at most: the oldest went.
	if b, _ := s.Session(ctx, owner, "0"); b != nil {
		t.Errorf("the oldest session survived: %q", b)
	}
	for i := 1; i < 4; i++ {
		if b, err := s.Session(ctx, owner, fmt.Sprint(i)); err != nil || string(b) != fmt.Sprint("data", i) {
			t.Errorf("session %d = %q, %v", i, b, err)
		}
	}
	// Replacing one does not count as another.
	if err := s.PutSession(ctx, owner, "1", []byte("new"), time.Hour, 3); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Session(ctx, owner, "2"); b == nil {
		t.Error("replacing a session dropped another")
	}
	if err := s.DeleteSession(ctx, owner, "1"); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Session(ctx, owner, "1"); b != nil {
		t.Errorf("deleted session = %q", b)
	}
	// Expiry: per session, then the keys themselves.
	if err := s.PutSession(ctx, "bob@example.org", "s", []byte("x"), 100*time.Millisecond, 3); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if b, _ := s.Session(ctx, "bob@example.org", "s"); b != nil {
		t.Errorf("expired session = %q", b)
	}
	if n, _ := s.rdb.Exists(ctx, s.sessionKeys("bob@example.org")...).Result(); n != 0 {
		t.Errorf("%d keys of expired sessions remain", n)
	}
}
