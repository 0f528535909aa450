package carriertest

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/syncbuf"
)

// Prism is a running Prism mock server.
type Prism struct {
	URL string // http://127.0.0.1:PORT
}

const (
	prismStartTimeout = 60 * time.Second
	prismStopTimeout  = 5 * time.Second
	prismAttempts     = 3 // the free port may be taken before Prism binds it
)

// StartTwilioPrism serves the patched Twilio API v2010 definition on a free
// loopback port and stops it when the test ends. Prism answers invalid
// requests with 422 and missing Basic auth with 401 on its own; --errors is
// deliberately not passed because it only adds response validation, which
// turns several of Twilio's own list examples into 500s.
func StartTwilioPrism(t testing.TB) *Prism {
	t.Helper()
	return startSpec(t, "twilio_api_v2010.json")
}

// StartBandwidthPrism serves Bandwidth's definition (npm bandwidth-sdk,
// patched by tools/patch-bandwidth-spec.js) on a free loopback port and
// stops it when the test ends. The messaging API is at
// {URL}/api/v2/users/{accountId}/...; POST {URL}/callbacks/inbound and
// {URL}/callbacks/status validate a callback body (an array of events)
// against the definition's inboundCallback and statusCallback schemas,
// answering 204 when it matches and 422 when not.
func StartBandwidthPrism(t testing.TB) *Prism {
	t.Helper()
	return startSpec(t, "bandwidth.json")
}

// BandwidthSpec returns the path of the patched Bandwidth definition (JSON),
// for tests that read its examples.
func BandwidthSpec(t testing.TB) string {
	t.Helper()
	return filepath.Join(Tools(t), "specs", "bandwidth.json")
}

// startSpec serves tools/specs/name with Prism.
func startSpec(t testing.TB, name string) *Prism {
	t.Helper()
	if testing.Short() {
		t.Skip("carriertest: starts Prism (skipped with -short)")
	}
	tools := Tools(t)
	return startSpecFile(t, tools, filepath.Join(tools, "specs", name))
}

// startSpecFile serves the definition at spec with Prism.
func startSpecFile(t testing.TB, tools, spec string) *Prism {
	t.Helper()
	var lastErr error
	for range prismAttempts {
		p, err := startPrism(t, tools, spec)
		if err == nil {
			return p
		}
		lastErr = err
	}
	t.Fatalf("%v", lastErr)
	return nil
}

func startPrism(t testing.TB, tools, spec string) (*Prism, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	log := &syncbuf.Buffer{} // Prism's log, written from exec's copying goroutines
	cmd := exec.Command("node", filepath.Join(tools, "node_modules", ".bin", "prism"),
		"mock", "-h", "127.0.0.1", "-p", strconv.Itoa(port), spec)
	cmd.Dir = tools
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stop the whole group
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("carriertest: start prism: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(prismStopTimeout):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}

	p := &Prism{URL: "http://127.0.0.1:" + strconv.Itoa(port)}
	if err := waitReady(p.URL, exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w\nprism output:\n%s", err, log.String())
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("prism output:\n%s", log.String())
		}
	})
	return p, nil
}

// waitReady polls until Prism answers any HTTP request (it 404s on "/").
func waitReady(url string, exited <-chan struct{}) error {
	// No keep-alives: an idle connection goroutine would trip goleak.
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(prismStartTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("carriertest: prism exited before answering on %s", url)
		default:
		}
		if resp, err := c.Get(url + "/"); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("carriertest: prism did not answer on %s within %v", url, prismStartTimeout)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("carriertest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
