package testenv

import "syscall"

// sysProcAttr puts the server in its own process group, so stop can kill its
// children too, and asks the kernel to kill it if the test binary dies
// without running its cleanups (a panic or `go test -timeout`).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
