package trunk

import (
	"context"
	"errors"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// allowed is what we answer to; other methods get 405 with this list.
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS"

// route installs the request handlers on srv.
func (t *Trunk) route(srv *sipgo.Server) {
	srv.OnInvite(t.onInvite)
	srv.OnAck(t.onAck)
	srv.OnBye(t.onBye)
	srv.OnCancel(t.onCancel)
	srv.OnOptions(t.onOptions)
	srv.OnNoRoute(t.onNoRoute)
}

func (t *Trunk) respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		t.log.Debug("respond failed", "method", req.Method.String(), "code", code, "err", err)
	}
}

// onOptions answers keepalive pings from the trunk.
func (t *Trunk) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	t.respond(req, tx, sip.StatusOK, "OK",
		sip.NewHeader("Allow", allowed),
		sip.NewHeader("Accept", "application/sdp"))
}

func (t *Trunk) onNoRoute(req *sip.Request, tx sip.ServerTransaction) {
	if !t.trusts(sourceOf(req)) {
		t.refuse(req, tx, "method not served")
		return
	}
	t.log.Debug("method not allowed", "method", req.Method.String())
	t.respond(req, tx, sip.StatusMethodNotAllowed, "Method Not Allowed", sip.NewHeader("Allow", allowed))
}

// onCancel sees only CANCELs that matched no INVITE transaction: the
// transaction layer handles the others (200 to the CANCEL, 487 to the
// INVITE) and tells the Incoming through OnCancel.
func (t *Trunk) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	t.unknownDialog(req, tx)
}

// unknownDialog answers a request for a dialog or transaction we do not
// have, or one its sender may not touch: 481 to a trusted source, 403 to
// others (who learn nothing about which dialogs exist).
func (t *Trunk) unknownDialog(req *sip.Request, tx sip.ServerTransaction) {
	if !t.trusts(sourceOf(req)) {
		t.refuse(req, tx, "not the dialog's peer")
		return
	}
	t.respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
}

func (t *Trunk) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := t.findCall(req)
	if c == nil || !t.mayChange(sourceOf(req), c) {
		t.unknownDialog(req, tx)
		return
	}
	if err := c.readBye(req, tx); err != nil {
		if errors.Is(err, sipgo.ErrDialogInvalidCseq) {
			t.respond(req, tx, sip.StatusInternalServerError, "Bad CSeq")
			return
		}
		t.log.Warn("bye", "call_id", c.ID(), "err", err)
	}
}

func (t *Trunk) onAck(req *sip.Request, tx sip.ServerTransaction) {
	c := t.findCall(req)
	if c == nil || c.ss == nil || !t.mayChange(sourceOf(req), c) {
		return // ACK to a re-INVITE's 200 or a stray one: nothing to do
	}
	if err := c.ss.ReadAck(req, tx); err != nil && !errors.Is(err, sipgo.ErrDialogInvalidCseq) {
		t.log.Debug("ack", "call_id", c.ID(), "err", err)
	}
}

func (t *Trunk) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		t.onReinvite(req, tx)
		return
	}
	trusted := t.trusts(sourceOf(req))
	if !trusted {
		if t.set.InboundUsername == "" {
			t.refuse(req, tx, "not in sip.trusted")
			return
		}
		switch t.authenticate(req) {
		case authNone:
			t.respond(req, tx, sip.StatusUnauthorized, "Unauthorized",
				sip.NewHeader("WWW-Authenticate", t.challenge().String()))
			return
		case authBad:
			t.refuse(req, tx, "wrong digest credentials")
			return
		}
	}
	done, ok := t.track()
	if !ok {
		t.respond(req, tx, sip.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	defer done()
	t.takeCall(req, tx, trusted)
}

// takeCall offers a new call to the Handler and makes sure it gets a final
// response. The caller's identity is taken only from a trusted source.
func (t *Trunk) takeCall(req *sip.Request, tx sip.ServerTransaction, trusted bool) {
	rt, err := t.runtime()
	if err != nil {
		t.respond(req, tx, sip.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	if ct := req.ContentType(); len(req.Body()) == 0 || (ct != nil && !isSDP(ct.Value())) {
		// We only answer offers; late offer (SDP in the ACK) is not supported.
		t.respond(req, tx, sip.StatusNotAcceptableHere, "Not Acceptable Here")
		return
	}
	ss, err := rt.dua.ReadInvite(req, tx)
	if err != nil {
		t.log.Debug("bad invite", "err", err)
		t.respond(req, tx, sip.StatusBadRequest, "Bad Request")
		return
	}
	callID := string(*req.CallID())
	localTag, _ := ss.InviteRequest.To().Params.Get("tag")
	remoteTag, _ := req.From().Params.Get("tag")
	from := ""
	if trusted {
		from = callerOf(req)
	}
	in := &Incoming{
		CallID:    callID,
		From:      from,
		To:        calleeOf(req),
		Offer:     req.Body(),
		Trusted:   trusted,
		src:       sourceOf(req),
		t:         t,
		rt:        rt,
		ss:        ss,
		key:       dialogKey(callID, localTag, remoteTag),
		cancelled: make(chan struct{}),
	}
	ctx, cancel := context.WithCancel(rt.ctx)
	defer cancel()
	// The context ends before Cancelled closes, so that a handler woken by
	// Cancelled finds its context done too.
	if !tx.OnCancel(func(*sip.Request) { cancel(); in.markCancelled() }) {
		return // already cancelled or gone
	}
	// One line per call is the bridge's; ours are for debugging.
	t.log.Debug("incoming call", "call_id", callID, "from", t.redact(in.From), "to", t.redact(in.To), "trusted", trusted)

	if t.h != nil {
		t.h.Incoming(ctx, in)
	}
	in.mu.Lock()
	decided := in.decided
	in.decided = true
	in.mu.Unlock()
	if !decided {
		select {
		case <-in.cancelled:
		default:
			t.log.Debug("handler left call unanswered", "call_id", callID)
			_ = in.ss.Respond(sip.StatusTemporarilyUnavailable, "Temporarily Unavailable", nil)
		}
	}
}

// callerOf is the caller's user: P-Asserted-Identity wins over From.
func callerOf(req *sip.Request) string {
	if h := req.GetHeader("P-Asserted-Identity"); h != nil {
		if u := userOf(h.Value()); u != "" {
			return u
		}
	}
	if f := req.From(); f != nil {
		return userOf(f.Value())
	}
	return ""
}

// calleeOf is the called user: the Request-URI, else the To header.
func calleeOf(req *sip.Request) string {
	if u := userOf(req.Recipient.String()); u != "" {
		return u
	}
	if to := req.To(); to != nil {
		return userOf(to.Value())
	}
	return ""
}
