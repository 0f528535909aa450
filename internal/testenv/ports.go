package testenv

import (
	"net"
	"strings"
	"testing"
	"time"
)

// FreePort returns a free TCP port on 127.0.0.1.
//
// The port is only free at the time of the call: servers that cannot be
// handed a listener (Redis, Prosody) must bind it themselves, so a tiny race
// with other processes remains.
func FreePort(t testing.TB) int {
	t.Helper()
	return freePorts(t, 1)[0]
}

// freePorts returns n distinct free ports. All listeners stay open until the
// last one is chosen so the kernel cannot hand out the same port twice.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("testenv: find a free port: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// accepts reports whether something listens on addr.
func accepts(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// portTaken reports whether a server failed to start because another process
// took one of its ports between FreePort and the bind: worth another try.
func portTaken(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "in use") || strings.Contains(msg, "Failed to open server port")
}
