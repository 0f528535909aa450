package benchcalls

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/launch"
)

// runBaseline moves the same packets at the same pace through barerelay:
// N plain UDP "calls" from the load generator, relayed to SIPp's RTP echo
// and back. It measures the relay process as runGateway measures the
// gateway.
func runBaseline(tb testing.TB, e *env, clk clock) *result {
	tb.Helper()
	o := e.o
	r := &result{name: "bare relay", calls: o.calls, failures: map[string]int{}}

	// The relay's sockets are opened here and inherited, so their
	// addresses are known without talking to it.
	var files []*os.File
	var clientSide, relaySide []*net.UDPAddr
	for i := range 2 * o.calls {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			tb.Fatalf("benchcalls: relay socket: %v", err)
		}
		f, err := c.File()
		c.Close() // f is a duplicate
		if err != nil {
			tb.Fatalf("benchcalls: relay socket: %v", err)
		}
		files = append(files, f)
		relaySide = append(relaySide, c.LocalAddr().(*net.UDPAddr))
		if i%2 == 0 {
			clientSide = append(clientSide, c.LocalAddr().(*net.UDPAddr))
		}
	}
	logPath := filepath.Join(e.dir, "barerelay.log")
	logf, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(e.relayBin, "-calls", strconv.Itoa(o.calls), "-echo", e.sippEcho)
	cmd.ExtraFiles = files
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = launch.SysProcAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("benchcalls: start barerelay: %v", err)
	}
	for _, f := range files {
		f.Close()
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopRelay := func() {
		_ = stdin.Close()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	defer stopRelay()

	var w window
	paceCtx, stopPace := context.WithCancel(context.Background())
	var media sync.WaitGroup
	var conns []*net.UDPConn
	defer func() {
		stopPace()
		for _, c := range conns {
			c.Close()
		}
		media.Wait()
	}()
	stats := make([]*callStats, o.calls)
	firsts := make([]chan struct{}, o.calls)
	start := time.Now()
	for i := range o.calls {
		c, err := net.DialUDP("udp4", nil, clientSide[i])
		if err != nil {
			tb.Fatalf("benchcalls: generator socket: %v", err)
		}
		conns = append(conns, c)
		s := &udpStream{conn: c, out: make([]byte, 0, 1500)}
		stats[i], firsts[i] = &callStats{}, make(chan struct{})
		media.Add(2)
		go func() {
			defer media.Done()
			pace(paceCtx, s, uint32(i), stats[i], clk, &w)
		}()
		// A second stream for reading: udpStream keeps one packet of
		// state per direction.
		rs := &udpStream{conn: c}
		go func() {
			defer media.Done()
			receive(rs, uint32(i), stats[i], clk, &w, firsts[i])
		}()
	}
	waitCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var up []*callStats
	for i, f := range firsts {
		select {
		case <-f:
			up = append(up, stats[i])
		case <-waitCtx.Done():
			r.failures["no packet came back through the bare relay"]++
		case err := <-exited:
			tb.Fatalf("benchcalls: barerelay exited: %v\n%s", err, launch.Tail(logPath, 20))
		}
	}
	r.up = len(up)
	r.setup = time.Since(start)
	if r.up == 0 {
		tb.Fatalf("benchcalls: nothing came back through the bare relay (echo %s)\n%s", e.sippEcho, launch.Tail(logPath, 20))
	}
	if n, err := rss(cmd.Process.Pid); err == nil {
		r.rssIdle = n // with every call flowing: its memory does not grow per call
	}
	time.Sleep(o.settle)
	pids := map[string]int{"relay": cmd.Process.Pid, "sipp": e.sipp.Pid(), "load generator": selfPID()}
	relayPorts := map[int]bool{}
	for _, a := range relaySide {
		relayPorts[a.Port] = true
	}
	class := func(port int) string {
		switch {
		case port == e.echoPort:
			return "SIPp echo"
		case relayPorts[port]:
			return "bare relay"
		case port >= 32768:
			return "load generator (and any other process)"
		}
		return ""
	}
	measureWindow(o, &w, clk, pids, class, up, r)
	return r
}
