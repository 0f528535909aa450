package trunk

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Call is an established dialog, placed by Dial or taken by
// Incoming.Answer.
type Call struct {
	t      *Trunk
	rt     *runtime
	id     string // Call-ID
	key    string // dialogKey
	remote []byte // remote SDP
	// peer is the address that set the dialog up (the INVITE's source, or
	// the source of the answer to ours): besides trusted sources, the one
	// that may send requests inside it.
	peer netip.Addr

	// Exactly one is set: cs when we called, ss when we were called.
	cs *sipgo.DialogClientSession
	ss *sipgo.DialogServerSession

	done     chan struct{}
	endOnce  sync.Once
	byRemote atomic.Bool

	reinviteMu sync.Mutex // one re-INVITE of ours at a time
	mu         sync.Mutex
	onReinvite func(offer []byte) ([]byte, error)
}

func newCall(t *Trunk, rt *runtime, callID, key string, remote []byte) *Call {
	return &Call{t: t, rt: rt, id: callID, key: key, remote: remote, done: make(chan struct{})}
}

// ID is the Call-ID.
func (c *Call) ID() string { return c.id }

// RemoteSDP is the far end's SDP: the 200 OK body for calls we placed, the
// INVITE offer for calls we took.
func (c *Call) RemoteSDP() []byte { return c.remote }

// Done is closed when the dialog ends: remote BYE, our Hangup, or Run
// stopping.
func (c *Call) Done() <-chan struct{} { return c.done }

// EndedByRemote reports whether the far end sent BYE.
func (c *Call) EndedByRemote() bool { return c.byRemote.Load() }

func (c *Call) ended() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// end marks the call over and forgets its dialog.
func (c *Call) end(reason string) {
	c.endOnce.Do(func() {
		c.t.removeCall(c)
		close(c.done)
		c.t.log.Debug("call ended", "call_id", c.id, "by_remote", c.byRemote.Load(), "reason", reason)
	})
}

// Hangup sends BYE and ends the call. It does nothing if the call has
// already ended. The call ends even when the BYE fails.
func (c *Call) Hangup(ctx context.Context) error {
	if c.ended() {
		return nil
	}
	var err error
	if c.cs != nil {
		err = c.cs.Bye(ctx)
	} else {
		err = c.ss.Bye(ctx)
	}
	c.end("hangup")
	if err != nil {
		return wrapErr("bye", err)
	}
	return nil
}

// readBye answers a BYE from the far end.
func (c *Call) readBye(req *sip.Request, tx sip.ServerTransaction) error {
	// Set before sipgo ends the dialog (and watch closes Done), so Done's
	// readers see it.
	c.byRemote.Store(true)
	var err error
	if c.cs != nil {
		err = c.cs.ReadBye(req, tx)
	} else {
		err = c.ss.ReadBye(req, tx)
	}
	if errors.Is(err, sipgo.ErrDialogInvalidCseq) {
		c.byRemote.Store(false)
		return err // a stale BYE: the call goes on
	}
	c.end("bye")
	return err
}

// watch ends the call when sipgo ends the dialog on its own (for example an
// ACK retransmission that cannot be sent).
func (c *Call) watch(d *sipgo.Dialog) {
	d.OnState(func(s sip.DialogState) {
		if s == sip.DialogStateEnded {
			c.end("dialog ended")
		}
	})
}
