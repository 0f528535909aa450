package trunk

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// Dial calls the number to through the trunk from the number from (both
// E.164 strings like "+15551234567") with the SDP offer, and returns once
// the call is answered and acknowledged.
//
// progress, if not nil, is called with 180 and 183 provisional responses.
// A 401 or 407 challenge is answered once with Settings.Username and
// Password. When ctx is done before the answer, a CANCEL is sent and ctx's
// error returned. A final non-2xx response is returned as *StatusError.
func (t *Trunk) Dial(ctx context.Context, from, to string, offer []byte, progress func(code int)) (*Call, error) {
	rt, err := t.runtime()
	if err != nil {
		return nil, err
	}
	req, err := t.newInvite(from, to, offer)
	if err != nil {
		return nil, err
	}
	log := t.log.With("call_id", string(*req.CallID()), "from", t.redact(from), "to", t.redact(to))
	log.Debug("dialing")

	onResponse := func(res *sip.Response) error {
		if progress != nil && (res.StatusCode == 180 || res.StatusCode == 183) {
			progress(res.StatusCode)
		}
		return nil
	}
	var sess *sipgo.DialogClientSession
	for attempt := 0; ; attempt++ {
		sess, err = rt.dua.WriteInvite(ctx, req)
		if err != nil {
			return nil, wrapErr("invite", err)
		}
		err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: onResponse})
		var dr *sipgo.ErrDialogResponse
		if errors.As(err, &dr) && attempt == 0 && t.set.Password != "" && isChallenge(dr.Res) {
			// Retry once with credentials: a second challenge means they are wrong.
			req, err = t.authorize(req, dr.Res)
			if err != nil {
				sess.Close()
				return nil, err
			}
			log.Debug("answering challenge", "code", dr.Res.StatusCode)
			continue
		}
		break
	}
	if err != nil {
		sess.Close()
		if ctx.Err() != nil {
			log.Debug("dial cancelled")
			return nil, ctx.Err()
		}
		var dr *sipgo.ErrDialogResponse
		if errors.As(err, &dr) {
			log.Debug("call failed", "code", dr.Res.StatusCode)
			return nil, &StatusError{Code: dr.Res.StatusCode, Reason: dr.Res.Reason}
		}
		return nil, wrapErr("invite", err)
	}

	res := sess.InviteResponse
	toTag, _ := res.To().Params.Get("tag")
	fromTag, _ := req.From().Params.Get("tag")
	c := newCall(t, rt, string(*req.CallID()), dialogKey(string(*req.CallID()), fromTag, toTag), res.Body())
	c.cs = sess
	if ap, err := netip.ParseAddrPort(res.Source()); err == nil {
		c.peer = ap.Addr().Unmap()
	}
	t.addCall(c)
	c.watch(&sess.Dialog)
	if err := sess.Ack(ctx); err != nil {
		c.end("ack failed")
		return nil, wrapErr("ack", err)
	}
	log.Debug("call answered")
	if rt.ctx.Err() != nil {
		// Run stopped while we dialled and may have missed this call.
		_ = c.Hangup(context.WithoutCancel(ctx))
		return nil, ErrNotRunning
	}
	return c, nil
}

// newInvite builds the initial INVITE; sipgo fills in Via, CSeq and
// Max-Forwards.
func (t *Trunk) newInvite(from, to string, offer []byte) (*sip.Request, error) {
	u := t.trunkURI
	target := sip.Uri{Scheme: u.Scheme, User: to, Host: u.Host, Port: u.Port, UriParams: u.UriParams.Clone()}
	toURI := sip.Uri{Scheme: u.Scheme, User: to, Host: u.Host, Port: u.Port}
	if strings.HasPrefix(to, "sip:") || strings.HasPrefix(to, "sips:") {
		// A SIP URI (call forwarding to a SIP address) is called directly.
		if err := sip.ParseUri(to, &target); err != nil || target.Host == "" {
			return nil, fmt.Errorf("%w: %q is not a SIP URI", ErrBadTarget, to)
		}
		u, toURI = target, target
	}
	req := sip.NewRequest(sip.INVITE, target)

	fromURI := sip.Uri{Scheme: "sip", User: from, Host: t.set.Domain}
	fh := &sip.FromHeader{Address: fromURI}
	fh.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(fh)
	req.AppendHeader(&sip.ToHeader{Address: toURI})
	cid := sip.CallIDHeader(sip.GenerateTagN(32))
	req.AppendHeader(&cid)
	req.AppendHeader(sip.NewHeader("P-Asserted-Identity", "<"+fromURI.String()+">"))
	req.AppendHeader(sip.NewHeader("User-Agent", t.set.UserAgent))
	req.AppendHeader(sip.NewHeader("Allow", allowed))
	if len(offer) > 0 {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(offer)
	}
	if tr, ok := u.UriParams.Get("transport"); ok && tr != "" {
		req.SetTransport(tr)
	}
	return req, nil
}

func isChallenge(res *sip.Response) bool {
	switch res.StatusCode {
	case sip.StatusUnauthorized:
		return res.GetHeader("WWW-Authenticate") != nil
	case sip.StatusProxyAuthRequired:
		return res.GetHeader("Proxy-Authenticate") != nil
	}
	return false
}

// authorize returns a copy of req, the next request in the same
// transaction sequence (CSeq+1, new Via), answering the challenge in res.
func (t *Trunk) authorize(req *sip.Request, res *sip.Response) (*sip.Request, error) {
	chalHdr, credHdr := "WWW-Authenticate", "Authorization"
	if res.StatusCode == sip.StatusProxyAuthRequired {
		chalHdr, credHdr = "Proxy-Authenticate", "Proxy-Authorization"
	}
	h := res.GetHeader(chalHdr)
	if h == nil {
		return nil, fmt.Errorf("trunk: %d without %s", res.StatusCode, chalHdr)
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		return nil, fmt.Errorf("trunk: bad %s: %w", chalHdr, err)
	}
	chal.Algorithm = sip.ASCIIToUpper(chal.Algorithm)
	cred, err := digest.Digest(chal, digest.Options{
		Method:   req.Method.String(),
		URI:      req.Recipient.Addr(),
		Username: t.set.Username,
		Password: t.set.Password,
	})
	if err != nil {
		return nil, fmt.Errorf("trunk: digest: %w", err)
	}
	next := req.Clone()
	next.RemoveHeader("Via")
	next.RemoveHeader(credHdr)
	next.AppendHeader(sip.NewHeader(credHdr, cred.String()))
	if cs := next.CSeq(); cs != nil {
		cs.SeqNo++
	}
	return next, nil
}
