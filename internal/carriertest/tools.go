package carriertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// installTimeout bounds a cold `npm ci` plus the spec download.
const installTimeout = 10 * time.Minute

var (
	installOnce sync.Once
	toolsDir    string
	installErr  error
)

// Tools returns the repo's tools dir after making sure tools/install.sh has
// run. It runs the script once per test process, under a file lock on
// tools/.install.lock because several test binaries run in parallel.
func Tools(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("carriertest: installs npm tools (skipped with -short)")
	}
	installOnce.Do(func() { toolsDir, installErr = install() })
	if installErr != nil {
		t.Fatalf("%v", installErr)
	}
	return toolsDir
}

func install() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "tools")
	lock, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("carriertest: open install lock: %w", err)
	}
	defer lock.Close() // closing releases the flock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("carriertest: lock %s: %w", lock.Name(), err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "install.sh"))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("carriertest: tools/install.sh failed: %w\n%s", err, out)
	}
	return dir, nil
}

// repoRoot walks up from the working directory (the package directory under
// `go test`) to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("carriertest: getwd: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("carriertest: stat go.mod: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("carriertest: no go.mod above the working directory")
		}
		dir = parent
	}
}
