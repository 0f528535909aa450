package jinglepeer

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestStream checks the queue without a process: events are taken in any
// order, bad lines become garbage errors, and the end fails further waits.
func TestStream(t *testing.T) {
	var stdin strings.Builder
	s := NewStream("test", &stdin, "/nonexistent")
	out := `{"event":"ready","jid":"a@b/c"}` + "\nnot json\n" + `{"event":"tone","power":0.9}` + "\n"
	if err := s.Read(strings.NewReader(out)); !errors.Is(err, io.EOF) {
		t.Fatalf("Read = %v, want EOF", err)
	}
	s.SetJID("a@b/c")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if ev, err := s.WaitTone(ctx, 0.5); err != nil || ev.Float("power") != 0.9 {
		t.Fatalf("WaitTone = %v, %v", ev, err)
	}
	if ev, err := s.Expect(ctx, "ready", nil); err != nil || ev.Str("jid") != "a@b/c" {
		t.Fatalf("Expect(ready) = %v, %v", ev, err)
	}
	if errs := s.Errors(); len(errs) != 1 || errs[0].Name != "garbage" || errs[0].Str("line") != "not json" {
		t.Errorf("Errors = %v", errs)
	}
	if n := len(s.Events()); n != 3 {
		t.Errorf("%d recent events, want 3", n)
	}
	if err := s.Send(map[string]any{"cmd": "quit"}); err != nil || stdin.String() != `{"cmd":"quit"}`+"\n" {
		t.Errorf("Send: %v, stdin %q", err, stdin.String())
	}

	end := errors.New("gone")
	s.End(end)
	_, err := s.Expect(ctx, "ready", nil)
	if !errors.Is(err, end) || !strings.HasPrefix(err.Error(), `test: a@b/c: waiting for "ready": gone`) {
		t.Errorf("Expect after End = %v", err)
	}
}
