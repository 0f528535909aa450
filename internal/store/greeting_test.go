package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// TestGreeting: a staged greeting is nobody's until saved; saved, it has
// no expiry and reads back whole; dropped, the user has none; bounds hold.
func TestGreeting(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	const alice = "alice@example.org"
	if _, err := s.Greeting(ctx, alice); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Greeting of a new user: %v", err)
	}
	if err := s.SaveGreeting(ctx, alice); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SaveGreeting with nothing staged: %v", err)
	}
	pcm := []int16{0, 1, -1, 32767, -32768}
	if err := s.StageGreeting(ctx, alice, pcm, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Greeting(ctx, alice); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a staged greeting is in use: %v", err)
	}
	if err := s.SaveGreeting(ctx, alice); err != nil {
		t.Fatal(err)
	}
	got, err := s.Greeting(ctx, alice)
	if err != nil || !slices.Equal(got, pcm) {
		t.Fatalf("Greeting = %v, %v", got, err)
	}
	if ttl, _ := s.rdb.TTL(ctx, s.greetKey(alice)).Result(); ttl != -1 {
		t.Errorf("saved greeting has TTL %v, want none", ttl)
	}
	if d, err := s.HasGreeting(ctx, alice); err != nil || d != 5*time.Second/8000 {
		t.Errorf("HasGreeting = %v, %v", d, err)
	}
	if err := s.DropGreeting(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Greeting(ctx, alice); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Greeting after drop: %v", err)
	}
	for name, pcm := range map[string][]int16{"empty": nil, "too long": make([]int16, MaxGreeting+1)} {
		t.Run(name, func(t *testing.T) {
			if err := s.StageGreeting(ctx, alice, pcm, time.Minute); !errors.Is(err, ErrGreeting) {
				t.Errorf("err = %v", err)
			}
		})
	}
	t.Run("corrupt", func(t *testing.T) {
		s.rdb.Set(ctx, s.greetKey(alice), "odd", 0)
		if _, err := s.Greeting(ctx, alice); !errors.Is(err, ErrGreeting) {
			t.Errorf("err = %v", err)
		}
	})
}
