package jinglepeer

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/launch"
)

//go:embed peer.py jsdp.py
var scripts embed.FS

// debianPackages are what the script imports, for failure messages.
const debianPackages = "python3-aiortc python3-slixmpp"

// Options configure one peer. Zero values get defaults.
type Options struct {
	JID      string // bare JID to log in as, e.g. "alice@localhost" (required)
	Password string // required
	Server   string // plain c2s address, host:port (required)
	Resource string // default "jinglepeer"

	Tone   float64   // Hz of the tone sent; default 440
	Detect []float64 // Hz measured in received audio; default Tone

	NoBundle    bool     // no BUNDLE group (XEP-0338), like Dino
	SetupActive bool     // as responder answer setup=active (Dino); default passive
	NoJMI       bool     // "call" sends session-initiate directly unless the command says jmi
	AutoAnswer  bool     // accept incoming calls at once
	AutoReject  string   // reject incoming calls with this reason, e.g. "busy"
	Codecs      []string // offered codecs in order; default PCMU, PCMA, opus
	DTMF        bool     // also negotiate telephone-event; received digits become "dtmf" events
	Trickle     bool     // candidates go in transport-info, not session-initiate/accept

	Settings Settings
}

// Settings are rare knobs.
type Settings struct {
	Python       string        // default /usr/bin/python3 (Debian's, which has aiortc)
	ReadyTimeout time.Duration // login deadline; default 60s
	StopGrace    time.Duration // wait after "quit" before killing; default 5s
	Verbose      bool          // aiortc/slixmpp debug logs to the stderr file
}

func (s Settings) withDefaults() Settings {
	if s.Python == "" {
		s.Python = "/usr/bin/python3"
	}
	if s.ReadyTimeout == 0 {
		s.ReadyTimeout = 60 * time.Second
	}
	if s.StopGrace == 0 {
		s.StopGrace = 5 * time.Second
	}
	return s
}

// Peer is one running peer process, logged in and ready for commands.
type Peer struct {
	JID string // full JID the server bound

	t          testing.TB
	cmd        *exec.Cmd
	stdin      io.WriteCloser
	stderrPath string
	s          *Stream
	done       chan struct{} // closed once the process has exited and stdout is drained
}

// Start writes the script into t.TempDir(), starts it and waits until it has
// logged in. t.Cleanup stops it. A missing python3, aiortc or slixmpp fails
// the test naming the Debian packages.
func Start(t testing.TB, opts Options) *Peer {
	t.Helper()
	if testing.Short() {
		t.Skip("jinglepeer: starts an aiortc peer (skipped with -short)")
	}
	s := opts.Settings.withDefaults()
	if _, err := os.Stat(s.Python); err != nil {
		t.Fatalf("jinglepeer: %s not found: install the Debian packages python3 %s", s.Python, debianPackages)
	}
	dir := t.TempDir()
	for _, name := range []string{"peer.py", "jsdp.py"} {
		b, err := scripts.ReadFile(name)
		if err != nil {
			t.Fatalf("jinglepeer: embedded %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatalf("jinglepeer: write %s: %v", name, err)
		}
	}
	p := &Peer{
		t:          t,
		stderrPath: filepath.Join(dir, "stderr.log"),
		done:       make(chan struct{}),
	}
	if err := p.start(dir, s, args(opts, s)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(s.StopGrace) })

	ctx, cancel := context.WithTimeout(context.Background(), s.ReadyTimeout)
	defer cancel()
	ev, err := p.s.ExpectAny(ctx, func(e Event) bool { return e.Name == "ready" || e.Name == "fatal" })
	if err != nil {
		t.Fatalf("jinglepeer: %s did not log in: %v", opts.JID, err)
	}
	if ev.Name == "fatal" {
		if ev.Str("missing") != "" {
			t.Fatalf("jinglepeer: %s: install the Debian packages %s", ev.Str("error"), debianPackages)
		}
		t.Fatalf("jinglepeer: %s: %s\n%s", opts.JID, ev.Str("error"), p.s.Diagnostics())
	}
	p.JID = ev.Str("jid")
	p.s.SetJID(p.JID)
	return p
}

// args turns opts into the script's command line.
func args(opts Options, s Settings) []string {
	a := []string{"peer.py", "--jid", opts.JID, "--password", opts.Password, "--server", opts.Server}
	if opts.Resource != "" {
		a = append(a, "--resource", opts.Resource)
	}
	tone := opts.Tone
	if tone == 0 {
		tone = 440
	}
	a = append(a, "--tone", strconv.FormatFloat(tone, 'g', -1, 64))
	if len(opts.Detect) > 0 {
		fs := make([]string, len(opts.Detect))
		for i, f := range opts.Detect {
			fs[i] = strconv.FormatFloat(f, 'g', -1, 64)
		}
		a = append(a, "--detect", strings.Join(fs, ","))
	}
	flags := []struct {
		on   bool
		flag string
	}{
		{opts.NoBundle, "--no-bundle"},
		{opts.SetupActive, "--setup-active"},
		{opts.NoJMI, "--no-jmi"},
		{opts.AutoAnswer, "--auto-answer"},
		{opts.Trickle, "--trickle"},
		{opts.DTMF, "--dtmf"},
		{s.Verbose, "--verbose"},
	}
	for _, f := range flags {
		if f.on {
			a = append(a, f.flag)
		}
	}
	if opts.AutoReject != "" {
		a = append(a, "--auto-reject", opts.AutoReject)
	}
	if len(opts.Codecs) > 0 {
		a = append(a, "--codecs", strings.Join(opts.Codecs, ","))
	}
	return a
}

func (p *Peer) start(dir string, s Settings, argv []string) error {
	stderr, err := os.Create(p.stderrPath)
	if err != nil {
		return fmt.Errorf("jinglepeer: create stderr file: %w", err)
	}
	defer stderr.Close() // the child has its own copy

	cmd := exec.Command(s.Python, argv...)
	cmd.Dir = dir
	cmd.Stderr = stderr
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1")
	cmd.SysProcAttr = launch.SysProcAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("jinglepeer: stdout pipe: %w", err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("jinglepeer: stdin pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("jinglepeer: start %s: %w", s.Python, err)
	}
	p.cmd, p.stdin = cmd, stdin
	p.s = NewStream("jinglepeer", stdin, p.stderrPath)
	go p.read(stdout)
	return nil
}

// read queues events until stdout ends, then reaps the process.
func (p *Peer) read(stdout io.Reader) {
	err := p.s.Read(stdout)
	werr := p.cmd.Wait()
	p.s.End(fmt.Errorf("jinglepeer: peer output ended (%v), process: %v", err, werr))
	close(p.done)
}

// Do sends one command, e.g. {"cmd":"call","to":"bob@localhost","jmi":true}.
// It fails the test when the peer cannot take it; call it from the test
// goroutine.
func (p *Peer) Do(cmd map[string]any) {
	p.t.Helper()
	if err := p.s.Send(cmd); err != nil {
		p.t.Fatalf("%v\n%s", err, p.s.Diagnostics())
	}
}

// Expect waits for and takes the first event named event that match (nil:
// any) accepts; see [Stream.Expect].
func (p *Peer) Expect(ctx context.Context, event string, match func(Event) bool) (Event, error) {
	return p.s.Expect(ctx, event, match)
}

// WaitTone waits for a "tone" event whose power at the first detected
// frequency (Options.Detect, default Options.Tone) is at least minPower.
func (p *Peer) WaitTone(ctx context.Context, minPower float64) (Event, error) {
	return p.s.WaitTone(ctx, minPower)
}

// Events returns the recent events (at most 40), oldest first.
func (p *Peer) Events() []Event { return p.s.Events() }

// Errors returns every "error", "fatal" and "garbage" event so far.
func (p *Peer) Errors() []Event { return p.s.Errors() }

// stop asks the peer to quit, kills its process group if it has not gone
// after grace, and waits for the reader goroutine.
func (p *Peer) stop(grace time.Duration) {
	_ = p.s.Send(map[string]any{"cmd": "quit"})
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(grace):
	}
	pgid := p.cmd.Process.Pid // Setpgid: the group id is the leader's pid
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
	if p.t.Failed() {
		p.t.Logf("jinglepeer %s:\n%s", p.JID, p.s.Diagnostics())
	}
}
