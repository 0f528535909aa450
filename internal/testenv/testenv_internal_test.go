package testenv

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestLookBinaryNamesPackage(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := lookBinary("prosody", "prosody")
	if err == nil || !strings.Contains(err.Error(), "apt-get install prosody") {
		t.Fatalf("lookBinary without PATH = %v; want a hint to install the prosody package", err)
	}
}

func TestParseStanzaRejects(t *testing.T) {
	for _, raw := range []string{``, `<message>`, `<a/><b/>`, `text`, `<message><body>x</message>`} {
		if _, err := parseStanza(raw); err == nil {
			t.Errorf("parseStanza(%q) accepted", raw)
		}
	}
	if _, err := parseStanza("\n  <presence/>\n"); err != nil {
		t.Errorf("parseStanza with surrounding whitespace: %v", err)
	}
}

func TestDialClientWrongPassword(t *testing.T) {
	p := StartProsody(t, ProsodyOptions{})
	p.Register(t, "alice", "right")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dialClient(ctx, p.C2SAddr, p.Domain, "alice", "wrong")
	if err == nil {
		c.Close()
		t.Fatal("logged in with a wrong password")
	}
	t.Log(err)
}
