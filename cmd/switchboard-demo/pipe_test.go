package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// TestDemoPipeClosed: `make demo | tee demo.log` and Ctrl-C. The shell's
// SIGINT reaches tee as well, so the demo's output has no reader by the
// time it says it stopped; it still stops everything and removes its data
// directory (a write to a broken pipe would otherwise kill it first).
func TestDemoPipeClosed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prosody, Redis and the gateway (skipped with -short)")
	}
	bin := filepath.Join(t.TempDir(), "switchboard-demo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-port-http", "0", "-port-c2s", "0")
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	dirLine := regexp.MustCompile(`Data, config and logs: (\S+)`)
	var dir string
	lines := make(chan string)
	go func() {
		defer close(lines)
		for sc := bufio.NewScanner(r); sc.Scan(); {
			lines <- sc.Text()
		}
	}()
	for dir == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the demo's output ended before its banner")
			}
			if m := dirLine.FindStringSubmatch(l); m != nil {
				dir = m[1]
			}
		case <-time.After(60 * time.Second):
			t.Fatal("no banner after 60s")
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("data directory %s: %v", dir, err)
	}
	r.Close() // tee is gone
	go func() {
		for range lines {
		}
	}()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("the demo ended with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the demo did not stop within 60s of Ctrl-C")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the data directory %s is left behind (%v)", dir, err)
		_ = os.RemoveAll(dir)
	}
}
