package testenv

import (
	"syscall"
	"time"

	"github.com/switchboard-gw/switchboard/internal/launch"
)

// The servers' plumbing lives in internal/launch; these are the names the
// launchers in this package (ejabberd.go) use for it.

// proc is one run of a server binary.
type proc struct {
	p   *launch.Process
	err error // result of Wait, set once exited has reported true
}

// startProc starts name with args, appending stdout and stderr to outPath.
func startProc(name string, args []string, dir, outPath string) (*proc, error) {
	p, err := launch.StartProcess(name, args, dir, outPath)
	if err != nil {
		return nil, err
	}
	return &proc{p: p}, nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	if !p.p.Exited() {
		return false
	}
	p.err = p.p.Err()
	return true
}

// stop stops the process and the rest of its group (see launch.Process.Stop).
func (p *proc) stop(grace time.Duration, done func() bool) {
	p.p.Stop(grace, done)
	p.err = p.p.Err()
}

func sysProcAttr() *syscall.SysProcAttr { return launch.SysProcAttr() }

func lookBinary(name, pkg string) (string, error) { return launch.LookBinary(name, pkg) }

func tail(path string, n int) string { return launch.Tail(path, n) }

func logLines(path string, offset int64, s string) []string { return launch.LogLines(path, offset, s) }

func logContains(path string, offset int64, s string) bool {
	return len(launch.LogLines(path, offset, s)) > 0
}

func fileSize(path string) int64 { return launch.FileSize(path) }

func accepts(addr string) bool { return launch.Accepts(addr) }

func portTaken(err error) bool { return launch.PortTaken(err) }

func loopback(port int) string { return launch.Loopback(port) }

func randomSecret() string { return launch.RandomSecret() }
