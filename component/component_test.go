package component

import (
	"context"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReconnectAndKeepalive runs the component against a real Prosody that
// stops and starts again: the component reconnects by itself, keeps the
// stream alive with pings, and leaves no goroutine behind when stopped.
func TestReconnectAndKeepalive(t *testing.T) {
	p := testenv.StartProsody(t, testenv.ProsodyOptions{})
	r := testenv.StartRedis(t)
	st, err := store.Open(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	domain, _ := jid.Parse(p.ComponentDomain)
	c := New(Settings{
		Domain: domain, Server: p.ComponentAddr, Secret: p.ComponentSecret,
		PingInterval: 100 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 400 * time.Millisecond,
	}, st, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	waitFor(t, "first connection", c.Connected)
	// Several keepalive rounds: a ping that went unanswered would drop the
	// stream.
	time.Sleep(500 * time.Millisecond)
	if !c.Connected() {
		t.Fatal("stream dropped while idle")
	}
	p.Stop(t)
	waitFor(t, "disconnect", func() bool { return !c.Connected() })
	p.Start(t)
	waitFor(t, "reconnection", c.Connected)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestWrongSecretKeepsRetrying(t *testing.T) {
	p := testenv.StartProsody(t, testenv.ProsodyOptions{})
	domain, _ := jid.Parse(p.ComponentDomain)
	c := New(Settings{Domain: domain, Server: p.ComponentAddr, Secret: "wrong", MinBackoff: 20 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if c.Connected() {
		t.Fatal("connected with a wrong secret")
	}
}
