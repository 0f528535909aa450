package jinglepeer

import (
	"os"
	"os/exec"
	"testing"
)

// TestJSDP runs the Python unit tests of the Jingle <-> SDP mapping
// (jsdp_test.py, including its random-mutation fuzzing) with Debian's python3.
func TestJSDP(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the peer's Python tests (skipped with -short)")
	}
	t.Parallel()
	python := Settings{}.withDefaults().Python
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("jinglepeer: %s not found: install the Debian package python3", python)
	}
	cmd := exec.Command(python, "-m", "unittest", "-v", "jsdp_test")
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("jsdp_test.py: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
