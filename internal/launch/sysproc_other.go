//go:build unix && !linux

package launch

import "syscall"

// SysProcAttr puts a server in its own process group, so Stop can kill its
// children too.
func SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
