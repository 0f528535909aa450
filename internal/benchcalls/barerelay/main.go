// Command barerelay is the benchmark's baseline: the least a relay can do
// per packet. For each of -calls calls it gets two inherited UDP sockets
// (file descriptors 3+2i and 4+2i, opened by the benchmark): what arrives on
// the first ("client side") is written from the second to -echo, and what
// arrives on the second is written from the first back to the last client
// address seen. No parsing, no SRTP, no ICE. It runs until its stdin
// closes.
//
//	barerelay -calls N -echo 127.0.0.1:PORT
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
)

func main() {
	calls := flag.Int("calls", 0, "number of calls (socket pairs from fd 3 on)")
	echo := flag.String("echo", "", "host:port every client packet goes to")
	flag.Parse()
	if err := run(*calls, *echo); err != nil {
		fmt.Fprintln(os.Stderr, "barerelay:", err)
		os.Exit(1)
	}
}

func run(calls int, echo string) error {
	if calls < 1 {
		return errors.New("-calls: want at least 1")
	}
	dst, err := netip.ParseAddrPort(echo)
	if err != nil {
		return fmt.Errorf("-echo: %w", err)
	}
	conns := make([]*net.UDPConn, 0, 2*calls)
	for i := range 2 * calls {
		f := os.NewFile(uintptr(3+i), fmt.Sprintf("socket%d", i))
		if f == nil {
			return fmt.Errorf("no file descriptor %d", 3+i)
		}
		c, err := net.FilePacketConn(f)
		f.Close() // FilePacketConn made its own copy
		if err != nil {
			return fmt.Errorf("fd %d: %w", 3+i, err)
		}
		uc, ok := c.(*net.UDPConn)
		if !ok {
			return fmt.Errorf("fd %d is not a UDP socket", 3+i)
		}
		conns = append(conns, uc)
	}
	var wg sync.WaitGroup
	for i := range calls {
		client, trunk := conns[2*i], conns[2*i+1]
		var back atomic.Pointer[netip.AddrPort]
		wg.Add(2)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1500)
			for {
				n, from, err := client.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				if p := back.Load(); p == nil || *p != from {
					f := from // only a new source allocates
					back.Store(&f)
				}
				_, _ = trunk.WriteToUDPAddrPort(buf[:n], dst)
			}
		}()
		go func() {
			defer wg.Done()
			buf := make([]byte, 1500)
			for {
				n, _, err := trunk.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				if to := back.Load(); to != nil {
					_, _ = client.WriteToUDPAddrPort(buf[:n], *to)
				}
			}
		}()
	}
	// The benchmark closes stdin (or dies) when it is done.
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	return nil
}
