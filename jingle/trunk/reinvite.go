package trunk

import (
	"context"
	"fmt"
	"mime"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// OnReinvite sets the function that answers the far end's re-INVITEs (hold,
// resume, codec change): its answer goes in the 200 OK; an error, or no
// function, refuses the offer with 488. f runs on the SIP goroutine that
// received the request, so it should not block for long.
func (c *Call) OnReinvite(f func(offer []byte) (answer []byte, err error)) {
	c.mu.Lock()
	c.onReinvite = f
	c.mu.Unlock()
}

// Reinvite sends a re-INVITE with offer (e.g. a=sendonly for hold) and
// returns the SDP answer of the far end's 2xx, which it acknowledges. A
// final error response is returned as an error wrapping ErrReinvite and a
// *StatusError; the call goes on either way.
func (c *Call) Reinvite(ctx context.Context, offer []byte) ([]byte, error) {
	if c.ended() {
		return nil, fmt.Errorf("trunk: re-INVITE: call %s has ended", c.id)
	}
	c.reinviteMu.Lock()
	defer c.reinviteMu.Unlock()

	req := sip.NewRequest(sip.INVITE, c.remoteTarget())
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.AppendHeader(sip.NewHeader("User-Agent", c.t.set.UserAgent))
	req.SetBody(offer)
	var (
		res *sip.Response
		err error
	)
	if c.cs != nil {
		res, err = c.cs.Do(ctx, req)
	} else {
		res, err = c.ss.Do(ctx, req)
	}
	if err != nil {
		return nil, wrapErr("re-INVITE", err)
	}
	if !res.IsSuccess() {
		return nil, fmt.Errorf("%w: %w", ErrReinvite, &StatusError{Code: res.StatusCode, Reason: res.Reason})
	}
	// The ACK to a 2xx is ours to send; it carries the re-INVITE's CSeq
	// number, which buildReq takes from the dialog for ACKs.
	ack := sip.NewRequest(sip.ACK, c.remoteTarget())
	if c.cs != nil {
		err = c.cs.WriteRequest(ack)
	} else {
		err = c.ss.WriteRequest(ack)
	}
	if err != nil {
		return nil, wrapErr("re-INVITE ack", err)
	}
	c.t.log.Debug("re-INVITE answered", "call_id", c.id)
	return res.Body(), nil
}

// remoteTarget is where in-dialog requests go: the far end's Contact.
func (c *Call) remoteTarget() sip.Uri {
	if c.cs != nil {
		if ct := c.cs.InviteResponse.Contact(); ct != nil {
			return *ct.Address.Clone()
		}
		return *c.cs.InviteRequest.Recipient.Clone()
	}
	if ct := c.ss.InviteRequest.Contact(); ct != nil {
		return *ct.Address.Clone()
	}
	return sip.Uri{Scheme: "sip", Host: c.ss.InviteRequest.Source()}
}

// onReinvite answers an INVITE inside a dialog.
func (t *Trunk) onReinvite(req *sip.Request, tx sip.ServerTransaction) {
	c := t.findCall(req)
	if c == nil || !t.mayChange(sourceOf(req), c) {
		t.unknownDialog(req, tx)
		return
	}
	var err error
	if c.cs != nil {
		err = c.cs.ReadRequest(req, tx)
	} else {
		err = c.ss.ReadRequest(req, tx)
	}
	if err != nil {
		t.respond(req, tx, sip.StatusInternalServerError, "Bad CSeq")
		return
	}
	c.mu.Lock()
	f := c.onReinvite
	c.mu.Unlock()
	ct := req.ContentType()
	if f == nil || len(req.Body()) == 0 || (ct != nil && !isSDP(ct.Value())) {
		t.respond(req, tx, sip.StatusNotAcceptableHere, "Not Acceptable Here")
		return
	}
	answer, err := f(req.Body())
	if err != nil || len(answer) == 0 {
		t.log.Debug("re-INVITE refused", "call_id", c.id, "err", err)
		t.respond(req, tx, sip.StatusNotAcceptableHere, "Not Acceptable Here")
		return
	}
	res := sip.NewSDPResponseFromRequest(req, answer)
	var contact sip.Header = sip.HeaderClone(&c.rt.contact)
	res.AppendHeader(contact)
	if err := tx.Respond(res); err != nil {
		t.log.Warn("re-INVITE answer", "call_id", c.id, "err", err)
		return
	}
	t.log.Debug("re-INVITE accepted", "call_id", c.id)
}

// isSDP reports whether a Content-Type value is application/sdp.
func isSDP(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(ct))
	}
	return mt == "application/sdp"
}
