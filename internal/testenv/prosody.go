package testenv

import (
	"testing"

	"github.com/switchboard-gw/switchboard/internal/launch"
)

// Prosody is a Prosody XMPP server private to one test, serving the virtual
// host "localhost" and one external component (XEP-0114).
type Prosody struct {
	Domain          string // "localhost"
	ComponentDomain string // e.g. "sms.localhost"
	ComponentSecret string
	C2SAddr         string // 127.0.0.1:port, plain c2s (no TLS offered)
	ComponentAddr   string // 127.0.0.1:port, XEP-0114
	HTTPAddr        string // 127.0.0.1:port, mod_websocket at /xmpp-websocket
	// UploadDomain is the XEP-0363 upload service ("upload.localhost")
	// with ProsodyOptions.FileShare; "" without. Client.Upload uses it.
	UploadDomain string
	Dir          string // config, data, logs

	p *launch.Prosody
}

// ProsodyOptions configure StartProsody. Zero values get defaults.
type ProsodyOptions struct {
	ComponentDomain string // default "sms.localhost"
	ComponentSecret string // default: random
	// FileShare enables XEP-0363 HTTP File Upload (mod_http_file_share),
	// as the demo's Prosody has it, so that tests can upload pictures with
	// Client.Upload and send them as XEP-0066 links.
	FileShare bool
}

// StartProsody writes a config into a temporary directory, starts Prosody in
// the foreground and waits until its c2s, component and HTTP ports accept
// connections. t.Cleanup stops it.
func StartProsody(t testing.TB, opts ProsodyOptions) *Prosody {
	t.Helper()
	if testing.Short() {
		t.Skip("testenv: starts Prosody (skipped with -short)")
	}
	p, err := launch.StartProsody(t.Context(), t.TempDir(), launch.ProsodyOptions{
		ComponentDomain: opts.ComponentDomain,
		ComponentSecret: opts.ComponentSecret,
		FileShare:       opts.FileShare,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testenv: prosody log tail (%s):\n%s", p.LogPath(), p.LogTail())
		}
		p.Stop()
	})
	return &Prosody{
		Domain:          p.Domain,
		ComponentDomain: p.ComponentDomain,
		ComponentSecret: p.ComponentSecret,
		C2SAddr:         p.C2SAddr,
		ComponentAddr:   p.ComponentAddr,
		HTTPAddr:        p.HTTPAddr,
		UploadDomain:    p.UploadDomain,
		Dir:             p.Dir,
		p:               p,
	}
}

// Start starts Prosody again after Stop, on the same ports and with the same
// data directory, so accounts and offline messages are kept.
func (p *Prosody) Start(t testing.TB) {
	t.Helper()
	if err := p.p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// Stop stops Prosody (connected clients and components are disconnected).
// Stopping a stopped server does nothing.
func (p *Prosody) Stop(t testing.TB) {
	t.Helper()
	p.p.Stop()
}

// Kill crashes Prosody (SIGKILL); Start brings it back.
func (p *Prosody) Kill(t testing.TB) {
	t.Helper()
	p.p.Kill()
}

// Register creates the account user@Domain (or changes its password). It works
// whether or not Prosody is running.
func (p *Prosody) Register(t testing.TB, user, password string) {
	t.Helper()
	if err := p.p.Register(t.Context(), user, password); err != nil {
		t.Fatal(err)
	}
}

// LogTail returns the last lines of the Prosody log, for failure messages.
func (p *Prosody) LogTail() string {
	return p.p.LogTail()
}
