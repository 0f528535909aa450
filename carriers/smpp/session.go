package smpp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/switchboard-gw/switchboard/carriers"
)

// Command ids the adapter reads (SMPP 3.4 5.1.2.1).
const (
	cmdGenericNack         = 0x80000000
	cmdBindTransceiverResp = 0x80000009
	cmdSubmitSMResp        = 0x80000004
	cmdDeliverSM           = 0x00000005
	cmdUnbind              = 0x00000006
	cmdUnbindResp          = 0x80000006
	cmdEnquireLink         = 0x00000015
	cmdEnquireLinkResp     = 0x80000015
	cmdResponse            = 0x80000000 // the bit every response has
)

// maxPDU bounds what the adapter reads of one PDU; SMPP 3.4 PDUs are far
// smaller (a deliver_sm with a full message_payload is under 64 KiB).
const maxPDU = 70 << 10

var (
	errClosed = errors.New("smpp: connection closed")
	errBadLen = errors.New("smpp: PDU length out of bounds")
)

// header is a PDU's first 16 octets.
type header struct {
	Len, ID, Status, Seq uint32
}

// packet is one PDU read from the SMSC.
type packet struct {
	header
	Body []byte
}

// session is one bound transceiver connection. gosmpp binds it and
// marshals the PDUs the adapter sends; the adapter reads the SMSC's PDUs
// itself (see readPacket) so that it decides what a malformed one costs.
type session struct {
	conn    *gosmpp.Connection
	timeout time.Duration
	seq     atomic.Uint32

	wmu sync.Mutex // one PDU written at a time

	mu      sync.Mutex
	pending map[uint32]chan packet
	done    chan struct{} // closed when the connection is
	err     error         // why, once done

	readDone chan struct{} // closed when readLoop has returned
}

// bindError is the SMSC refusing bind_transceiver.
type bindError struct{ status uint32 }

func (e bindError) Error() string {
	return fmt.Sprintf("smpp: the SMSC refused the bind: %s (command_status 0x%08X)", statusText(e.status), e.status)
}

// statusText describes a command_status as SMPP 3.4 names it.
func statusText(st uint32) string {
	if d := data.CommandStatusType(int32(st)).Desc(); d != "" {
		return d
	}
	return "unknown status"
}

// dial connects to addr and binds as a transceiver. The whole exchange is
// bounded by timeout: an SMSC that accepts the connection and never
// answers the bind does not hold the adapter.
//
// The bind is written with gosmpp's PDU but its answer read here:
// gosmpp's Connector cannot read a refusal without a body, which is how
// many SMSCs (npm smpp among them) refuse a bind.
func dial(ctx context.Context, addr string, auth gosmpp.Auth, timeout time.Duration) (*session, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smpp: connect to the SMSC: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.Close() })
	s := &session{conn: gosmpp.NewConnection(raw), timeout: timeout, pending: make(map[uint32]chan packet), done: make(chan struct{}), readDone: make(chan struct{})}
	bind := pdu.NewBindRequest(pdu.Transceiver)
	bind.SystemID, bind.Password, bind.SystemType = auth.SystemID, auth.Password, auth.SystemType
	bind.SetSequenceNumber(s.nextSeq())
	err = s.write(bind)
	var p packet
	for err == nil {
		if p, err = s.readPacket(timeout); err == nil && p.ID == cmdBindTransceiverResp {
			break
		}
		if err == nil && p.ID&cmdResponse == 0 {
			// A deliver_sm (or any request) before the bind is answered
			// belongs to no session: refused, never handed on.
			n := pdu.NewGenericNack().(*pdu.GenericNack)
			n.CommandStatus = statusType(statusInvBindSts)
			s.respond(n, p.Seq)
		}
	}
	if !stop() {
		err = ctx.Err()
	}
	switch {
	case err != nil:
		_ = raw.Close()
		return nil, fmt.Errorf("smpp: bind: %w", err)
	case p.Status != statusOK:
		_ = raw.Close()
		return nil, bindError{p.Status}
	}
	return s, nil
}

// nextSeq returns a sequence number in 1..0x7FFFFFFF.
func (s *session) nextSeq() int32 {
	for {
		if v := s.seq.Add(1) & 0x7FFFFFFF; v != 0 {
			return int32(v)
		}
	}
}

// write sends one PDU.
func (s *session) write(p pdu.PDU) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.timeout))
	if _, err := s.conn.WritePDU(p); err != nil {
		s.close(fmt.Errorf("smpp: write: %w", err))
		return fmt.Errorf("%w: %w", errClosed, err)
	}
	return nil
}

// call sends a request and waits for its response, the connection's end,
// or ctx.
func (s *session) call(ctx context.Context, p pdu.PDU) (packet, error) {
	seq := s.nextSeq()
	p.SetSequenceNumber(seq)
	ch := make(chan packet, 1)
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return packet{}, errClosed
	}
	s.pending[uint32(seq)] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, uint32(seq))
		s.mu.Unlock()
	}()
	if err := s.write(p); err != nil {
		return packet{}, err
	}
	select {
	case r := <-ch:
		return r, nil
	case <-s.done:
		return packet{}, errClosed
	case <-ctx.Done():
		return packet{}, ctx.Err()
	}
}

// respond answers a request of the SMSC's with p, a response PDU whose
// status is already set.
func (s *session) respond(p pdu.PDU, seq uint32) {
	p.SetSequenceNumber(int32(seq))
	_ = s.write(p)
}

// close ends the connection once, recording why.
func (s *session) close(why error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	s.err = why
	_ = s.conn.Close()
	close(s.done)
}

// reason returns why the session ended.
func (s *session) reason() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// readPacket reads one PDU, waiting at most idle.
func (s *session) readPacket(idle time.Duration) (packet, error) {
	_ = s.conn.SetReadDeadline(time.Now().Add(idle))
	var h [16]byte
	if _, err := io.ReadFull(s.conn, h[:]); err != nil {
		return packet{}, err
	}
	p := packet{header: header{
		Len:    binary.BigEndian.Uint32(h[0:]),
		ID:     binary.BigEndian.Uint32(h[4:]),
		Status: binary.BigEndian.Uint32(h[8:]),
		Seq:    binary.BigEndian.Uint32(h[12:]),
	}}
	if p.Len < 16 || p.Len > maxPDU {
		return packet{}, errBadLen
	}
	p.Body = make([]byte, p.Len-16)
	if _, err := io.ReadFull(s.conn, p.Body); err != nil {
		return packet{}, err
	}
	return p, nil
}

// deliverResponse hands a response to the call waiting for it; a
// response nobody waits for (a call that gave up) is dropped.
func (s *session) deliverResponse(p packet) {
	s.mu.Lock()
	ch := s.pending[p.Seq]
	s.mu.Unlock()
	if ch != nil {
		select {
		case ch <- p:
		default:
		}
	}
}

// cstring returns the NUL-terminated string at the start of b.
func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// callError turns a failed call into the carrier's error.
func callError(err error, what string) error {
	return &carriers.Error{Kind: carriers.ErrUnavailable, Message: what + ": " + err.Error()}
}
