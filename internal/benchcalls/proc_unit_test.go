package benchcalls

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestProcParsers(t *testing.T) {
	t.Run("schedstat", func(t *testing.T) {
		if d, err := parseSchedstat("123456789 42 7\n"); err != nil || d != 123456789 {
			t.Fatalf("got %v, %v", d, err)
		}
		if _, err := parseSchedstat(""); !errors.Is(err, errProcFormat) {
			t.Fatalf("empty: %v", err)
		}
	})
	t.Run("stat", func(t *testing.T) {
		line := "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100 1000 200"
		if d, err := parseStatTime(line); err != nil || d != 3*time.Second {
			t.Fatalf("got %v, %v", d, err)
		}
		if _, err := parseStatTime("42 (x) S 1"); !errors.Is(err, errProcFormat) {
			t.Fatalf("short: %v", err)
		}
	})
	t.Run("status", func(t *testing.T) {
		if n, err := parseVmRSS("Name:\tx\nVmRSS:\t  2048 kB\nThreads: 3\n"); err != nil || n != 2048<<10 {
			t.Fatalf("got %d, %v", n, err)
		}
		if _, err := parseVmRSS("Name: x\n"); !errors.Is(err, errProcFormat) {
			t.Fatalf("none: %v", err)
		}
	})
	t.Run("proc stat", func(t *testing.T) {
		m, err := parseProcStat("cpu  100 0 50 800 20 5 5 10 0 0\ncpu0 1 2 3\n")
		if err != nil {
			t.Fatal(err)
		}
		if m.busy != 1600*time.Millisecond || m.steal != 100*time.Millisecond || m.total != 9900*time.Millisecond {
			t.Fatalf("got %+v", m)
		}
	})
	t.Run("udp counters", func(t *testing.T) {
		snmp := "Ip: Forwarding\nIp: 1\nUdp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdp: 100 1 7 90 5 2\nUdpLite: InDatagrams\nUdpLite: 0\n"
		u, err := parseUDPCounters(snmp)
		if err != nil || u != (udpCounters{inDatagrams: 100, inErrors: 7, rcvbufErrors: 5, sndbufErrors: 2}) {
			t.Fatalf("got %+v, %v", u, err)
		}
		if _, err := parseUDPCounters("Udp: A B\nUdp: 1\n"); !errors.Is(err, errProcFormat) {
			t.Fatalf("mismatched: %v", err)
		}
		if _, err := readUDPCounters(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("proc net udp", func(t *testing.T) {
		text := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
			"  1: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 123 2 0000000000000000 17\n" +
			"  2: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 124 2 0000000000000000 0\n"
		socks, err := parseProcNetUDP(text)
		if err != nil || len(socks) != 2 || socks[0] != (udpSocket{port: 8080, drops: 17}) || socks[1].port != 53 {
			t.Fatalf("got %+v, %v", socks, err)
		}
		if _, err := parseProcNetUDP("header\n  1: junk\n"); !errors.Is(err, errProcFormat) {
			t.Fatalf("junk: %v", err)
		}
		if _, err := udpDrops(func(int) string { return "all" }); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("this process", func(t *testing.T) {
		if _, err := cpuTime(os.Getpid()); err != nil {
			t.Fatal(err)
		}
		if n, err := rss(os.Getpid()); err != nil || n <= 0 {
			t.Fatalf("rss %d, %v", n, err)
		}
		if _, err := readMachineCPU(); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzProcParsers(f *testing.F) {
	f.Add("cpu  1 2 3 4 5 6 7 8 9 10\n")
	f.Add("1 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 1 1 1")
	f.Add("VmRSS: 12 kB\n")
	f.Add("99 1 1")
	f.Add("Udp: InDatagrams RcvbufErrors\nUdp: 5 1\n")
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := parseSchedstat(s); err == nil && d < 0 {
			t.Fatalf("negative schedstat %v", d)
		}
		if d, err := parseStatTime(s); err == nil && d < 0 {
			t.Fatalf("negative stat %v", d)
		}
		if n, err := parseVmRSS(s); err == nil && n < 0 {
			t.Fatalf("negative rss %d", n)
		}
		_, _ = parseUDPCounters(s)
		if socks, err := parseProcNetUDP(s); err == nil {
			for _, so := range socks {
				if so.drops < 0 || so.port < 0 || so.port > 65535 {
					t.Fatalf("bad socket %+v", so)
				}
			}
		}
		if m, err := parseProcStat(s); err == nil && (m.busy < 0 || m.busy > m.total) {
			t.Fatalf("bad machine cpu %+v", m)
		}
	})
}
