package media

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// Both benchmarks move one packet per iteration from a sender socket
// through a relay to a receiver socket on loopback and wait for it
// (ping-style, no pipelining), so ns/op is the per-packet latency of the
// whole path; allocs/op include the relay goroutines.

func benchPacket(b *testing.B) []byte {
	raw, err := pcmu(1, 160, 0x1234, 0x55).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

func benchSocket(b *testing.B) *net.UDPConn {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

func pingThrough(b *testing.B, src, dst *net.UDPConn, to *net.UDPAddr, raw []byte) {
	buf := make([]byte, 1500)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		raw[3] = byte(i) // sequence number low byte
		if _, err := src.WriteToUDP(raw, to); err != nil {
			b.Fatal(err)
		}
		dst.SetReadDeadline(time.Now().Add(waitLong))
		if _, err := dst.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}

// BenchmarkRelay: sender -> RTPConn a -> Relay -> RTPConn b -> receiver.
func BenchmarkRelay(b *testing.B) {
	a, err := ListenRTP(loopback, PortRange{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	c, err := ListenRTP(loopback, PortRange{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	src, dst := benchSocket(b), benchSocket(b)
	a.SetRemote(src.LocalAddr().(*net.UDPAddr).AddrPort())
	c.SetRemote(dst.LocalAddr().(*net.UDPAddr).AddrPort())

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		Relay(ctx, a, c, PTMap{0: 0}, PTMap{0: 0})
	}()
	pingThrough(b, src, dst, net.UDPAddrFromAddrPort(a.LocalAddr()), benchPacket(b))
	cancel()
	wg.Wait()
}

// BenchmarkBareRelay: the same path through a minimal Go UDP forwarder
// (ReadFromUDP on one socket, WriteToUDP on another), the floor for
// BenchmarkRelay.
func BenchmarkBareRelay(b *testing.B) {
	in, out := benchSocket(b), benchSocket(b)
	src, dst := benchSocket(b), benchSocket(b)
	to := dst.LocalAddr().(*net.UDPAddr)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 1500)
		for {
			n, _, err := in.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if _, err := out.WriteToUDP(buf[:n], to); err != nil {
				return
			}
		}
	}()
	pingThrough(b, src, dst, in.LocalAddr().(*net.UDPAddr), benchPacket(b))
	in.Close()
	wg.Wait()
}
