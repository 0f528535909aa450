//go:build unix && !linux

package testenv

import "syscall"

// sysProcAttr puts the server in its own process group, so stop can kill its
// children too.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
