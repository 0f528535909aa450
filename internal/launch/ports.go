package launch

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// FreePorts returns n distinct free TCP ports on 127.0.0.1. All listeners
// stay open until the last one is chosen so the kernel cannot hand out the
// same port twice.
//
// The ports are only free at the time of the call: servers that cannot be
// handed a listener (Redis, Prosody) must bind them themselves, so a tiny
// race with other processes remains; see PortTaken.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("launch: find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// PortFree reports whether port can be bound on 127.0.0.1 right now.
func PortFree(port int) bool {
	l, err := net.Listen("tcp4", Loopback(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// Accepts reports whether something listens on addr.
func Accepts(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// PortTaken reports whether a server failed to start because another process
// took one of its ports between FreePorts and the bind: worth another try.
func PortTaken(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "in use") || strings.Contains(msg, "Failed to open server port")
}

// Loopback is 127.0.0.1:port.
func Loopback(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// withFreePorts calls start with n free ports, and again with new ones, up
// to three times in all, while it fails because a port was taken.
func withFreePorts(n int, start func(ports []int) error) error {
	for attempt := 1; ; attempt++ {
		ports, err := FreePorts(n)
		if err != nil {
			return err
		}
		err = start(ports)
		if err == nil || attempt == 3 || !PortTaken(err) {
			return err
		}
	}
}
