package benchcalls

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxTicks bounds parsed tick counts (about 348 years) so sums cannot
// overflow a Duration.
const maxTicks = 1 << 40

var errProcFormat = errors.New("benchcalls: unexpected /proc format")

// cpuTime is the CPU time process pid has used: the sum over its threads
// of /proc/PID/task/TID/schedstat (ns on a CPU), exact unlike the 10 ms
// ticks of /proc/PID/stat. Go and SIPp keep their threads, so none takes
// its time away by exiting; when schedstat is missing, stat is used.
func cpuTime(pid int) (time.Duration, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("benchcalls: cpu of %d: %w", pid, err)
	}
	var sum time.Duration
	for _, e := range ents {
		b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat")
		if err != nil {
			continue // the thread exited
		}
		d, err := parseSchedstat(string(b))
		if err != nil {
			return 0, err
		}
		sum += d
	}
	if sum == 0 {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return 0, fmt.Errorf("benchcalls: cpu of %d: %w", pid, err)
		}
		return parseStatTime(string(b))
	}
	return sum, nil
}

// parseSchedstat reads the first field of /proc/.../schedstat.
func parseSchedstat(s string) (time.Duration, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0, fmt.Errorf("%w: schedstat %q", errProcFormat, s)
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || ns < 0 {
		return 0, fmt.Errorf("%w: schedstat %q", errProcFormat, s)
	}
	return time.Duration(ns), nil
}

// parseStatTime reads utime+stime (10 ms ticks) from /proc/PID/stat. The
// command name may hold spaces and parentheses: fields start after the
// last ")".
func parseStatTime(s string) (time.Duration, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("%w: stat without a command", errProcFormat)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("%w: short stat", errProcFormat)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || ut < 0 || st < 0 || ut > maxTicks || st > maxTicks {
		return 0, fmt.Errorf("%w: stat times", errProcFormat)
	}
	// USER_HZ is 100 on every Linux the project runs on.
	return time.Duration(ut+st) * (time.Second / 100), nil
}

// rss is the resident memory of pid in bytes (VmRSS).
func rss(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("benchcalls: memory of %d: %w", pid, err)
	}
	return parseVmRSS(string(b))
}

func parseVmRSS(s string) (int64, error) {
	for line := range strings.Lines(s) {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			break
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 || kb > 1<<40 {
			break
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("%w: no VmRSS", errProcFormat)
}

// machineCPU is the whole machine's CPU time from /proc/stat: busy (all
// but idle and iowait) and steal, for saying how loaded the machine was.
type machineCPU struct{ busy, steal, total time.Duration }

func readMachineCPU() (machineCPU, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineCPU{}, fmt.Errorf("benchcalls: %w", err)
	}
	return parseProcStat(string(b))
}

func parseProcStat(s string) (machineCPU, error) {
	line, _, _ := strings.Cut(s, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return machineCPU{}, fmt.Errorf("%w: /proc/stat cpu line", errProcFormat)
	}
	var m machineCPU
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > maxTicks {
			return machineCPU{}, fmt.Errorf("%w: /proc/stat field %d", errProcFormat, i+1)
		}
		d := time.Duration(n) * (time.Second / 100)
		switch {
		case i >= 8: // guest time is already in user
			continue
		case i == 3 || i == 4: // idle, iowait
		case i == 7:
			m.steal += d
		default:
			m.busy += d
		}
		m.total += d
	}
	return m, nil
}

func (m machineCPU) sub(o machineCPU) machineCPU {
	return machineCPU{busy: m.busy - o.busy, steal: m.steal - o.steal, total: m.total - o.total}
}

// udpCounters are the machine's UDP counters from /proc/net/snmp: a
// socket whose receive buffer overflowed (its reader was not scheduled in
// time) counts in RcvbufErrors.
type udpCounters struct{ inDatagrams, inErrors, rcvbufErrors, sndbufErrors int64 }

func readUDPCounters() (udpCounters, error) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return udpCounters{}, fmt.Errorf("benchcalls: %w", err)
	}
	return parseUDPCounters(string(b))
}

// parseUDPCounters reads the "Udp:" header line and the value line after
// it.
func parseUDPCounters(s string) (udpCounters, error) {
	var names []string
	for line := range strings.Lines(s) {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f[1:]
			continue
		}
		vals := f[1:]
		if len(vals) != len(names) {
			break
		}
		var u udpCounters
		for i, name := range names {
			n, err := strconv.ParseInt(vals[i], 10, 64)
			if err != nil {
				return udpCounters{}, fmt.Errorf("%w: Udp %s", errProcFormat, name)
			}
			switch name {
			case "InDatagrams":
				u.inDatagrams = n
			case "InErrors":
				u.inErrors = n
			case "RcvbufErrors":
				u.rcvbufErrors = n
			case "SndbufErrors":
				u.sndbufErrors = n
			}
		}
		return u, nil
	}
	return udpCounters{}, fmt.Errorf("%w: no Udp lines in /proc/net/snmp", errProcFormat)
}

func (u udpCounters) sub(o udpCounters) udpCounters {
	return udpCounters{inDatagrams: u.inDatagrams - o.inDatagrams, inErrors: u.inErrors - o.inErrors,
		rcvbufErrors: u.rcvbufErrors - o.rcvbufErrors, sndbufErrors: u.sndbufErrors - o.sndbufErrors}
}

// udpDrops sums the per-socket drop counters of /proc/net/udp by the
// name class gives each local port ("" leaves a socket out), to tell whose
// receive buffer overflowed.
func udpDrops(class func(port int) string) (map[string]int64, error) {
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		return nil, fmt.Errorf("benchcalls: %w", err)
	}
	socks, err := parseProcNetUDP(string(b))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, s := range socks {
		if name := class(s.port); name != "" {
			out[name] += s.drops
		}
	}
	return out, nil
}

type udpSocket struct {
	port  int
	drops int64
}

// parseProcNetUDP reads the local port (hex, after the colon of
// local_address) and the drops column (the last) of each socket line.
func parseProcNetUDP(s string) ([]udpSocket, error) {
	var out []udpSocket
	for i, line := range slices.Collect(strings.Lines(s)) {
		if i == 0 {
			continue // the header
		}
		f := strings.Fields(line)
		if len(f) < 13 {
			return nil, fmt.Errorf("%w: /proc/net/udp line %d", errProcFormat, i+1)
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		port, err1 := strconv.ParseUint(hexPort, 16, 16)
		drops, err2 := strconv.ParseInt(f[len(f)-1], 10, 64)
		if !ok || err1 != nil || err2 != nil || drops < 0 {
			return nil, fmt.Errorf("%w: /proc/net/udp line %d", errProcFormat, i+1)
		}
		out = append(out, udpSocket{port: int(port), drops: drops})
	}
	return out, nil
}
