package fault

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/launch"
)

// built is the switchboard binary, compiled once per test run.
var built struct {
	once sync.Once
	path string
	err  error
}

func gatewayBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "switchboard-fault-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "switchboard")
		out, err := exec.Command("go", "build", "-o", built.path, "github.com/switchboard-gw/switchboard/cmd/switchboard").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// gateway is the switchboard binary running as its own process.
type gateway struct {
	t      *testing.T
	cfg    string
	env    []string
	health string
	log    string
	cmd    *exec.Cmd
	exited chan struct{}
	// standby: start waits for the HTTP server only, not for health (a
	// standby has no XMPP stream until the active instance goes).
	standby bool
}

func startGateway(t *testing.T, cfgText, healthURL string, env []string) *gateway {
	t.Helper()
	return launchGateway(t, cfgText, healthURL, env, false)
}

// startStandby is startGateway for a second instance of the same
// component, which cannot connect while the first is up.
func startStandby(t *testing.T, cfgText, healthURL string, env []string) *gateway {
	t.Helper()
	return launchGateway(t, cfgText, healthURL, env, true)
}

func launchGateway(t *testing.T, cfgText, healthURL string, env []string, standby bool) *gateway {
	t.Helper()
	dir := t.TempDir()
	g := &gateway{t: t, cfg: filepath.Join(dir, "switchboard.toml"), env: env, health: healthURL, log: filepath.Join(dir, "gateway.log"), standby: standby}
	if err := os.WriteFile(g.cfg, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	g.start()
	t.Cleanup(func() {
		g.kill()
		if t.Failed() {
			t.Logf("gateway log tail:\n%s", launch.Tail(g.log, 40))
		}
	})
	return g
}

func (g *gateway) start() {
	g.t.Helper()
	logf, err := os.OpenFile(g.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		g.t.Fatal(err)
	}
	defer logf.Close()
	g.cmd = exec.Command(gatewayBinary(g.t), "run", "-c", g.cfg)
	g.cmd.Env = append(os.Environ(), g.env...)
	g.cmd.Stdout, g.cmd.Stderr = logf, logf
	g.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := g.cmd.Start(); err != nil {
		g.t.Fatal(err)
	}
	g.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(g.cmd, g.exited)
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(g.health)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK || g.standby {
				return
			}
		}
		select {
		case <-g.exited:
			g.t.Fatalf("gateway exited at start:\n%s", launch.Tail(g.log, 30))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			g.t.Fatalf("gateway not healthy after 20s:\n%s", launch.Tail(g.log, 30))
		}
	}
}

// kill crashes the gateway: SIGKILL, no shutdown.
func (g *gateway) kill() {
	if g.cmd == nil {
		return
	}
	_ = syscall.Kill(-g.cmd.Process.Pid, syscall.SIGKILL)
	<-g.exited
	g.cmd = nil
}

// logHas reports whether the gateway's log mentions s.
func (g *gateway) logHas(s string) bool {
	b, _ := os.ReadFile(g.log)
	return strings.Contains(string(b), s)
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
