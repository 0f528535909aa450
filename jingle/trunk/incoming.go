package trunk

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Incoming is a call offered by the trunk, waiting for the Handler to
// Answer or Reject it.
type Incoming struct {
	CallID string
	// From is the caller: the user part of P-Asserted-Identity if present,
	// else of From, when the INVITE came from a trusted source; "" (an
	// anonymous caller) when it came from elsewhere with digest
	// credentials, because anyone with those can claim any number.
	From  string
	To    string // user part of the Request-URI, else of the To header
	Offer []byte // SDP of the INVITE; never empty (empty offers are refused with 488)
	// Trusted: the INVITE came from Settings.Trusted, so From is the
	// trunk's word. A handler must not present an untrusted caller's
	// claims (forwarding, caller ID) as a number.
	Trusted bool

	src netip.Addr // where the INVITE came from

	t   *Trunk
	rt  *runtime
	ss  *sipgo.DialogServerSession
	key string

	cancelled chan struct{}
	cancelOne sync.Once

	mu      sync.Mutex
	decided bool // a final response was sent or is being sent
}

// Ringing sends 180 Ringing.
func (in *Incoming) Ringing() error {
	if err := in.ss.Respond(sip.StatusRinging, "Ringing", nil); err != nil {
		return wrapErr("ringing", err)
	}
	return nil
}

// Cancelled is closed when the caller CANCELs the call. The INVITE is then
// answered with 487 by the transaction layer; Answer and Reject fail.
func (in *Incoming) Cancelled() <-chan struct{} { return in.cancelled }

// decide claims the one final response.
func (in *Incoming) decide() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.decided {
		return errors.New("trunk: call already answered or rejected")
	}
	in.decided = true
	return nil
}

// Reject answers the INVITE with a final error response, e.g. 486 Busy
// Here, 603 Decline, 404 Not Found or 480 Temporarily Unavailable.
func (in *Incoming) Reject(code int, reason string) error {
	if code < 300 || code > 699 {
		return fmt.Errorf("trunk: reject with %d: not a final error code", code)
	}
	if err := in.decide(); err != nil {
		return err
	}
	if reason == "" {
		reason = "Rejected"
	}
	in.t.log.Debug("call rejected", "call_id", in.CallID, "code", code)
	if err := in.ss.Respond(code, reason, nil); err != nil {
		return wrapErr("reject", err)
	}
	return nil
}

// Answer sends 200 OK with sdp and waits for the ACK. Without an ACK
// (after 64*T1, 32s) it sends BYE and returns ErrNoAck.
func (in *Incoming) Answer(ctx context.Context, sdp []byte) (*Call, error) {
	if len(sdp) == 0 {
		return nil, errors.New("trunk: answer without SDP")
	}
	if err := in.decide(); err != nil {
		return nil, err
	}
	select {
	case <-in.cancelled:
		return nil, ErrCancelled
	default:
	}
	c := newCall(in.t, in.rt, in.CallID, in.key, in.Offer)
	c.ss = in.ss
	c.peer = in.src
	// Known before the 200 goes out so that its ACK finds the dialog.
	in.t.addCall(c)
	c.watch(&in.ss.Dialog)

	res := sip.NewSDPResponseFromRequest(in.ss.InviteRequest, sdp)
	res.AppendHeader(sip.NewHeader("Allow", allowed))
	err := in.ss.WriteResponse(res) // blocks until the ACK
	if err != nil {
		select {
		case <-in.cancelled:
			c.end("cancelled")
			return nil, ErrCancelled
		default:
		}
		if errors.Is(err, sip.ErrTransactionTerminated) || errors.Is(err, sip.ErrTransactionCanceled) || errors.Is(err, sip.ErrTransactionTransport) {
			c.end("answer failed")
			return nil, wrapErr("answer", err)
		}
		// 200 sent but never acknowledged: RFC 3261 13.3.1.4 says BYE.
		byeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
		_ = c.Hangup(byeCtx)
		cancel()
		return nil, ErrNoAck
	}
	in.t.log.Debug("call answered", "call_id", in.CallID)
	if in.rt.ctx.Err() != nil {
		_ = c.Hangup(context.WithoutCancel(ctx))
		return nil, ErrNotRunning
	}
	return c, nil
}

func (in *Incoming) markCancelled() {
	in.cancelOne.Do(func() { close(in.cancelled) })
}

// Source is the address the INVITE came from: the packet's source as the
// transport saw it, never the Via header the sender writes. It is invalid
// when the transport did not record one.
func (in *Incoming) Source() netip.Addr {
	ap, err := netip.ParseAddrPort(in.ss.InviteRequest.MessageData.Source())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
