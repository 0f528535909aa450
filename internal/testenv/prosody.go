package testenv

import (
	"bufio"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"
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
	Dir             string // config, data, logs

	proc *proc // nil while stopped
}

// ProsodyOptions configure StartProsody. Zero values get defaults.
type ProsodyOptions struct {
	ComponentDomain string // default "sms.localhost"
	ComponentSecret string // default: random
}

//go:embed prosody.cfg.lua.tmpl
var prosodyConfig string

var prosodyTmpl = template.Must(template.New("prosody.cfg.lua").Funcs(template.FuncMap{
	"join": filepath.Join,
	"lua":  luaString,
}).Parse(prosodyConfig))

// StartProsody writes a config into a temporary directory, starts Prosody in
// the foreground and waits until its c2s, component and HTTP ports accept
// connections. t.Cleanup stops it.
func StartProsody(t testing.TB, opts ProsodyOptions) *Prosody {
	t.Helper()
	if opts.ComponentDomain == "" {
		opts.ComponentDomain = "sms.localhost"
	}
	if opts.ComponentSecret == "" {
		opts.ComponentSecret = randomSecret()
	}
	p := &Prosody{
		Domain:          "localhost",
		ComponentDomain: opts.ComponentDomain,
		ComponentSecret: opts.ComponentSecret,
		Dir:             t.TempDir(),
	}
	for _, sub := range []string{"data", "certs"} {
		if err := os.Mkdir(filepath.Join(p.Dir, sub), 0o750); err != nil {
			t.Fatalf("testenv: create prosody %s dir: %v", sub, err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testenv: prosody log tail (%s):\n%s", p.logPath(), p.LogTail())
		}
		p.stop()
	})
	for attempt := 1; ; attempt++ {
		err := p.writeConfig(freePorts(t, 3))
		if err == nil {
			err = p.start()
		}
		if err == nil {
			return p
		}
		if attempt == 3 || !portTaken(err) {
			t.Fatal(err)
		}
	}
}

// writeConfig renders the config for the given c2s, component and HTTP ports.
func (p *Prosody) writeConfig(ports []int) error {
	p.C2SAddr = loopback(ports[0])
	p.ComponentAddr = loopback(ports[1])
	p.HTTPAddr = loopback(ports[2])
	var cfg strings.Builder
	err := prosodyTmpl.Execute(&cfg, map[string]any{
		"Dir":             p.Dir,
		"Domain":          p.Domain,
		"ComponentDomain": p.ComponentDomain,
		"ComponentSecret": p.ComponentSecret,
		"C2SPort":         ports[0],
		"ComponentPort":   ports[1],
		"HTTPPort":        ports[2],
	})
	if err != nil {
		return fmt.Errorf("testenv: render prosody config: %w", err)
	}
	if err := os.WriteFile(p.configPath(), []byte(cfg.String()), 0o600); err != nil {
		return fmt.Errorf("testenv: write prosody config: %w", err)
	}
	return nil
}

// Start starts Prosody again after Stop, on the same ports and with the same
// data directory, so accounts and offline messages are kept.
func (p *Prosody) Start(t testing.TB) {
	t.Helper()
	if p.proc != nil {
		t.Fatalf("testenv: prosody on %s is already running", p.C2SAddr)
	}
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
}

func (p *Prosody) start() error {
	bin, err := lookBinary("prosody", "prosody")
	if err != nil {
		return err
	}
	logStart := fileSize(p.logPath())
	outPath := filepath.Join(p.Dir, "prosody.out")
	pr, err := startProc(bin, []string{"-F", "--config", p.configPath()}, p.Dir, outPath)
	if err != nil {
		return err
	}
	p.proc = pr

	deadline := time.Now().Add(15 * time.Second)
	for _, addr := range []string{p.C2SAddr, p.ComponentAddr, p.HTTPAddr} {
		for !accepts(addr) {
			if pr.exited() || time.Now().After(deadline) {
				p.stop()
				return fmt.Errorf("testenv: prosody did not listen on %s (exit: %v); output:\n%s\nlog tail:\n%s",
					addr, pr.err, tail(outPath, 20), p.LogTail())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Prosody keeps running with a half-loaded config (a module that failed,
	// a port it could not bind); such errors only show in the log.
	if errs := logErrors(p.logPath(), logStart); errs != "" {
		p.stop()
		return fmt.Errorf("testenv: prosody logged errors at startup:\n%s", errs)
	}
	return nil
}

// Stop stops Prosody (connected clients and components are disconnected).
// Stopping a stopped server does nothing.
func (p *Prosody) Stop(t testing.TB) {
	t.Helper()
	p.stop()
}

func (p *Prosody) stop() {
	if p.proc == nil {
		return
	}
	// After "Shutdown complete" Prosody only waits, up to a second, for
	// sockets its peers have not closed yet; nothing is lost by killing it.
	logStart := fileSize(p.logPath())
	p.proc.stop(5*time.Second, func() bool {
		return logContains(p.logPath(), logStart, "\tShutdown complete")
	})
	p.proc = nil
}

// Register creates the account user@Domain (or changes its password). It works
// whether or not Prosody is running.
func (p *Prosody) Register(t testing.TB, user, password string) {
	t.Helper()
	bin, err := lookBinary("prosodyctl", "prosody")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--config", p.configPath(), "register", user, p.Domain, password)
	cmd.Dir = p.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testenv: prosodyctl register %s@%s: %v\n%s", user, p.Domain, err, out)
	}
}

// LogTail returns the last lines of the Prosody log, for failure messages.
func (p *Prosody) LogTail() string {
	return tail(p.logPath(), 40)
}

func (p *Prosody) configPath() string { return filepath.Join(p.Dir, "prosody.cfg.lua") }
func (p *Prosody) logPath() string    { return filepath.Join(p.Dir, "prosody.log") }

// logErrors returns the log lines at level error written after offset.
func logErrors(path string, offset int64) string {
	return strings.Join(logLines(path, offset, "\terror\t"), "\n")
}

// logContains reports whether a log line written after offset contains s.
func logContains(path string, offset int64, s string) bool {
	return len(logLines(path, offset, s)) > 0
}

// logLines returns the lines written after offset that contain s.
func logLines(path string, offset int64, s string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil
	}
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func loopback(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

func randomSecret() string {
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
