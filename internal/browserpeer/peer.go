package browserpeer

import (
	"context"
	"embed"
	"encoding/json"
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

	"github.com/switchboard-gw/switchboard/internal/carriertest"
	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/launch"
)

//go:embed driver.js page.js tone.mjs
var scripts embed.FS

// Event is one JSON line the peer wrote on stdout; the type is jinglepeer's,
// so a test can drive either peer with the same helpers.
type Event = jinglepeer.Event

// Peer is one running browser peer (node driving chromium), logged in and
// ready for commands.
type Peer struct {
	JID string // full JID the server bound

	t          testing.TB
	cmd        *exec.Cmd
	stdin      io.WriteCloser
	stderrPath string
	s          *jinglepeer.Stream
	done       chan struct{} // closed once node has exited and stdout is drained

	profile string // chromium's --user-data-dir, which identifies its processes
}

// Start writes the driver and page into t.TempDir(), starts node, which
// launches chromium, and waits until the page has logged in. t.Cleanup stops
// node and chromium. A missing chromium or node fails the test naming the
// Debian package, missing node modules naming tools/install.sh.
func Start(t testing.TB, opts Options) *Peer {
	t.Helper()
	if testing.Short() {
		t.Skip("browserpeer: starts Chromium (skipped with -short)")
	}
	s := opts.Settings.withDefaults()
	if _, err := os.Stat(s.Chromium); err != nil {
		t.Fatalf("browserpeer: %s not found: install the Debian package %s", s.Chromium, chromiumPackage)
	}
	node, err := exec.LookPath(s.Node)
	if err != nil {
		t.Fatalf("browserpeer: %s not found: install the Debian package %s", s.Node, nodePackage)
	}
	tools := s.Tools
	if tools == "" {
		tools = carriertest.Tools(t)
	}
	if _, err := os.Stat(filepath.Join(tools, "node_modules", "stanza", "package.json")); err != nil {
		t.Fatalf("browserpeer: stanza is not in %s/node_modules: run %s", tools, installScript)
	}
	dir := t.TempDir()
	for _, name := range []string{"driver.js", "page.js", "tone.mjs"} {
		b, err := scripts.ReadFile(name)
		if err != nil {
			t.Fatalf("browserpeer: embedded %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatalf("browserpeer: write %s: %v", name, err)
		}
	}
	arg, err := json.Marshal(newDriverArgs(opts, s, dir))
	if err != nil {
		t.Fatalf("browserpeer: encode options: %v", err)
	}
	p := &Peer{
		t:          t,
		stderrPath: filepath.Join(dir, "stderr.log"),
		profile:    filepath.Join(dir, "profile"),
		done:       make(chan struct{}),
	}
	if err := p.start(node, dir, tools, string(arg)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(s.StopGrace) })

	ctx, cancel := context.WithTimeout(context.Background(), s.ReadyTimeout)
	defer cancel()
	ev, err := p.s.ExpectAny(ctx, func(e Event) bool { return e.Name == "ready" || e.Name == "fatal" })
	if err != nil {
		t.Fatalf("browserpeer: %s did not log in: %v\n%s", opts.JID, err, p.s.Diagnostics())
	}
	if ev.Name == "fatal" {
		if ev.Str("missing") != "" {
			t.Fatalf("browserpeer: %s: run %s", ev.Str("error"), installScript)
		}
		t.Fatalf("browserpeer: %s: %s\n%s", opts.JID, ev.Str("error"), p.s.Diagnostics())
	}
	p.JID = ev.Str("jid")
	p.s.SetJID(p.JID)
	return p
}

func (p *Peer) start(node, dir, tools, arg string) error {
	stderr, err := os.Create(p.stderrPath)
	if err != nil {
		return fmt.Errorf("browserpeer: create stderr file: %w", err)
	}
	defer stderr.Close() // the child has its own copy

	cmd := exec.Command(node, filepath.Join(dir, "driver.js"), arg)
	cmd.Dir = dir
	cmd.Stderr = stderr
	// TMPDIR puts playwright's chromium profile into the test's directory.
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(tools, "node_modules"), "TMPDIR="+dir)
	cmd.SysProcAttr = launch.SysProcAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("browserpeer: stdout pipe: %w", err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("browserpeer: stdin pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("browserpeer: start %s: %w", node, err)
	}
	p.cmd, p.stdin = cmd, stdin
	// The driver's stderr has the page's console too.
	p.s = jinglepeer.NewStream("browserpeer", stdin, p.stderrPath)
	go p.read(stdout)
	return nil
}

// read queues events until stdout ends, then reaps node.
func (p *Peer) read(stdout io.Reader) {
	err := p.s.Read(stdout)
	werr := p.cmd.Wait()
	p.s.End(fmt.Errorf("browserpeer: peer output ended (%v), process: %v", err, werr))
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
// any) accepts; see [jinglepeer.Stream.Expect].
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

// stop asks the peer to quit (it hangs up and closes chromium), kills node's
// process group if it has not gone after grace, then any chromium process
// left with its profile: playwright starts chromium in a group of its own.
func (p *Peer) stop(grace time.Duration) {
	_ = p.s.Send(map[string]any{"cmd": "quit"})
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(grace):
	}
	killGroup(p.cmd.Process.Pid)
	<-p.done
	for _, pid := range processesWith("--user-data-dir=" + p.profile) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if p.t.Failed() {
		p.t.Logf("browserpeer %s:\n%s", p.JID, p.s.Diagnostics())
	}
}

// killGroup kills the process group led by pid; one that is gone is fine.
func killGroup(pid int) {
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// processesWith lists the processes whose command line has arg, read
// from /proc.
func processesWith(arg string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, a := range strings.Split(string(b), "\x00") {
			if a == arg {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
