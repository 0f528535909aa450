package siptest

import (
	"fmt"
	"net"
)

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func FreeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("siptest: free udp port: %w", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// FreeUDPPorts returns the first of n consecutive UDP ports on 127.0.0.1
// that were free a moment ago, for SIPp's media ports (RTP, RTCP, video).
// The first port is even, as RTP wants.
func FreeUDPPorts(n int) (int, error) {
	for range 50 {
		p, err := FreeUDPPort()
		if err != nil {
			return 0, err
		}
		p &^= 1
		if p+n > 65535 || p < 1024 {
			continue
		}
		if udpFreeOn("127.0.0.1", p, n) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("siptest: no %d consecutive free udp ports", n)
}

// udpFreeOn reports whether ports first..first+n-1 can be bound on ip.
func udpFreeOn(ip string, first, n int) bool {
	var held []net.PacketConn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for p := first; p < first+n; p++ {
		c, err := net.ListenPacket("udp4", net.JoinHostPort(ip, fmt.Sprint(p)))
		if err != nil {
			return false
		}
		held = append(held, c)
	}
	return true
}
