package browserpeer

import (
	"bufio"
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
	"sync"
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
	done       chan struct{} // closed once node has exited and stdout is drained

	writeMu sync.Mutex

	mu      sync.Mutex
	queue   []Event       // not yet taken by Expect
	recent  []Event       // the last events, for failure messages
	errs    []Event       // every error, garbage or fatal event
	changed chan struct{} // closed and replaced when queue or ended changes
	ended   error         // set once stdout ends

	profile string // chromium's --user-data-dir, which identifies its processes
}

const recentMax = 40

// Start writes the driver and page into t.TempDir(), starts node, which
// launches chromium, and waits until the page has logged in. t.Cleanup stops
// node and chromium. A missing chromium or node fails the test naming the
// Debian package, missing node modules naming tools/install.sh.
func Start(t testing.TB, opts Options) *Peer {
	t.Helper()
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
		changed:    make(chan struct{}),
	}
	if err := p.start(node, dir, tools, string(arg)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(s.StopGrace) })

	ctx, cancel := context.WithTimeout(context.Background(), s.ReadyTimeout)
	defer cancel()
	ev, err := p.expectAny(ctx, func(e Event) bool { return e.Name == "ready" || e.Name == "fatal" })
	if err != nil {
		t.Fatalf("browserpeer: %s did not log in: %v\n%s", opts.JID, err, p.diagnostics())
	}
	if ev.Name == "fatal" {
		if ev.Str("missing") != "" {
			t.Fatalf("browserpeer: %s: run %s", ev.Str("error"), installScript)
		}
		t.Fatalf("browserpeer: %s: %s\n%s", opts.JID, ev.Str("error"), p.diagnostics())
	}
	p.JID = ev.Str("jid")
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
	go p.read(stdout)
	return nil
}

// read queues events until stdout ends, then reaps node.
func (p *Peer) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024) // SDP can be long
	for sc.Scan() {
		ev, err := jinglepeer.ParseEvent(sc.Bytes())
		if err != nil {
			ev = Event{Name: "garbage", Fields: map[string]any{"line": sc.Text()}, Raw: sc.Text()}
		}
		p.mu.Lock()
		p.queue = append(p.queue, ev)
		p.recent = append(p.recent, ev)
		if len(p.recent) > recentMax {
			p.recent = p.recent[len(p.recent)-recentMax:]
		}
		if ev.Name == "error" || ev.Name == "garbage" || ev.Name == "fatal" {
			p.errs = append(p.errs, ev)
		}
		p.notifyLocked()
		p.mu.Unlock()
	}
	err := sc.Err()
	if err == nil {
		err = io.EOF
	}
	// Drain anything left so node never blocks on a full pipe.
	_, _ = io.Copy(io.Discard, stdout)
	werr := p.cmd.Wait()
	p.mu.Lock()
	p.ended = fmt.Errorf("browserpeer: peer output ended (%v), process: %v", err, werr)
	p.notifyLocked()
	p.mu.Unlock()
	close(p.done)
}

func (p *Peer) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Do sends one command, e.g. {"cmd":"call","to":"bob@localhost","jmi":true}.
// It fails the test when the peer cannot take it; call it from the test
// goroutine.
func (p *Peer) Do(cmd map[string]any) {
	p.t.Helper()
	if err := p.send(cmd); err != nil {
		p.t.Fatalf("%v\n%s", err, p.diagnostics())
	}
}

func (p *Peer) send(cmd map[string]any) error {
	b, err := json.Marshal(cmd)
	if err != nil {
		return fmt.Errorf("browserpeer: encode command: %w", err)
	}
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("browserpeer: send %s: %w", b, err)
	}
	return nil
}

// Expect waits for the first event named event for which match (which may
// be nil) returns true and takes it from the queue; other events stay queued.
// On timeout the error shows the recent events and the driver's stderr.
func (p *Peer) Expect(ctx context.Context, event string, match func(Event) bool) (Event, error) {
	ev, err := p.expectAny(ctx, func(e Event) bool {
		return e.Name == event && (match == nil || match(e))
	})
	if err != nil {
		return Event{}, fmt.Errorf("browserpeer: %s: waiting for %q: %w\n%s", p.JID, event, err, p.diagnostics())
	}
	return ev, nil
}

func (p *Peer) expectAny(ctx context.Context, match func(Event) bool) (Event, error) {
	for {
		p.mu.Lock()
		for i, ev := range p.queue {
			if match(ev) {
				p.queue = append(p.queue[:i], p.queue[i+1:]...)
				p.mu.Unlock()
				return ev, nil
			}
		}
		changed, ended := p.changed, p.ended
		p.mu.Unlock()
		if ended != nil {
			return Event{}, ended
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// WaitTone waits for a "tone" event whose power at the first detected
// frequency (Options.Detect, default Options.Tone) is at least minPower.
func (p *Peer) WaitTone(ctx context.Context, minPower float64) (Event, error) {
	return p.Expect(ctx, "tone", func(e Event) bool { return e.Float("power") >= minPower })
}

// Events returns the recent events (at most 40), oldest first.
func (p *Peer) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.recent...)
}

// Errors returns every "error" and "fatal" event so far, and any output
// line that was not an event (named "garbage").
func (p *Peer) Errors() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.errs...)
}

// diagnostics describes the peer's recent events and the driver's stderr
// (which has the page's console).
func (p *Peer) diagnostics() string {
	var b strings.Builder
	b.WriteString("recent events:\n")
	for _, ev := range p.Events() {
		line := ev.Raw
		if len(line) > 600 {
			line = line[:600] + "…"
		}
		b.WriteString("\t" + line + "\n")
	}
	b.WriteString("stderr tail:\n" + launch.Tail(p.stderrPath, 25))
	return b.String()
}

// stop asks the peer to quit (it hangs up and closes chromium), kills node's
// process group if it has not gone after grace, then any chromium process
// left with its profile: playwright starts chromium in a group of its own.
func (p *Peer) stop(grace time.Duration) {
	_ = p.send(map[string]any{"cmd": "quit"})
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
		p.t.Logf("browserpeer %s:\n%s", p.JID, p.diagnostics())
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
