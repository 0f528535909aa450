package trunk

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Retry delays after a failed REGISTER: doubling from the first to the last.
const (
	registerRetryMin = time.Second
	registerRetryMax = 60 * time.Second
	minRefresh       = time.Second
)

// registration is one binding: Call-ID and CSeq stay across refreshes as
// RFC 3261 10.2 asks.
type registration struct {
	callID  string
	cseq    uint32
	fromTag string
}

// registerLoop registers, refreshes at half the granted expiry, retries
// with backoff, and un-REGISTERs when rt.ctx is done.
func (t *Trunk) registerLoop(rt *runtime) {
	reg := &registration{callID: sip.GenerateTagN(24), cseq: 1, fromTag: sip.GenerateTagN(16)}
	retry := registerRetryMin
	for {
		granted, err := t.register(rt.ctx, rt, reg, t.set.RegisterExpiry)
		var wait time.Duration
		if err != nil {
			if rt.ctx.Err() != nil {
				break
			}
			t.registered.Store(false)
			t.log.Warn("register failed", "err", err, "retry_in", retry)
			wait = retry
			retry = min(2*retry, registerRetryMax)
		} else {
			if !t.registered.Swap(true) {
				t.log.Info("registered", "trunk", t.trunkURI.HostPort(), "expires", granted)
			} else {
				t.log.Debug("registration refreshed", "expires", granted)
			}
			retry = registerRetryMin
			wait = max(granted/2, minRefresh)
		}
		timer := time.NewTimer(wait)
		select {
		case <-rt.ctx.Done():
			timer.Stop()
		case <-timer.C:
			continue
		}
		break
	}
	if !t.registered.Swap(false) {
		return // nothing to take back
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if _, err := t.register(ctx, rt, reg, 0); err != nil {
		t.log.Warn("un-register failed", "err", err)
		return
	}
	t.log.Info("unregistered")
}

// register sends one REGISTER asking for expiry (0 removes the binding),
// answers a digest challenge, and returns the granted expiry.
func (t *Trunk) register(ctx context.Context, rt *runtime, reg *registration, expiry time.Duration) (time.Duration, error) {
	req := t.newRegister(rt, reg, expiry)
	res, err := rt.cli.Do(ctx, req)
	if err != nil {
		return 0, wrapErr("register", err)
	}
	if isChallenge(res) {
		auth, err := t.authorize(req, res)
		if err != nil {
			return 0, err
		}
		reg.cseq = auth.CSeq().SeqNo
		// authorize took the Via off; the default build puts a new one on.
		res, err = rt.cli.Do(ctx, auth)
		if err != nil {
			return 0, wrapErr("register", err)
		}
	}
	if !res.IsSuccess() {
		return 0, fmt.Errorf("trunk: register refused: %d %s", res.StatusCode, res.Reason)
	}
	return grantedExpiry(res, rt.contact.Address, expiry), nil
}

func (t *Trunk) newRegister(rt *runtime, reg *registration, expiry time.Duration) *sip.Request {
	u := t.trunkURI
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: u.Scheme, Host: u.Host, Port: u.Port, UriParams: u.UriParams.Clone()})
	// The address of record is the user at the registrar's domain.
	aor := sip.Uri{Scheme: u.Scheme, User: t.set.Username, Host: u.Host}
	from := &sip.FromHeader{Address: aor}
	from.Params.Add("tag", reg.fromTag)
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor})
	cid := sip.CallIDHeader(reg.callID)
	req.AppendHeader(&cid)
	reg.cseq++
	req.AppendHeader(&sip.CSeqHeader{SeqNo: reg.cseq, MethodName: sip.REGISTER})
	contact := rt.contact
	contact.Address.User = t.set.Username
	contact.Params = sip.NewParams()
	req.AppendHeader(&contact)
	secs := strconv.Itoa(int(expiry / time.Second))
	req.AppendHeader(sip.NewHeader("Expires", secs))
	req.AppendHeader(sip.NewHeader("User-Agent", t.set.UserAgent))
	if tr, ok := u.UriParams.Get("transport"); ok && tr != "" {
		req.SetTransport(tr)
	}
	return req
}

// grantedExpiry reads the lifetime the registrar granted: the expires
// parameter of our Contact in the 2xx, else its Expires header, else what we
// asked for.
func grantedExpiry(res *sip.Response, ours sip.Uri, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		ct, ok := h.(*sip.ContactHeader)
		if !ok || !sameHostPort(ct.Address, ours) {
			continue
		}
		if v, ok := ct.Params.Get("expires"); ok {
			if d, ok := parseSeconds(v); ok {
				return d
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if d, ok := parseSeconds(h.Value()); ok {
			return d
		}
	}
	return asked
}

func sameHostPort(a, b sip.Uri) bool {
	return strings.EqualFold(a.Host, b.Host) && a.Port == b.Port
}

// parseSeconds reads a delta-seconds value (RFC 3261 25.1), capped at a
// day so that the refresh timer stays sane.
func parseSeconds(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 10 {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, false
	}
	return min(time.Duration(n)*time.Second, 24*time.Hour), true
}
