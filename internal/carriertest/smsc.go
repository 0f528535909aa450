package carriertest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/syncbuf"
)

// smscWait bounds the SMSC's start and every command's answer.
const smscWait = 20 * time.Second

// SMSC is tools/smsc.js: an SMSC built on npm smpp@0.5.1, independent of
// the gosmpp library the adapter uses. It binds one system_id/password,
// records each submit_sm, and sends deliver_sm and drops connections on
// command.
type SMSC struct {
	Addr string // 127.0.0.1:PORT

	stdin io.WriteCloser

	mu      sync.Mutex
	nextID  int
	acks    map[int]chan smscEvent
	submits []Submit
	binds   []Bind
	early   []Answer
	changed chan struct{} // closed and replaced on each recorded event
}

// Submit is one submit_sm as the SMSC saw it.
type Submit struct {
	MessageID          string  `json:"message_id"`
	Source             string  `json:"source"`
	SourceTON          int     `json:"source_ton"`
	SourceNPI          int     `json:"source_npi"`
	Dest               string  `json:"dest"`
	DestTON            int     `json:"dest_ton"`
	DestNPI            int     `json:"dest_npi"`
	DataCoding         int     `json:"data_coding"`
	EsmClass           int     `json:"esm_class"`
	RegisteredDelivery int     `json:"registered_delivery"`
	SMLength           int     `json:"sm_length"` // octets of short_message, UDH included
	UDH                string  `json:"udh"`       // hex
	Concat             *Concat `json:"concat"`
	Text               string  `json:"text"` // decoded by npm smpp (UCS-2 by the script)
}

// Concat is a part's concatenation element, parsed by the SMSC script.
type Concat struct {
	Ref   int `json:"ref"`
	Total int `json:"total"`
	Seq   int `json:"seq"`
	IEI   int `json:"iei"`
}

// Bind is one bind_transceiver attempt.
type Bind struct {
	OK       bool   `json:"ok"`
	SystemID string `json:"system_id"`
}

// Answer is the gateway's answer to a PDU the SMSC sent.
type Answer struct {
	Command string `json:"command"` // npm smpp's name: "deliver_sm_resp", "generic_nack"
	Status  int    `json:"command_status"`
}

type smscEvent struct {
	Event    string `json:"event"`
	ID       int    `json:"id"`
	Port     int    `json:"port"`
	Statuses []int  `json:"statuses"`
	Sessions int    `json:"sessions"`
	Error    string `json:"error"`
	Submit
	Bind
	Answer
}

// StartSMSC starts the SMSC on a free loopback port, taking binds from
// systemID with password, and stops it when the test ends.
func StartSMSC(t testing.TB, systemID, password string) *SMSC {
	t.Helper()
	if testing.Short() {
		t.Skip("carriertest: starts the Node SMSC (skipped with -short)")
	}
	tools := Tools(t)
	log := &syncbuf.Buffer{}
	cmd := exec.Command("node", filepath.Join(tools, "smsc.js"), systemID, password)
	cmd.Dir = tools
	cmd.Stderr = log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("carriertest: smsc stdin: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("carriertest: smsc stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("carriertest: start smsc: %v", err)
	}
	s := &SMSC{stdin: stdin, acks: make(map[int]chan smscEvent), changed: make(chan struct{})}
	port := make(chan int, 1)
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e smscEvent
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			s.record(e, port)
		}
	}()
	exited := make(chan struct{})
	go func() { <-read; _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = stdin.Close() // the script exits when its stdin ends
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("smsc stderr:\n%s", log.String())
		}
	})
	select {
	case p := <-port:
		s.Addr = "127.0.0.1:" + strconv.Itoa(p)
	case <-exited:
		t.Fatalf("carriertest: smsc exited before listening:\n%s", log.String())
	case <-time.After(smscWait):
		t.Fatalf("carriertest: smsc did not listen within %v", smscWait)
	}
	return s
}

func (s *SMSC) record(e smscEvent, port chan<- int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch e.Event {
	case "listening":
		port <- e.Port
	case "ack":
		if ch := s.acks[e.ID]; ch != nil {
			ch <- e
			delete(s.acks, e.ID)
		}
	case "submit":
		s.submits = append(s.submits, e.Submit)
	case "bind":
		s.binds = append(s.binds, e.Bind)
	case "early":
		s.early = append(s.early, e.Answer)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// command sends one command and waits for its acknowledgement.
func (s *SMSC) command(t testing.TB, c map[string]any) smscEvent {
	t.Helper()
	ch := make(chan smscEvent, 1)
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	s.acks[id] = ch
	s.mu.Unlock()
	c["id"] = id
	b, _ := json.Marshal(c)
	if _, err := s.stdin.Write(append(b, '\n')); err != nil {
		t.Fatalf("carriertest: smsc command: %v", err)
	}
	select {
	case e := <-ch:
		return e
	case <-time.After(smscWait):
		t.Fatalf("carriertest: smsc did not acknowledge %s", b)
		return smscEvent{}
	}
}

// Deliver sends a deliver_sm to every bound session: fields are npm
// smpp's names (source_addr, esm_class, data_coding, TLVs such as
// receipted_message_id...); shortMessage, when not nil, is the raw
// short_message, UDH included. It returns the status of each
// deliver_sm_resp, once they are all in.
func (s *SMSC) Deliver(t testing.TB, fields map[string]any, shortMessage []byte) []int {
	t.Helper()
	c := map[string]any{"cmd": "deliver", "pdu": fields}
	if shortMessage != nil {
		c["hex"] = fmt.Sprintf("%x", shortMessage)
	}
	return s.command(t, c).Statuses
}

// Fail makes the SMSC answer every submit_sm with command_status st.
func (s *SMSC) Fail(t testing.TB, st int) { s.command(t, map[string]any{"cmd": "fail", "status": st}) }

// FailAfter makes the SMSC take n more submit_sm, then answer every
// following one with command_status st.
func (s *SMSC) FailAfter(t testing.TB, n, st int) {
	s.command(t, map[string]any{"cmd": "fail", "status": st, "after": n})
}

// Hang makes the SMSC leave submit_sm unanswered.
func (s *SMSC) Hang(t testing.TB) { s.command(t, map[string]any{"cmd": "hang"}) }

// OK makes the SMSC take submit_sm again.
func (s *SMSC) OK(t testing.TB) { s.command(t, map[string]any{"cmd": "ok"}) }

// Drop closes every session at once.
func (s *SMSC) Drop(t testing.TB) { s.command(t, map[string]any{"cmd": "drop"}) }

// Down closes every session and refuses new ones until Up.
func (s *SMSC) Down(t testing.TB) { s.command(t, map[string]any{"cmd": "down"}) }

// Up takes connections again.
func (s *SMSC) Up(t testing.TB) { s.command(t, map[string]any{"cmd": "up"}) }

// Submits returns the submit_sm taken so far.
func (s *SMSC) Submits() []Submit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Submit(nil), s.submits...)
}

// Binds returns the bind attempts so far.
func (s *SMSC) Binds() []Bind {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Bind(nil), s.binds...)
}

// WaitBinds waits until n successful binds have been seen.
func (s *SMSC) WaitBinds(t testing.TB, n int) {
	t.Helper()
	deadline := time.After(smscWait)
	for {
		s.mu.Lock()
		ok := 0
		for _, b := range s.binds {
			if b.OK {
				ok++
			}
		}
		ch := s.changed
		s.mu.Unlock()
		if ok >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("carriertest: %d successful binds; want %d", ok, n)
		}
	}
}

// WaitSubmits waits until n submit_sm have been recorded in all and
// returns them. The SMSC reports a submit_sm before it answers it, but
// its report travels apart from the answer, so a test reads it this way
// after a send.
func (s *SMSC) WaitSubmits(t testing.TB, n int) []Submit {
	t.Helper()
	deadline := time.After(smscWait)
	for {
		s.mu.Lock()
		got, ch := append([]Submit(nil), s.submits...), s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("carriertest: %d submit_sm recorded; want %d", len(got), n)
		}
	}
}

// Mute makes the sessions bound now stop answering enquire_link, as a
// dead link would.
func (s *SMSC) Mute(t testing.TB) { s.command(t, map[string]any{"cmd": "mute"}) }

// Early has the SMSC send a deliver_sm with fields on the next good bind,
// before it answers the bind; WaitEarly returns the gateway's answer.
func (s *SMSC) Early(t testing.TB, fields map[string]any) {
	s.command(t, map[string]any{"cmd": "early", "pdu": fields})
}

// WaitEarly waits for the answer to the deliver_sm Early sent.
func (s *SMSC) WaitEarly(t testing.TB) Answer {
	t.Helper()
	deadline := time.After(smscWait)
	for {
		s.mu.Lock()
		got, ch := s.early, s.changed
		s.mu.Unlock()
		if len(got) > 0 {
			return got[0]
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatal("carriertest: no answer to the deliver_sm sent before the bind_resp")
		}
	}
}
