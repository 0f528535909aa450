package launch

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// Prosody is a private Prosody XMPP server serving the virtual host
// "localhost" and one external component (XEP-0114).
type Prosody struct {
	Domain          string // "localhost"
	ComponentDomain string // e.g. "sms.localhost"
	ComponentSecret string
	C2SAddr         string // 127.0.0.1:port, c2s; STARTTLS offered only with TLS
	ComponentAddr   string // 127.0.0.1:port, XEP-0114
	HTTPAddr        string // 127.0.0.1:port, mod_websocket at /xmpp-websocket
	// UploadDomain is the XEP-0363 upload service's JID ("upload.localhost")
	// with ProsodyOptions.FileShare; "" without.
	UploadDomain string
	Dir          string       // config, data, logs
	Cert         *Certificate // with ProsodyOptions.TLS: what c2s offers

	modules   []string
	fileShare int64    // upload size limit; 0: no file share
	proc      *Process // nil while stopped
}

// ProsodyOptions configure StartProsody. Zero values get defaults.
type ProsodyOptions struct {
	ComponentDomain string // default "sms.localhost"
	ComponentSecret string // default: random
	// C2SPort is the client port; 0 picks a free one. When a fixed port is
	// taken StartProsody fails with an error PortTaken recognises.
	C2SPort int
	// TLS offers STARTTLS on c2s, with a new self-signed certificate for
	// Domain, for clients that insist on it. Clients may still log in
	// without TLS, as they always can without this option.
	TLS bool
	// Modules are more Prosody modules to enable, e.g. "pep".
	Modules []string
	// FileShare enables XEP-0363 HTTP File Upload (mod_http_file_share,
	// Prosody 0.12) as the component "upload.localhost", served on the HTTP
	// port at http://127.0.0.1:PORT/file_share/, so that clients can send
	// pictures (MMS through the gateway).
	FileShare bool
	// FileShareSizeLimit bounds one upload; default 10 MiB, Prosody's own.
	FileShareSizeLimit int64
}

//go:embed prosody.cfg.lua.tmpl
var prosodyConfig string

var prosodyTmpl = template.Must(template.New("prosody.cfg.lua").Funcs(template.FuncMap{
	"join": filepath.Join,
	"lua":  luaString,
}).Parse(prosodyConfig))

// StartProsody writes a config into dir, which is created if needed, starts
// Prosody in the foreground and waits until its c2s, component and HTTP
// ports accept connections.
func StartProsody(ctx context.Context, dir string, opts ProsodyOptions) (*Prosody, error) {
	if opts.ComponentDomain == "" {
		opts.ComponentDomain = "sms.localhost"
	}
	if opts.ComponentSecret == "" {
		opts.ComponentSecret = RandomSecret()
	}
	p := &Prosody{
		Domain:          "localhost",
		ComponentDomain: opts.ComponentDomain,
		ComponentSecret: opts.ComponentSecret,
		Dir:             dir,
		modules:         opts.Modules,
	}
	if opts.FileShare {
		p.UploadDomain = "upload." + p.Domain
		p.fileShare = opts.FileShareSizeLimit
		if p.fileShare <= 0 {
			p.fileShare = 10 << 20
		}
	}
	for _, sub := range []string{"", "data", "certs"} {
		if err := os.MkdirAll(filepath.Join(p.Dir, sub), 0o750); err != nil {
			return nil, fmt.Errorf("launch: create prosody dir: %w", err)
		}
	}
	if opts.TLS {
		cert, err := SelfSigned(filepath.Join(p.Dir, "certs"), p.Domain)
		if err != nil {
			return nil, err
		}
		p.Cert = &cert
	}
	err := withFreePorts(3, func(ports []int) error {
		if opts.C2SPort != 0 {
			ports[0] = opts.C2SPort
		}
		if err := p.writeConfig(ports); err != nil {
			return err
		}
		return p.Start(ctx)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// writeConfig renders the config for the given c2s, component and HTTP ports.
func (p *Prosody) writeConfig(ports []int) error {
	p.C2SAddr = Loopback(ports[0])
	p.ComponentAddr = Loopback(ports[1])
	p.HTTPAddr = Loopback(ports[2])
	var cfg strings.Builder
	err := prosodyTmpl.Execute(&cfg, map[string]any{
		"Dir":             p.Dir,
		"Domain":          p.Domain,
		"ComponentDomain": p.ComponentDomain,
		"ComponentSecret": p.ComponentSecret,
		"C2SPort":         ports[0],
		"ComponentPort":   ports[1],
		"HTTPPort":        ports[2],
		"Cert":            p.Cert,
		"Modules":         p.modules,
		"UploadDomain":    p.UploadDomain,
		"UploadLimit":     p.fileShare,
	})
	if err != nil {
		return fmt.Errorf("launch: render prosody config: %w", err)
	}
	if err := os.WriteFile(p.configPath(), []byte(cfg.String()), 0o600); err != nil {
		return fmt.Errorf("launch: write prosody config: %w", err)
	}
	return nil
}

// Start starts Prosody again after Stop, on the same ports and with the same
// data directory, so accounts and offline messages are kept.
func (p *Prosody) Start(ctx context.Context) error {
	if p.proc != nil {
		return fmt.Errorf("launch: prosody on %s is already running", p.C2SAddr)
	}
	logStart := FileSize(p.LogPath())
	outPath := filepath.Join(p.Dir, "prosody.out")
	pr, err := startServer("prosody", "prosody", []string{"-F", "--config", p.configPath()}, p.Dir, outPath)
	if err != nil {
		return err
	}
	p.proc = pr

	for _, addr := range []string{p.C2SAddr, p.ComponentAddr, p.HTTPAddr} {
		if err := pr.waitUntil(ctx, 15*time.Second, func() bool { return Accepts(addr) }); err != nil {
			p.Stop()
			return fmt.Errorf("launch: prosody did not listen on %s (%w); output:\n%s\nlog tail:\n%s",
				addr, err, Tail(outPath, 20), p.LogTail())
		}
	}
	// Prosody keeps running with a half-loaded config (a module that failed,
	// a port it could not bind); such errors only show in the log.
	if errs := LogLines(p.LogPath(), logStart, "\terror\t"); len(errs) > 0 {
		p.Stop()
		return fmt.Errorf("launch: prosody logged errors at startup:\n%s", strings.Join(errs, "\n"))
	}
	return nil
}

// Stop stops Prosody (connected clients and components are disconnected).
// Stopping a stopped server does nothing.
func (p *Prosody) Stop() {
	if p.proc == nil {
		return
	}
	// After "Shutdown complete" Prosody only waits, up to a second, for
	// sockets its peers have not closed yet; nothing is lost by killing it.
	logStart := FileSize(p.LogPath())
	p.proc.Stop(5*time.Second, func() bool {
		return len(LogLines(p.LogPath(), logStart, "\tShutdown complete")) > 0
	})
	p.proc = nil
}

// Kill crashes Prosody (SIGKILL): connections drop without a stream end.
func (p *Prosody) Kill() {
	if p.proc == nil {
		return
	}
	p.proc.Kill()
	p.proc = nil
}

// Register creates the account user@Domain (or changes its password). It works
// whether or not Prosody is running.
func (p *Prosody) Register(ctx context.Context, user, password string) error {
	bin, err := LookBinary("prosodyctl", "prosody")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--config", p.configPath(), "register", user, p.Domain, password)
	cmd.Dir = p.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("launch: prosodyctl register %s@%s: %w\n%s", user, p.Domain, err, out)
	}
	return nil
}

// WebSocketURL is the address of the XMPP-over-WebSocket endpoint (RFC 7395).
func (p *Prosody) WebSocketURL() string { return "ws://" + p.HTTPAddr + "/xmpp-websocket" }

// LogTail returns the last lines of the Prosody log, for failure messages.
func (p *Prosody) LogTail() string {
	return Tail(p.LogPath(), 40)
}

// LogPath is the Prosody log file.
func (p *Prosody) LogPath() string { return filepath.Join(p.Dir, "prosody.log") }

func (p *Prosody) configPath() string { return filepath.Join(p.Dir, "prosody.cfg.lua") }

// RandomSecret returns 32 random hex digits.
func RandomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand docs)
	return hex.EncodeToString(b)
}

// luaString quotes s as a Lua string literal. Go's %q is not Lua syntax for
// non-ASCII, so escape byte by byte with Lua's decimal escapes.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
