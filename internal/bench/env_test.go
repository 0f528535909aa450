//go:build linux

package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// child is a process the benchmark started: the gateway or the echo.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string // stderr (and stdout, for the gateway)
	done chan struct{}
	err  error
}

func startChild(tb testing.TB, name, logPath string, cmd *exec.Cmd, stdoutToLog bool) *child {
	tb.Helper()
	if testing.Short() {
		tb.Skip("bench: starts a server process (skipped with -short)")
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	cmd.Stderr = f
	if stdoutToLog {
		cmd.Stdout = f
	}
	// Its own process group, killed with the benchmark if it dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("bench: start %s: %v", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	tb.Cleanup(func() { c.stop(5 * time.Second) })
	return c
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and kills the process group after grace.
func (c *child) stop(grace time.Duration) {
	if !c.exited() {
		_ = syscall.Kill(c.pid(), syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(grace):
		}
	}
	_ = syscall.Kill(-c.pid(), syscall.SIGKILL)
	<-c.done
}

func (c *child) logTail() string {
	b, err := os.ReadFile(c.log)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// goBuild builds a package of this module into dir.
func goBuild(tb testing.TB, dir, name, pkg string) string {
	tb.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("bench: go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// findPID finds the process whose command line satisfies match.
func findPID(match func(cmdline []string) bool) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || len(b) == 0 {
			continue
		}
		if match(strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")) {
			return pid
		}
	}
	return 0
}

// prosodyPID finds the Prosody serving p (its command line names the config
// in p.Dir).
func prosodyPID(p *testenv.Prosody) int {
	cfg := filepath.Join(p.Dir, "prosody.cfg.lua")
	return findPID(func(args []string) bool {
		for _, a := range args {
			if a == cfg {
				return true
			}
		}
		return false
	})
}

// redisPID finds the redis-server serving r: it renames itself
// "redis-server 127.0.0.1:PORT".
func redisPID(r *testenv.Redis) int {
	return findPID(func(args []string) bool {
		line := strings.Join(args, " ")
		return strings.Contains(line, "redis-server") && (strings.HasSuffix(line, " "+r.Addr) || strings.Contains(line, " "+r.Addr+" "))
	})
}

// waitHealthy polls the gateway's /healthz until Redis and XMPP are up.
func waitHealthy(tb testing.TB, gw *child, base string) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if gw.exited() || time.Now().After(deadline) {
			tb.Fatalf("bench: gateway not healthy at %s (exited: %v)\n%s", base, gw.exited(), gw.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// echoProc is the running echo component and its pipes.
type echoProc struct {
	*child
	in      *bufio.Writer
	stdin   io.WriteCloser
	ready   chan struct{}
	acks    chan string // "reply 1": the echo's acknowledgements of its settings
	outDone chan struct{}
}

func startEcho(tb testing.TB, bin, logPath, server, domain, secret string) *echoProc {
	tb.Helper()
	cmd := exec.Command(bin, "-server", server, "-domain", domain, "-secret", secret)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	e := &echoProc{in: bufio.NewWriterSize(stdin, 64<<10), stdin: stdin, ready: make(chan struct{}), acks: make(chan string, 4), outDone: make(chan struct{})}
	e.child = startChild(tb, "echo", logPath, cmd, false)
	go func() {
		defer close(e.outDone)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if line == "ready" {
				close(e.ready)
				continue
			}
			if set, ok := strings.CutPrefix(line, "set "); ok {
				e.acks <- set
				continue
			}
			// a ID UNIXNANO
			f := strings.Fields(line)
			if len(f) == 3 && f[0] == "a" {
				if ts, err := strconv.ParseInt(f[2], 10, 64); err == nil {
					arrive("component", f[1], ts)
				}
			}
		}
	}()
	select {
	case <-e.ready:
	case <-e.done:
		tb.Fatalf("bench: echo exited before it was ready:\n%s", e.logTail())
	case <-time.After(30 * time.Second):
		tb.Fatalf("bench: echo not ready after 30s:\n%s", e.logTail())
	}
	tb.Cleanup(e.close)
	return e
}

func (e *echoProc) command(line string) error {
	if _, err := e.in.WriteString(line + "\n"); err != nil {
		return err
	}
	return e.in.Flush()
}

// setReply makes the echo answer every message, or none, and waits until
// that holds.
func (e *echoProc) setReply(on bool) error {
	line := "reply 0"
	if on {
		line = "reply 1"
	}
	if err := e.command(line); err != nil {
		return err
	}
	select {
	case got := <-e.acks:
		if got != line {
			return fmt.Errorf("echo acknowledged %q, not %q", got, line)
		}
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("echo did not acknowledge %q", line)
	}
}

// close closes stdin, which makes the echo leave, then waits for it.
func (e *echoProc) close() {
	_ = e.in.Flush()
	_ = e.stdin.Close()
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
	}
	e.stop(time.Second)
	<-e.outDone
}

// echoSender makes the echo send a chat message from a number JID to the
// user, one command line each.
type echoSender struct {
	e    *echoProc
	to   string   // bare JID
	from []string // number JIDs
	wbuf []byte
}

func (s *echoSender) send(r *run, seq int) error {
	b := append(s.wbuf[:0], "send "...)
	b = append(b, s.to...)
	b = append(b, ' ')
	b = append(b, s.from[seq%len(s.from)]...)
	b = append(b, ' ')
	b = append(b, r.id(seq)...)
	b = append(b, ' ')
	b = append(b, r.body(seq)...)
	b = append(b, '\n')
	s.wbuf = b
	_, err := s.e.in.Write(b)
	return err
}

func (s *echoSender) flush() error { return s.e.in.Flush() }

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func ctxTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func must(tb testing.TB, err error, what string) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("bench: %s: %v", what, err)
	}
}

func runCmd(tb testing.TB, bin string, args ...string) string {
	tb.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("bench: %s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
