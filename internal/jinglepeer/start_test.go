package jinglepeer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestStartFails(t *testing.T) {
	t.Parallel()
	p := testenv.StartProsody(t, testenv.ProsodyOptions{})
	p.Register(t, "alice", password)

	// A python3 that cannot import aiortc, as on a machine without the
	// Debian package.
	shadow := t.TempDir()
	if err := os.Mkdir(filepath.Join(shadow, "aiortc"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shadow, "aiortc", "__init__.py"),
		[]byte("raise ModuleNotFoundError(\"No module named 'aiortc'\", name='aiortc')\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noAiortc := filepath.Join(shadow, "python3")
	script := "#!/bin/sh\nPYTHONPATH=" + shadow + " exec /usr/bin/python3 \"$@\"\n"
	if err := os.WriteFile(noAiortc, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}

	base := Options{JID: "alice@localhost", Password: password, Server: p.C2SAddr,
		Settings: Settings{ReadyTimeout: 30 * time.Second}}
	tests := []struct {
		name  string
		edit  func(*Options)
		wants []string
	}{
		{"no python", func(o *Options) { o.Settings.Python = "/nonexistent/python3" }, []string{"python3-aiortc python3-slixmpp"}},
		{"no aiortc", func(o *Options) { o.Settings.Python = noAiortc }, []string{"aiortc", "python3-aiortc python3-slixmpp"}},
		{"wrong password", func(o *Options) { o.Password = "wrong" }, []string{"authentication failed"}},
		{"unknown codec", func(o *Options) { o.Codecs = []string{"PCMU", "G729"} }, []string{"G729"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := base
			tc.edit(&opts)
			msg := FatalMessage(t, func(tb testing.TB) { Start(tb, opts) })
			for _, want := range tc.wants {
				if !strings.Contains(msg, want) {
					t.Errorf("fatal message %q lacks %q", msg, want)
				}
			}
		})
	}
}
