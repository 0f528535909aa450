//go:build linux

package bench

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A run sends n messages with at most window of them unfinished, and records
// when each was sent and when it reached each measuring point in turn (the
// carrier, the component, the client). A message is finished when it reaches
// the last point or fails (an error stanza, an HTTP error).
//
// Messages are named TAG-SEQ (in the id attribute and as the first word of
// the body), so arrivals of an earlier run are told apart and ignored.
type run struct {
	tag    string
	n      int
	points []string // measuring points, in the order a message passes them

	sent     []atomic.Int64   // unix ns
	at       [][]atomic.Int64 // [point][seq], unix ns
	finished []atomic.Bool
	reached  []atomic.Int64 // per point
	done     atomic.Int64   // finished messages
	activity atomic.Int64   // unix ns of the last arrival or failure

	tokens chan struct{} // the window
	end    chan struct{} // closed when every message is finished
	abort  chan struct{} // closed to stop the senders

	mu       sync.Mutex
	failures map[string]int // reason: count
}

// current is the run that arrivals are credited to.
var current atomic.Pointer[run]

// stray counts arrivals that belong to no current run (late warm-up
// messages, duplicates).
var stray atomic.Int64

var runCounter atomic.Int64

func newRun(n, window int, points ...string) *run {
	r := &run{
		tag:      "r" + strconv.FormatInt(runCounter.Add(1), 10),
		n:        n,
		points:   points,
		sent:     make([]atomic.Int64, n),
		at:       make([][]atomic.Int64, len(points)),
		finished: make([]atomic.Bool, n),
		reached:  make([]atomic.Int64, len(points)),
		tokens:   make(chan struct{}, window),
		end:      make(chan struct{}),
		abort:    make(chan struct{}),
		failures: map[string]int{},
	}
	for i := range r.at {
		r.at[i] = make([]atomic.Int64, n)
	}
	for range window {
		r.tokens <- struct{}{}
	}
	if n == 0 {
		close(r.end)
	}
	return r
}

func (r *run) id(seq int) string { return r.tag + "-" + strconv.Itoa(seq) }

// filler makes bodies about as long as a typical SMS.
const filler = "Benchmark message: the quick brown fox jumps over the lazy dog, twice."

func (r *run) body(seq int) string { return r.id(seq) + " " + filler }

// lookup finds the current run and the sequence number of id.
func lookup(id string) (*run, int, bool) {
	r := current.Load()
	tag, num, ok := strings.Cut(id, "-")
	if r == nil || !ok || tag != r.tag {
		stray.Add(1)
		return nil, 0, false
	}
	seq, err := strconv.Atoi(num)
	if err != nil || seq < 0 || seq >= r.n {
		stray.Add(1)
		return nil, 0, false
	}
	return r, seq, true
}

// arrive records that message id reached the measuring point named point at
// ts (unix ns). Points the current run does not measure are ignored.
func arrive(point, id string, ts int64) {
	r, seq, ok := lookup(id)
	if !ok {
		return
	}
	p := slices.Index(r.points, point)
	if p < 0 {
		return
	}
	if !r.at[p][seq].CompareAndSwap(0, ts) {
		stray.Add(1) // a duplicate
		return
	}
	r.reached[p].Add(1)
	r.activity.Store(ts)
	if p == len(r.points)-1 {
		r.finish(seq)
	}
}

// failID records that message id failed, for example with an error stanza.
func failID(id, reason string) {
	if r, seq, ok := lookup(id); ok {
		r.fail(seq, reason)
	}
}

func (r *run) fail(seq int, reason string) {
	r.mu.Lock()
	r.failures[reason]++
	r.mu.Unlock()
	r.activity.Store(time.Now().UnixNano())
	r.finish(seq)
}

func (r *run) finish(seq int) {
	if !r.finished[seq].CompareAndSwap(false, true) {
		return
	}
	r.tokens <- struct{}{}
	if int(r.done.Add(1)) == r.n {
		close(r.end)
	}
}

// sender feeds a run; each sender is driven by its own goroutine.
type sender interface {
	// send sends message seq of r, or buffers it until flush.
	send(r *run, seq int) error
	flush() error
}

// maxBatch bounds how many messages a sender buffers before it flushes, even
// when the window would allow more.
const maxBatch = 16

// stallTimeout fails a run in which nothing arrived for that long.
const stallTimeout = 30 * time.Second

// drive sends all messages of r through senders and waits until every one
// is finished.
func (r *run) drive(senders []sender) error {
	current.Store(r)
	r.activity.Store(time.Now().UnixNano())
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Go(func() {
			batch := 0
			defer func() {
				if batch > 0 {
					_ = s.flush()
				}
			}()
			for {
				seq := int(next.Add(1) - 1)
				if seq >= r.n {
					return
				}
				select {
				case <-r.tokens:
				default:
					// The window is full: send what is buffered, then wait.
					if batch > 0 {
						if err := s.flush(); err != nil {
							r.fail(seq, "flush: "+err.Error())
							return
						}
						batch = 0
					}
					select {
					case <-r.tokens:
					case <-r.abort:
						return
					}
				}
				r.sent[seq].Store(time.Now().UnixNano())
				if err := s.send(r, seq); err != nil {
					r.fail(seq, firstLine(err.Error()))
					continue
				}
				if batch++; batch >= maxBatch {
					if err := s.flush(); err != nil {
						r.fail(seq, "flush: "+err.Error())
						return
					}
					batch = 0
				}
			}
		})
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.end:
			wg.Wait()
			return nil
		case <-tick.C:
			if time.Since(time.Unix(0, r.activity.Load())) > stallTimeout {
				close(r.abort)
				wg.Wait()
				return fmt.Errorf("run %s stalled: nothing arrived for %v; %d of %d finished, reached per point %v, failures %v",
					r.tag, stallTimeout, r.done.Load(), r.n, r.reachedCounts(), r.failureCounts())
			}
		}
	}
}

func (r *run) reachedCounts() map[string]int64 {
	m := map[string]int64{}
	for i, p := range r.points {
		m[p] = r.reached[i].Load()
	}
	return m
}

func (r *run) failureCounts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.failures)
}

// pointStats is what one measuring point saw of a run.
type pointStats struct {
	point         string
	reached       int
	rate          float64 // messages reaching the point per second, from the first send
	p50, p99, max time.Duration
}

// stats measures point p: its latency is from the previous point (or from
// sending, for the first).
func (r *run) stats(p int) pointStats {
	s := pointStats{point: r.points[p]}
	first, last := int64(0), int64(0)
	lat := make([]int64, 0, r.n)
	for seq := range r.n {
		sent := r.sent[seq].Load()
		if sent != 0 && (first == 0 || sent < first) {
			first = sent
		}
		at := r.at[p][seq].Load()
		if at == 0 {
			continue
		}
		s.reached++
		last = max(last, at)
		from := sent
		if p > 0 {
			from = r.at[p-1][seq].Load()
		}
		if from != 0 {
			lat = append(lat, at-from)
		}
	}
	if s.reached > 0 && last > first {
		s.rate = float64(s.reached) / time.Duration(last-first).Seconds()
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		s.p50 = time.Duration(lat[len(lat)/2])
		s.p99 = time.Duration(lat[min(len(lat)-1, len(lat)*99/100)])
		s.max = time.Duration(lat[len(lat)-1])
	}
	return s
}

// cpuTime is the CPU time process pid has used: the sum over its threads of
// /proc/PID/task/TID/schedstat (nanoseconds on a CPU), which is exact,
// unlike the 10 ms ticks of /proc/PID/stat (statTime). A thread that exited
// takes its time with it; the processes measured keep their threads.
func cpuTime(pid int) (time.Duration, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var sum time.Duration
	for _, e := range ents {
		b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat")
		if err != nil {
			continue // the thread exited, or no schedstat
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: bad %s/%s/schedstat", dir, e.Name())
		}
		sum += time.Duration(ns)
	}
	if sum == 0 {
		return statTime(pid)
	}
	return sum, nil
}

// statTime is the CPU time (user and system, all threads, also those that
// exited) from /proc/PID/stat, in 10 ms ticks.
func statTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces and parentheses: fields start after
	// the last ")". utime and stime are fields 14 and 15 of the line.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: unreadable /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bench: bad times in /proc/%d/stat", pid)
	}
	// USER_HZ is 100 on every Linux the project runs on.
	return time.Duration(ut+st) * (time.Second / 100), nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// systemBusy is the CPU time all CPUs spent not idle (and, separately,
// stolen by the hypervisor), from /proc/stat.
func systemBusy() (busy, steal time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, errors.New("bench: unreadable /proc/stat")
	}
	var ticks [8]int64
	for i := range ticks {
		ticks[i], _ = strconv.ParseInt(f[i+1], 10, 64)
	}
	// user nice system idle iowait irq softirq steal
	tick := time.Second / 100
	busy = time.Duration(ticks[0]+ticks[1]+ticks[2]+ticks[5]+ticks[6]) * tick
	return busy, time.Duration(ticks[7]) * tick, nil
}
