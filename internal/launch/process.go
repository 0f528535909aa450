//go:build unix

package launch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Process is one run of a server binary. Its output goes to a file, so no
// goroutine copies pipes, and the Wait goroutine ends with the process.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	err  error         // result of Wait, valid after done
}

// StartProcess starts name with args in dir, appending stdout and stderr to
// outPath. The process leads a process group of its own.
func StartProcess(name string, args []string, dir, outPath string) (*Process, error) {
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("launch: open %s: %w", outPath, err)
	}
	// The child keeps its own copy of the descriptor.
	defer out.Close()

	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = SysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("launch: start %s: %w", name, err)
	}
	p := &Process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// startServer starts the server binary name, from the Debian package pkg,
// as StartProcess does.
func startServer(name, pkg string, args []string, dir, outPath string) (*Process, error) {
	bin, err := LookBinary(name, pkg)
	if err != nil {
		return nil, err
	}
	return StartProcess(bin, args, dir, outPath)
}

// Pid is the process id, which is also its process group id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is how the process ended (the result of Wait), or nil while it runs.
func (p *Process) Err() error {
	if !p.Exited() {
		return nil
	}
	return p.err
}

// Stop asks the process to terminate, kills it if it has not exited after
// grace or once done (which may be nil) reports that it has nothing left to
// do, and kills the rest of its process group in any case so no child
// outlives it. Stop returns once the process has exited.
func (p *Process) Stop(grace time.Duration, done func() bool) {
	pgid := p.Pid() // Setpgid: the group id is the leader's pid
	if !p.Exited() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		deadline := time.Now().Add(grace)
		for !p.Exited() && time.Now().Before(deadline) && (done == nil || !done()) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// Kill ends the process and its group at once (SIGKILL), as a crash
// would: nothing is flushed or closed cleanly. It returns once the process
// has exited.
func (p *Process) Kill() {
	if err := syscall.Kill(-p.Pid(), syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// waitUntil polls ready every 10ms until it reports true. It fails when the
// process exits, timeout passes or ctx is done first.
func (p *Process) waitUntil(ctx context.Context, timeout time.Duration, ready func() bool) error {
	deadline := time.Now().Add(timeout)
	for !ready() {
		switch {
		case p.Exited():
			return fmt.Errorf("exited: %v", p.err)
		case ctx.Err() != nil:
			return ctx.Err()
		case time.Now().After(deadline):
			return fmt.Errorf("not ready after %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// LookBinary returns the path of a server binary or an error that names the
// Debian package providing it.
func LookBinary(name, pkg string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("launch: %s not found in PATH: install the Debian package %q (apt-get install %s)", name, pkg, pkg)
	}
	return path, nil
}

// binaries are the programs this package runs, with their Debian packages.
var binaries = []struct{ name, pkg string }{
	{"redis-server", "redis-server"},
	{"prosody", "prosody"},
	{"prosodyctl", "prosody"},
}

// MissingPackages lists the Debian packages to install before Redis and
// Prosody can run, or nothing when every binary is in PATH.
func MissingPackages() []string {
	var pkgs []string
	for _, b := range binaries {
		if _, err := exec.LookPath(b.name); err != nil && (len(pkgs) == 0 || pkgs[len(pkgs)-1] != b.pkg) {
			pkgs = append(pkgs, b.pkg)
		}
	}
	return pkgs
}

// Tail returns the last n lines of the file at path, for failure messages.
func Tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// LogLines returns the lines of the file at path written after offset that
// contain s.
func LogLines(path string, offset int64, s string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil
	}
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}

// FileSize is the size of the file at path, 0 if it does not exist: the
// offset for LogLines of what a log gets from now on.
func FileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
