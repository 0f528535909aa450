package siptest

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"net"
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

//go:embed scenarios/*.xml
var scenarios embed.FS

// pcapDir is where Debian's sip-tester keeps the RTP captures its
// scenarios play.
const pcapDir = "/usr/share/sip-tester"

// Options describe one SIPp run.
type Options struct {
	// Scenario is the file name of an embedded scenario ("uas_answer.xml").
	Scenario string
	// Remote is the host:port SIPp sends its first request to (UAC
	// scenarios); empty for UAS scenarios, which wait for us.
	Remote string
	// Service is the user part of the Request-URI in UAC scenarios (-s).
	Service string
	// RTPEcho echoes the RTP SIPp receives on its media port (-rtp_echo).
	RTPEcho bool
	// Pcaps copies sip-tester's g711a.pcap and dtmf_2833_*.pcap into
	// ./pcap/ of SIPp's working directory for play_pcap_audio.
	Pcaps bool
	// Keys set scenario keywords: -key name value makes [name].
	Keys map[string]string
	// Replace substitutes %%NAME%% in the scenario text before SIPp reads
	// it, for places SIPp takes no keywords (status codes).
	Replace map[string]string
	// Port is SIPp's SIP port; 0 picks a free one.
	Port int
	// LocalIP is the loopback address SIPp sends from and listens on
	// (-i, -mi); default 127.0.0.1. 127.0.0.2 plays another host, such
	// as a source the gateway does not trust.
	LocalIP string
	// Timeout fails the scenario when it runs longer; default 60s.
	Timeout time.Duration
	// Calls is how many calls a UAC scenario places (-m); default 1.
	Calls int
	// Rate is how many calls a UAC scenario starts a second (-r); 0 is
	// SIPp's default, 10.
	Rate int
}

// Sipp is a running SIPp.
type Sipp struct {
	Port      int    // SIPp's SIP port on LocalIP
	MediaPort int    // its media port (-mp): RTP echo and the SDP it sends
	Addr      string // LocalIP:Port
	Dir       string // working directory with its logs

	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Binary returns the path of sipp, or an error naming the Debian package.
func Binary() (string, error) {
	return launch.LookBinary("sipp", "sip-tester")
}

// Start runs SIPp with opts in a directory under t.TempDir() and waits
// until it listens. Cleanup kills it if the test has not waited for it.
func Start(t testing.TB, opts Options) *Sipp {
	t.Helper()
	if testing.Short() {
		t.Skip("siptest: starts SIPp (skipped with -short)")
	}
	s, err := start(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.kill)
	return s
}

func start(dir string, opts Options) (*Sipp, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	xml, err := scenarios.ReadFile("scenarios/" + opts.Scenario)
	if err != nil {
		return nil, fmt.Errorf("siptest: scenario %s: %w", opts.Scenario, err)
	}
	for k, v := range opts.Replace {
		xml = bytes.ReplaceAll(xml, []byte("%%"+k+"%%"), []byte(v))
	}
	sf := filepath.Join(dir, opts.Scenario)
	if err := os.WriteFile(sf, xml, 0o644); err != nil {
		return nil, fmt.Errorf("siptest: %w", err)
	}
	if opts.Pcaps {
		if err := linkPcaps(dir); err != nil {
			return nil, err
		}
	}
	// A port found free may be taken by another test before SIPp binds
	// it: SIPp then exits with ExitBind, and a second try with new ports
	// settles it. A port the caller chose is not changed.
	for try := 1; ; try++ {
		s, err := startOnce(dir, bin, sf, opts)
		if !errors.Is(err, errBind) || opts.Port != 0 || try == 3 {
			return s, err
		}
	}
}

// ExitBind is SIPp's exit code for "cannot bind a socket": a port found
// free was taken before SIPp bound it, and new ports settle it.
const ExitBind = 254

var errBind = errors.New("siptest: sipp could not bind its ports")

func startOnce(dir, bin, sf string, opts Options) (*Sipp, error) {
	var err error
	ip := opts.LocalIP
	if ip == "" {
		ip = "127.0.0.1"
	}
	port := opts.Port
	if port == 0 {
		if port, err = FreeUDPPort(); err != nil {
			return nil, err
		}
	}
	media, err := FreeUDPPorts(4)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	args := []string{
		"-sf", sf,
		"-i", ip, "-p", strconv.Itoa(port),
		"-mi", ip, "-mp", strconv.Itoa(media),
		"-m", strconv.Itoa(max(opts.Calls, 1)),
		"-nostdin",
		"-timeout", strconv.Itoa(int(timeout / time.Second)), "-timeout_error",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-trace_msg", "-message_file", filepath.Join(dir, "messages.log"),
		"-trace_logs", "-log_file", filepath.Join(dir, "actions.log"),
	}
	if opts.Rate > 0 {
		args = append(args, "-r", strconv.Itoa(opts.Rate))
	}
	if opts.RTPEcho {
		args = append(args, "-rtp_echo")
	}
	if opts.Service != "" {
		args = append(args, "-s", opts.Service)
	}
	for k, v := range opts.Keys {
		args = append(args, "-key", k, v)
	}
	if opts.Remote != "" {
		args = append(args, opts.Remote)
	}
	out, err := os.Create(filepath.Join(dir, "screen.log"))
	if err != nil {
		return nil, fmt.Errorf("siptest: %w", err)
	}
	defer out.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = launch.SysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("siptest: start sipp: %w", err)
	}
	s := &Sipp{
		Port: port, MediaPort: media, Addr: net.JoinHostPort(ip, strconv.Itoa(port)),
		Dir: dir, cmd: cmd, done: make(chan struct{}),
	}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	// SIPp listens once its port can no longer be bound.
	deadline := time.Now().Add(15 * time.Second)
	for udpFreeOn(ip, port, 1) {
		select {
		case <-s.done:
			return nil, s.startError()
		default:
		}
		if time.Now().After(deadline) {
			s.kill()
			return nil, fmt.Errorf("siptest: sipp does not listen on %d:\n%s", port, s.logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The port being held does not prove SIPp holds it: another process
	// may have taken it, and SIPp then exits at once with ExitBind. (A
	// short scenario may also be over already: that is for Wait to judge.)
	select {
	case <-s.done:
		if s.cmd.ProcessState.ExitCode() == ExitBind {
			return nil, s.startError()
		}
	case <-time.After(startGrace):
	}
	return s, nil
}

// startError says why SIPp ended at start; errBind when it could not bind.
func (s *Sipp) startError() error {
	err := fmt.Errorf("siptest: sipp exited at start (%v):\n%s", s.err, s.logs())
	if s.cmd.ProcessState.ExitCode() == ExitBind {
		return fmt.Errorf("%w: %w", errBind, err)
	}
	return err
}

// startGrace is how long SIPp must outlive its port being bound to count
// as started: a bind failure ends it within milliseconds.
const startGrace = 150 * time.Millisecond

func linkPcaps(dir string) error {
	pd := filepath.Join(dir, "pcap")
	if err := os.MkdirAll(pd, 0o755); err != nil {
		return fmt.Errorf("siptest: %w", err)
	}
	names, _ := filepath.Glob(filepath.Join(pcapDir, "*.pcap"))
	if len(names) == 0 {
		return fmt.Errorf("siptest: no pcaps in %s: install the Debian package \"sip-tester\"", pcapDir)
	}
	for _, n := range names {
		if err := os.Symlink(n, filepath.Join(pd, filepath.Base(n))); err != nil {
			return fmt.Errorf("siptest: %w", err)
		}
	}
	return nil
}

// Wait waits for SIPp to finish its scenario and returns nil if it passed
// (exit code 0), or an error with its logs.
func (s *Sipp) Wait(ctx context.Context) error {
	select {
	case <-s.done:
	case <-ctx.Done():
		s.kill()
		return fmt.Errorf("siptest: sipp still running: %w\n%s", ctx.Err(), s.logs())
	}
	if s.err != nil {
		return fmt.Errorf("siptest: sipp scenario failed (%v):\n%s", s.err, s.logs())
	}
	return nil
}

// MustPass fails the test unless SIPp finishes its scenario within 90s.
func (s *Sipp) MustPass(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// Exited reports whether SIPp has ended.
func (s *Sipp) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *Sipp) kill() {
	if s.Exited() {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// logs returns SIPp's error log and the tail of its message trace.
func (s *Sipp) logs() string {
	var b strings.Builder
	for _, name := range []string{"errors.log", "actions.log", "messages.log", "screen.log"} {
		data, err := os.ReadFile(filepath.Join(s.Dir, name))
		if errors.Is(err, os.ErrNotExist) || len(data) == 0 {
			continue
		}
		text := string(data)
		if len(text) > 6000 {
			text = "…" + text[len(text)-6000:]
		}
		fmt.Fprintf(&b, "--- sipp %s ---\n%s\n", name, text)
	}
	return b.String()
}
