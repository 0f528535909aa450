package benchcalls

import (
	"maps"
	"os"
	"slices"
	"time"
)

// result is what one phase (the gateway, or the bare relay) measured.
type result struct {
	name     string
	calls    int           // calls asked for
	up       int           // calls with packets both ways when the window opened
	setup    time.Duration // from the first call to the last one up
	failures map[string]int

	window  time.Duration            // measured wall time
	cpu     map[string]time.Duration // per process, within the window
	machine machineCPU               // the whole machine, within the window
	udp     udpCounters              // the machine's UDP counters, within the window
	drops   map[string]int64         // receive-buffer drops by socket owner, within the window
	rssIdle int64                    // relay process before the calls
	rssPeak int64                    // ... sampled during the window, highest
	snaps   []callSnapshot           // the calls that were up

	recorded int // gateway only: call detail records after hanging up
}

// sent, received and relayed packets over every call in the window. Every
// packet crosses the relay twice: out to the echo and back.
func (r *result) sent() (n int64) {
	for _, s := range r.snaps {
		n += s.sent
	}
	return n
}

func (r *result) received() (n int64) {
	for _, s := range r.snaps {
		n += s.recv
	}
	return n
}

func (r *result) relayed() int64 { return r.sent() + r.received() }

func (r *result) lossPct() float64 {
	if s := r.sent(); s > 0 {
		return 100 * float64(s-r.received()) / float64(s)
	}
	return 0
}

func (r *result) jitters() []time.Duration {
	var js []time.Duration
	for _, s := range r.snaps {
		js = append(js, s.jitter)
	}
	slices.Sort(js)
	return js
}

func (r *result) rtts() []int32 {
	var all []int32
	for _, s := range r.snaps {
		all = append(all, s.rtt...)
	}
	slices.Sort(all)
	return all
}

// relayCPU is the CPU of the process under test ("relay").
func (r *result) relayCPU() time.Duration { return r.cpu["relay"] }

// usPerPacket is relay CPU per relayed packet, in µs.
func (r *result) usPerPacket() float64 {
	if n := r.relayed(); n > 0 {
		return float64(r.relayCPU().Microseconds()) / float64(n)
	}
	return 0
}

// msPerCallSecond is relay CPU per second of call, in ms.
func (r *result) msPerCallSecond() float64 {
	if r.up == 0 || r.window <= 0 {
		return 0
	}
	return float64(r.relayCPU().Microseconds()) / 1000 / (float64(r.up) * r.window.Seconds())
}

// mbPerCall is the relay's resident memory growth per call, in MB.
func (r *result) mbPerCall() float64 {
	if r.up == 0 || r.rssPeak == 0 {
		return 0
	}
	return float64(r.rssPeak-r.rssIdle) / float64(r.up) / (1 << 20)
}

// measureWindow opens the window on the calls' send times, samples the
// processes' CPU around it and the relay's memory within it, waits grace
// for the last echoes and snapshots the calls.
func measureWindow(o options, w *window, clk clock, pids map[string]int, class func(port int) string, stats []*callStats, r *result) {
	cpu0 := cpuAll(pids)
	m0, _ := readMachineCPU()
	u0, _ := readUDPCounters()
	d0, _ := udpDrops(class)
	start := time.Now()
	w.set(clk.now(), clk.now()+int64(o.window))
	tick := time.NewTicker(time.Second)
	deadline := time.After(o.window)
sample:
	for {
		select {
		case <-tick.C:
			if n, err := rss(pids["relay"]); err == nil && n > r.rssPeak {
				r.rssPeak = n
			}
		case <-deadline:
			break sample
		}
	}
	tick.Stop()
	r.window = time.Since(start)
	cpu1 := cpuAll(pids)
	m1, _ := readMachineCPU()
	u1, _ := readUDPCounters()
	d1, _ := udpDrops(class)
	r.drops = map[string]int64{}
	for name, n := range d1 {
		if n -= d0[name]; n > 0 {
			r.drops[name] = n
		}
	}
	r.machine, r.udp = m1.sub(m0), u1.sub(u0)
	r.cpu = map[string]time.Duration{}
	for name := range maps.Keys(cpu1) {
		if before, ok := cpu0[name]; ok {
			r.cpu[name] = cpu1[name] - before
		}
	}
	time.Sleep(o.grace)
	for _, s := range stats {
		r.snaps = append(r.snaps, s.snapshot())
	}
}

// cpuAll reads the CPU time of every named process; those it cannot read
// are left out.
func cpuAll(pids map[string]int) map[string]time.Duration {
	out := map[string]time.Duration{}
	for name, pid := range pids {
		if pid == 0 {
			continue
		}
		if d, err := cpuTime(pid); err == nil {
			out[name] = d
		}
	}
	return out
}

func selfPID() int { return os.Getpid() }
