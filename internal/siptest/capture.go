package siptest

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/launch"
)

// Capture watches the RTP sent to one loopback UDP port with tshark, an
// observer independent of both ends: tests use it to check that audio and
// RFC 2833/4733 digits crossed the bridge with the right payload types.
type Capture struct {
	cmd  *exec.Cmd
	done chan struct{}

	mu     sync.Mutex
	pts    map[uint8]int      // packets per payload type
	events []int              // telephone-event ids, one per new event
	lastTS string             // timestamp of the last event packet, to count each event once
	seqs   map[uint8]*seqSpan // sequence numbers per payload type, for Lost
	audio  map[uint8][]byte   // payloads per payload type, in arrival order, for Payload
	stderr strings.Builder
}

// CaptureRTP starts tshark on the loopback interface for RTP to port and
// waits until it captures. Cleanup stops it.
func CaptureRTP(t testing.TB, port int) *Capture {
	t.Helper()
	if testing.Short() {
		t.Skip("siptest: starts tshark (skipped with -short)")
	}
	bin, err := launch.LookBinary("tshark", "tshark")
	if err != nil {
		t.Fatal(err)
	}
	c := &Capture{pts: map[uint8]int{}, seqs: map[uint8]*seqSpan{}, audio: map[uint8][]byte{}, done: make(chan struct{})}
	p := strconv.Itoa(port)
	c.cmd = exec.Command(bin, "-i", "lo", "-l", "-n", "-f", "udp dst port "+p, "-d", "udp.port=="+p+",rtp",
		"-T", "fields", "-e", "rtp.p_type", "-e", "rtpevent.event_id", "-e", "rtp.timestamp", "-e", "rtp.seq", "-e", "rtp.payload")
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errPipe, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("siptest: tshark: %v", err)
	}
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(errPipe)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			c.mu.Lock()
			c.stderr.WriteString(line + "\n")
			c.mu.Unlock()
			if strings.HasPrefix(line, "Capturing on") {
				once.Do(func() { close(started) })
			}
		}
	}()
	go c.read(out)
	t.Cleanup(c.stop)
	select {
	case <-started:
	case <-c.done:
		t.Fatalf("siptest: tshark exited: %s (capturing on lo needs root or the wireshark group)", c.stderrText())
	case <-time.After(30 * time.Second):
		t.Fatalf("siptest: tshark did not start capturing: %s", c.stderrText())
	}
	return c
}

func (c *Capture) read(out interface{ Read([]byte) (int, error) }) {
	defer close(c.done)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		pt, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		c.mu.Lock()
		c.pts[uint8(pt)]++
		if len(f) > 3 {
			if seq, err := strconv.ParseUint(f[3], 10, 16); err == nil {
				if c.seqs[uint8(pt)] == nil {
					c.seqs[uint8(pt)] = &seqSpan{}
				}
				c.seqs[uint8(pt)].add(uint16(seq))
			}
		}
		if len(f) > 4 && f[4] != "" {
			// tshark writes the payload as hex bytes joined by colons.
			if b, err := hex.DecodeString(strings.ReplaceAll(f[4], ":", "")); err == nil {
				c.audio[uint8(pt)] = append(c.audio[uint8(pt)], b...)
			}
		}
		if len(f) > 2 && f[1] != "" {
			if id, err := strconv.Atoi(f[1]); err == nil && f[2] != c.lastTS {
				c.events = append(c.events, id)
				c.lastTS = f[2]
			}
		}
		c.mu.Unlock()
	}
}

// Payload returns the payloads of the RTP packets seen with payload type
// pt, joined in the order they came: for G.711, the audio heard.
func (c *Capture) Payload(pt uint8) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.audio[pt]...)
}

// Packets returns the number of RTP packets seen with payload type pt.
func (c *Capture) Packets(pt uint8) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pts[pt]
}

// Lost returns how many sequence numbers are missing between the first and
// the latest packet of payload type pt: packets lost (or not yet arrived,
// when reordered) on the way. It assumes one stream (one SSRC) per type.
func (c *Capture) Lost(pt uint8) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.seqs[pt]
	if s == nil {
		return 0
	}
	return max(0, int(s.hi-s.lo+1)-s.n)
}

// seqSpan follows a stream's sequence numbers across their 16-bit wrap.
type seqSpan struct {
	n      int    // packets seen
	last   uint16 // the latest sequence number
	ext    int64  // last, unwrapped
	lo, hi int64  // unwrapped span
}

func (s *seqSpan) add(seq uint16) {
	if s.n > 0 {
		s.ext += int64(int16(seq - s.last))
	}
	s.last = seq
	if s.n == 0 || s.ext < s.lo {
		s.lo = s.ext
	}
	if s.n == 0 || s.ext > s.hi {
		s.hi = s.ext
	}
	s.n++
}

// Events returns the telephone-event ids seen (0-9 digits, 10 *, 11 #).
func (c *Capture) Events() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.events...)
}

// Wait polls until ok holds or ctx ends.
func (c *Capture) Wait(ctx context.Context, what string, ok func(*Capture) bool) error {
	for !ok(c) {
		select {
		case <-ctx.Done():
			c.mu.Lock()
			defer c.mu.Unlock()
			return fmt.Errorf("siptest: capture: no %s (saw %v, events %v)", what, c.pts, c.events)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

func (c *Capture) stderrText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

func (c *Capture) stop() {
	if c.cmd.Process != nil {
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
	}
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}
	_ = c.cmd.Wait()
}
