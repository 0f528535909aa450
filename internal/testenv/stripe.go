package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/launch"
)

// StripeMockVersion is the stripe-mock release the tests build: Stripe's
// own mock, which validates every request against Stripe's OpenAPI
// definition.
const StripeMockVersion = "v0.203.0"

// StripeMock is a stripe-mock server private to one test.
type StripeMock struct {
	URL string // http://127.0.0.1:port: the api_url of a [stripe] section
}

var stripeMockBuild struct {
	once sync.Once
	path string
	err  error
}

// StartStripeMock builds stripe-mock from its Go module (once per machine,
// in the user's cache directory) and starts it on a free loopback port.
// t.Cleanup stops it.
func StartStripeMock(t testing.TB) *StripeMock {
	t.Helper()
	if testing.Short() {
		t.Skip("testenv: builds and starts stripe-mock (skipped with -short)")
	}
	stripeMockBuild.once.Do(func() { stripeMockBuild.path, stripeMockBuild.err = buildStripeMock() })
	if stripeMockBuild.err != nil {
		t.Fatal(stripeMockBuild.err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "stripe-mock.out")
	// Both listeners on loopback with ports the system picks; stripe-mock
	// says which in its output.
	p, err := launch.StartProcess(stripeMockBuild.path, []string{"-http-addr", "127.0.0.1:", "-https-addr", "127.0.0.1:"}, dir, out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(5*time.Second, nil) })
	listening := regexp.MustCompile(`Listening for HTTP at address: (127\.0\.0\.1:[0-9]+)`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(out)
		if m := listening.FindSubmatch(b); m != nil {
			return &StripeMock{URL: "http://" + string(m[1])}
		}
		if p.Exited() || time.Now().After(deadline) {
			t.Fatalf("testenv: stripe-mock did not start (%v):\n%s", p.Err(), launch.Tail(out, 20))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// buildStripeMock runs `go install github.com/stripe/stripe-mock@version`
// into a cache directory unless the binary is there, under a file lock:
// several test binaries may build it at once.
func buildStripeMock() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "switchboard", "stripe-mock-"+StripeMockVersion)
	bin := filepath.Join(dir, "stripe-mock")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("testenv: stripe-mock dir: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("testenv: stripe-mock lock: %w", err)
	}
	defer lock.Close() // closing releases the flock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("testenv: stripe-mock lock: %w", err)
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/stripe/stripe-mock@"+StripeMockVersion)
	// Outside the repository: `go install pkg@version` builds the module
	// alone, with its own go.mod.
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("testenv: go install stripe-mock@%s: %w\n%s", StripeMockVersion, err, out)
	}
	return bin, nil
}
