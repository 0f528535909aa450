package trunk

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// The trust boundary: who may start or change calls. Requests that start
// calls (INVITE) come only from Settings.Trusted, or with valid digest
// credentials when inbound ones are set; requests inside a dialog only
// from a trusted source or the dialog's own peer. Everything else gets
// 403, logged once per source per interval.

const (
	// refusalInterval is how often the count of refused and malformed
	// traffic is logged per source.
	refusalInterval = time.Minute
	// maxRateSources bounds the sources counted one by one: spoofed UDP
	// sources beyond it share one line.
	maxRateSources = 1024
	// nonceLifetime is how long a digest challenge can be answered.
	nonceLifetime = 5 * time.Minute
	// resolveTimeout bounds the lookup of the trunk host at start.
	resolveTimeout = 10 * time.Second
)

const (
	sipgoPrefix  = "sipgo: " // sipgo's own messages, counted per message
	msgRefused   = "sip: refused a request from an untrusted source"
	msgMalformed = "sip: dropped a malformed datagram"
)

// resolveTrusted returns the trusted blocks: the configured ones, else
// the trunk host's addresses.
func (t *Trunk) resolveTrusted(ctx context.Context) ([]netip.Prefix, error) {
	if len(t.set.Trusted) > 0 {
		return parseTrusted(t.set.Trusted) // checked in New
	}
	host := strings.TrimSuffix(strings.TrimPrefix(t.trunkURI.Host, "["), "]")
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		return []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, fmt.Errorf("trunk: resolve the trunk host %s, whose addresses sip.trusted defaults to (list them in sip.trusted): %v", host, err)
	}
	out := make([]netip.Prefix, 0, len(addrs))
	for _, a := range addrs {
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// sourceOf is the IP address a request came from (the UDP source, not
// anything the message says about itself).
func sourceOf(req *sip.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// Trusts reports whether addr is in the trusted list ([sip] trusted, or
// the trunk host's addresses), for the media side's latching rule. It is
// false for every address until Run has resolved the list.
func (t *Trunk) Trusts(addr netip.Addr) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.trusts(addr)
}

// trusts reports whether src is in the trusted list.
func (t *Trunk) trusts(src netip.Addr) bool {
	if !src.IsValid() {
		return false
	}
	for _, p := range t.trusted {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// mayChange reports whether src may send requests inside the dialog of
// c: a trusted source, or the peer that set the dialog up.
func (t *Trunk) mayChange(src netip.Addr, c *Call) bool {
	return t.trusts(src) || (src.IsValid() && src == c.peer)
}

// refuse answers 403 and logs the refusal once per source per interval.
func (t *Trunk) refuse(req *sip.Request, tx sip.ServerTransaction, why string) {
	t.respond(req, tx, sip.StatusForbidden, "Forbidden")
	src := sourceOf(req)
	if t.rate.first(src, msgRefused) {
		t.log.Warn(msgRefused, "source", srcString(src), "method", req.Method.String(), "reason", why,
			"note", fmt.Sprintf("repeats are counted and logged every %v", refusalInterval))
	}
}

func srcString(a netip.Addr) string {
	if !a.IsValid() {
		return "many sources"
	}
	return a.String()
}

// readFilter drops datagrams that are not SIP before sipgo sees them, so
// that a flood of them logs a line per source per interval instead of an
// error per datagram. It never returns an error: that would stop the
// listener.
func (t *Trunk) readFilter(props sip.TransportReadProps, data []byte) ([]byte, error) {
	if len(data) <= 4 && len(bytes.Trim(data, "\r\n")) == 0 {
		return data, nil // keepalive
	}
	if _, err := t.parser.ParseSIP(data); err == nil {
		return data, nil
	}
	var src netip.Addr
	if ua, ok := props.RemoteAddr.(*net.UDPAddr); ok {
		src, _ = netip.AddrFromSlice(ua.IP)
		src = src.Unmap()
	}
	if t.rate.first(src, msgMalformed) {
		t.log.Warn(msgMalformed, "source", srcString(src), "bytes", len(data),
			"note", fmt.Sprintf("repeats are counted and logged every %v", refusalInterval))
	}
	return nil, nil
}

// flushRefusals logs, every interval, how many refusals and malformed
// datagrams each source sent since its first line.
func (t *Trunk) flushRefusals(ctx context.Context) {
	tick := time.NewTicker(t.rateInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			t.logRepeats()
			return
		case <-tick.C:
			t.logRepeats()
		}
	}
}

func (t *Trunk) logRepeats() {
	for k, n := range t.rate.flush() {
		if strings.HasPrefix(k.msg, sipgoPrefix) { // not per source
			t.log.Warn(k.msg, "repeats", n, "within", t.rateInterval.String())
			continue
		}
		t.log.Warn(k.msg, "source", srcString(k.src), "repeats", n, "within", t.rateInterval.String())
	}
}

// rateKey is one kind of event from one source; the zero source stands
// for sources beyond maxRateSources (and for sipgo's own warnings).
type rateKey struct {
	src netip.Addr
	msg string
}

// rateLog counts repeated events so that each is logged once per source
// per interval, with a count.
type rateLog struct {
	mu   sync.Mutex
	seen map[rateKey]int // repeats since the last line
}

// first reports whether this event is the first of its kind from src in
// the current interval (log it); otherwise it is counted.
func (r *rateLog) first(src netip.Addr, msg string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[rateKey]int{}
	}
	k := rateKey{src, msg}
	if _, ok := r.seen[k]; !ok && len(r.seen) >= maxRateSources {
		k.src = netip.Addr{}
	}
	if n, ok := r.seen[k]; ok {
		r.seen[k] = n + 1
		return false
	}
	r.seen[k] = 0
	return true
}

// flush returns the repeats of the interval that ended. Sources still
// repeating stay known, so that a steady flood logs one count per
// interval and no new first line; quiet ones are forgotten.
func (r *rateLog) flush() map[rateKey]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[rateKey]int{}
	for k, n := range r.seen {
		if n == 0 {
			delete(r.seen, k)
			continue
		}
		out[k] = n
		r.seen[k] = 0
	}
	return out
}

// Inbound digest authentication (RFC 3261 22.4 with RFC 2617 qop=auth).
// Nonces are stateless: a time stamp and its HMAC under a key made at
// New, good for nonceLifetime.

// challenge is a fresh 401 challenge for our realm.
func (t *Trunk) challenge() *digest.Challenge {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(time.Now().Unix()))
	mac := hmac.New(sha256.New, t.nonceKey)
	mac.Write(ts[:])
	nonce := base64.RawURLEncoding.EncodeToString(append(ts[:], mac.Sum(nil)[:16]...))
	return &digest.Challenge{Realm: t.set.Domain, Nonce: nonce, Algorithm: "MD5", QOP: []string{"auth"}}
}

// nonceFresh reports whether nonce is one of ours and still good.
func (t *Trunk) nonceFresh(nonce string) bool {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 8+16 {
		return false
	}
	mac := hmac.New(sha256.New, t.nonceKey)
	mac.Write(b[:8])
	if !hmac.Equal(mac.Sum(nil)[:16], b[8:]) {
		return false
	}
	age := time.Since(time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0))
	return age >= -time.Minute && age <= nonceLifetime
}

// authResult is what an INVITE's credentials amount to.
type authResult int

const (
	authNone  authResult = iota // no credentials: challenge
	authBad                     // wrong or stale: refuse
	authValid                   // right credentials
)

// authenticate checks the INVITE's Authorization header against the
// inbound credentials.
func (t *Trunk) authenticate(req *sip.Request) authResult {
	h := req.GetHeader("Authorization")
	if h == nil {
		return authNone
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Realm != t.set.Domain || !t.nonceFresh(cred.Nonce) {
		return authBad
	}
	if cred.QOP != "" && cred.QOP != "auth" {
		return authBad
	}
	chal := &digest.Challenge{Realm: cred.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(chal, digest.Options{
		Method: req.Method.String(), URI: cred.URI,
		Username: t.set.InboundUsername, Password: t.set.InboundPassword,
		Cnonce: cred.Cnonce, Count: cred.Nc,
	})
	if err != nil {
		return authBad
	}
	userOK := subtle.ConstantTimeCompare([]byte(cred.Username), []byte(t.set.InboundUsername)) == 1
	respOK := subtle.ConstantTimeCompare([]byte(cred.Response), []byte(want.Response)) == 1
	if !userOK || !respOK || !t.usedOnce(cred.Response) {
		return authBad
	}
	return authValid
}

// maxUsedResponses bounds the replay memory; beyond it, new calls are
// refused until old responses expire, which only a flood of valid
// credentials can cause.
const maxUsedResponses = 10000

// usedOnce records a digest response and reports whether it is new: a
// captured Authorization header cannot start a second call. (Retransmitted
// INVITEs never get here: the transaction layer absorbs them.)
func (t *Trunk) usedOnce(response string) bool {
	t.usedMu.Lock()
	defer t.usedMu.Unlock()
	now := time.Now()
	if t.used == nil {
		t.used = map[string]time.Time{}
	}
	if len(t.used) >= maxUsedResponses {
		for r, at := range t.used {
			if now.Sub(at) > nonceLifetime+time.Minute {
				delete(t.used, r)
			}
		}
	}
	if _, ok := t.used[response]; ok || len(t.used) >= maxUsedResponses {
		return false
	}
	t.used[response] = now
	return true
}
