package launch

import "syscall"

// SysProcAttr puts a server in its own process group, so Stop can kill its
// children too, and asks the kernel to kill it if the program that started
// it dies without stopping it (a panic, SIGKILL or `go test -timeout`).
func SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
