package benchcalls

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers/sandbox"
	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/internal/app"
	"github.com/switchboard-gw/switchboard/internal/launch"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/media"
	"github.com/switchboard-gw/switchboard/jingle/trunk"
)

const modulePath = "github.com/switchboard-gw/switchboard"

// env is the servers, SIPp and the gateway of one run.
type env struct {
	o   options
	dir string

	redis   *testenv.Redis
	prosody *testenv.Prosody
	store   *store.Store

	sipp     *launch.Process
	sippDir  string
	sippEcho string // SIPp's RTP echo, 127.0.0.1:port
	echoPort int
	sipAddr  string // SIPp's SIP address

	gw        *launch.Process
	gwLog     string
	gwURL     string
	gwBin     string
	relayBin  string
	gwSIPPort int
	mediaLow  int // the gateway's [media] udp_ports
	mediaHigh int

	users   []string // XMPP accounts, one per call
	callees []string // the number JIDs they call
}

// setup builds the binaries, starts Redis, Prosody and SIPp, and creates
// the accounts with their numbers. The gateway starts later
// (startGateway), after the baseline, so that neither disturbs the other.
func setup(tb testing.TB, o options) *env {
	tb.Helper()
	if testing.Short() {
		tb.Skip("benchcalls: starts Prosody, Redis, SIPp and the gateway (skipped with -short)")
	}
	e := &env{o: o, dir: tb.TempDir()}
	gwPkg := modulePath + "/cmd/switchboard"
	if o.cpuProfile != "" {
		gwPkg = modulePath + "/internal/bench/gwprof" // the same gateway, writing a CPU profile on exit
	}
	e.gwBin = goBuild(tb, e.dir, "gateway", gwPkg)
	e.relayBin = goBuild(tb, e.dir, "barerelay", modulePath+"/internal/benchcalls/barerelay")

	e.redis = testenv.StartRedis(tb)
	e.prosody = testenv.StartProsody(tb, testenv.ProsodyOptions{})
	st, err := store.Open(e.redis.URL)
	if err != nil {
		tb.Fatalf("benchcalls: open store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	e.store = st
	e.startSipp(tb)
	e.accounts(tb)
	if o.logDir != "" {
		// Cleanups run last in, first out: this one before the processes stop.
		tb.Cleanup(e.copyLogs)
	}
	return e
}

// goBuild builds a package of this module; `go test` puts its go first on
// PATH.
func goBuild(tb testing.TB, dir, name, pkg string) string {
	tb.Helper()
	out := filepath.Join(dir, name)
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		tb.Fatalf("benchcalls: go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// startSipp runs SIPp as the trunk: it answers up to o.calls calls at once
// and echoes RTP on one media port.
func (e *env) startSipp(tb testing.TB) {
	tb.Helper()
	bin, err := siptest.Binary()
	if err != nil {
		tb.Fatal(err) // names the Debian package
	}
	e.sippDir = filepath.Join(e.dir, "sipp")
	if err := os.MkdirAll(e.sippDir, 0o755); err != nil {
		tb.Fatal(err)
	}
	scenario, err := filepath.Abs(filepath.Join("testdata", "uas_echo.xml"))
	if err != nil {
		tb.Fatal(err)
	}
	// A port found free may be taken by a parallel test before SIPp binds
	// it; SIPp then exits with its bind error code, and new ports settle it.
	for try := 1; ; try++ {
		p, port, mp, err := e.launchSipp(bin, scenario)
		if err == nil {
			tb.Cleanup(func() { p.Stop(2*time.Second, nil) })
			e.sipp = p
			e.sipAddr = fmt.Sprintf("127.0.0.1:%d", port)
			e.sippEcho, e.echoPort = fmt.Sprintf("127.0.0.1:%d", mp), mp
			return
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != siptest.ExitBind || try == 3 {
			tb.Fatalf("benchcalls: sipp did not start (%v):\n%s", err, launch.Tail(filepath.Join(e.sippDir, "screen.log"), 30))
		}
	}
}

// launchSipp starts SIPp on free ports and waits until it holds both its
// SIP port and its echo port.
func (e *env) launchSipp(bin, scenario string) (*launch.Process, int, int, error) {
	port, err := siptest.FreeUDPPort()
	if err != nil {
		return nil, 0, 0, err
	}
	mp, err := siptest.FreeUDPPorts(4)
	if err != nil {
		return nil, 0, 0, err
	}
	n := strconv.Itoa(e.o.calls)
	args := []string{
		"-sf", scenario,
		"-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(mp), "-rtp_echo",
		"-l", n, "-m", n,
		"-nostdin",
		"-trace_err", "-error_file", filepath.Join(e.sippDir, "errors.log"),
	}
	p, err := launch.StartProcess(bin, args, e.sippDir, filepath.Join(e.sippDir, "screen.log"))
	if err != nil {
		return nil, 0, 0, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for udpFree(port) || udpFree(mp) {
		if p.Exited() {
			return nil, 0, 0, p.Err()
		}
		if time.Now().After(deadline) {
			p.Stop(2*time.Second, nil)
			return nil, 0, 0, errors.New("benchcalls: sipp does not listen")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Held ports do not prove SIPp holds them: another process may have
	// taken one, and SIPp then exits at once.
	// (This scenario serves calls until stopped, so any exit is a failure.)
	time.Sleep(150 * time.Millisecond)
	if p.Exited() {
		return nil, 0, 0, p.Err()
	}
	return p, port, mp, nil
}

func udpFree(port int) bool {
	c, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// accounts registers one XMPP account per call, each with its own number,
// and picks the number each calls.
func (e *env) accounts(tb testing.TB) {
	tb.Helper()
	bin, err := launch.LookBinary("prosodyctl", "prosody")
	if err != nil {
		tb.Fatal(err)
	}
	cfg := filepath.Join(e.prosody.Dir, "prosody.cfg.lua")
	for i := range e.o.calls {
		e.users = append(e.users, fmt.Sprintf("caller%d", i))
		e.callees = append(e.callees, fmt.Sprintf("+1555123%04d@%s", i, e.prosody.ComponentDomain))
	}
	// prosodyctl takes a fraction of a second each; a few at once.
	errs := make([]error, len(e.users))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, u := range e.users {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--config", cfg, "register", u, e.prosody.Domain, password(u))
			cmd.Dir = e.prosody.Dir
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("benchcalls: prosodyctl register %s: %w\n%s", u, err, out)
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i, u := range e.users {
		if errs[i] != nil {
			tb.Fatal(errs[i])
		}
		b := store.Binding{Number: fmt.Sprintf("+1201555%04d", i), JID: u + "@" + e.prosody.Domain, Carrier: "sandbox"}
		if err := e.store.Assign(ctx, b); err != nil {
			tb.Fatalf("benchcalls: assign %s: %v", u, err)
		}
	}
}

func password(user string) string { return "pw-" + user }

// startGateway writes the configuration and runs the gateway as its own
// process, voice on loopback with SIPp as the trunk.
func (e *env) startGateway(tb testing.TB) {
	tb.Helper()
	sipPort, err := siptest.FreeUDPPort()
	if err != nil {
		tb.Fatal(err)
	}
	e.gwSIPPort = sipPort
	// Below the kernel's ephemeral range (32768-), where the load
	// generator's sockets live.
	size := e.o.calls*e.o.portsPerCall + 64
	e.mediaLow = 10000 + 2*rand.IntN((32000-10000-size)/2)
	e.mediaHigh = e.mediaLow + size - 1
	httpPort := testenv.FreePort(tb)
	e.gwURL = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	text, err := (&app.Config{
		Component: component.Config{JID: e.prosody.ComponentDomain, Server: e.prosody.ComponentAddr, Secret: e.prosody.ComponentSecret},
		Redis:     store.Config{URL: e.redis.URL},
		HTTP:      app.HTTP{Listen: fmt.Sprintf("127.0.0.1:%d", httpPort), PublicURL: e.gwURL},
		Numbers:   phone.Config{DefaultRegion: "US"},
		// SIPp plays a real trunk beside the sandbox carrier.
		Carriers: app.Carriers{Sandbox: &sandbox.Config{Enabled: true, UnsafeBesideRealTraffic: true}},
		SIP:      &trunk.Settings{Listen: fmt.Sprintf("127.0.0.1:%d", sipPort), Trunk: "sip:" + e.sipAddr},
		Media:    media.Config{UDPPorts: fmt.Sprintf("%d-%d", e.mediaLow, e.mediaHigh), ConnectTimeout: e.o.connectTimout},
		// The default max_calls (100) is below the bench's sizes.
		Calls: bridge.Config{RingTimeout: 60 * time.Second, MaxCalls: e.o.calls},
		Log:   app.Log{Level: "info"},
		MMS:   mms.Config{Dir: filepath.Join(e.dir, "media")},
	}).Marshal()
	if err != nil {
		tb.Fatalf("benchcalls: encode config: %v", err)
	}
	cfgPath := filepath.Join(e.dir, "switchboard.toml")
	if err := os.WriteFile(cfgPath, text, 0o600); err != nil {
		tb.Fatal(err)
	}
	args := []string{"run", "-c", cfgPath}
	if e.o.cpuProfile != "" {
		args = []string{"-c", cfgPath, "-cpuprofile", e.o.cpuProfile}
	}
	e.gwLog = filepath.Join(e.dir, "gateway.log")
	p, err := launch.StartProcess(e.gwBin, args, e.dir, e.gwLog)
	if err != nil {
		tb.Fatal(err)
	}
	// SIGTERM first: gwprof writes its profile then.
	tb.Cleanup(func() { p.Stop(15*time.Second, nil) })
	e.gw = p
	deadline := time.Now().Add(60 * time.Second)
	for !healthy(e.gwURL) {
		if p.Exited() || time.Now().After(deadline) {
			tb.Fatalf("benchcalls: gateway not healthy (exited: %v):\n%s", p.Err(), launch.Tail(e.gwLog, 30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func healthy(base string) bool {
	res, err := http.Get(base + "/healthz")
	if err != nil {
		return false
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode == http.StatusOK
}

// stopGateway stops the gateway now (SIGTERM, so a profile is written).
func (e *env) stopGateway() {
	if e.gw != nil {
		e.gw.Stop(15*time.Second, nil)
	}
}

func (e *env) copyLogs() {
	if err := os.MkdirAll(e.o.logDir, 0o755); err != nil {
		return
	}
	for name, src := range map[string]string{
		"gateway.log":     e.gwLog,
		"sipp-screen.log": filepath.Join(e.sippDir, "screen.log"),
		"sipp-errors.log": filepath.Join(e.sippDir, "errors.log"),
		"prosody.log":     filepath.Join(e.prosody.Dir, "prosody.log"),
	} {
		if data, err := os.ReadFile(src); err == nil {
			_ = os.WriteFile(filepath.Join(e.o.logDir, name), data, 0o644)
		}
	}
}
