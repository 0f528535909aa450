package bridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// ErrNoCall is returned for a Jingle stanza about no call the bridge knows.
var ErrNoCall = errors.New("bridge: unknown session")

// XMPP sends stanzas from the gateway's addresses (component.Component).
type XMPP interface {
	Send(ctx context.Context, v any) error
	IQ(ctx context.Context, typ stanza.IQType, from, to string, payload any) error
}

// Store is the state the bridge keeps in Redis.
type Store interface {
	Route(ctx context.Context, jid, to string) (from, recipient store.Binding, err error)
	Lookup(ctx context.Context, number string) (store.Binding, error)
	ClaimCall(ctx context.Context, id, owner string, ttl time.Duration) error
	Heartbeat(ctx context.Context, ids []string, ttl time.Duration) error
	Orphans(ctx context.Context) ([]string, error)
	EndCall(ctx context.Context, r store.CDR, keep store.Retention) error
	// CallAnswered keeps an answered call's record and what its billing
	// needs (meter, opaque) for the instance that may find it orphaned;
	// AnsweredCall returns them (store.ErrNotFound: never answered).
	CallAnswered(ctx context.Context, r store.CDR, meter []byte, ttl time.Duration) error
	AnsweredCall(ctx context.Context, id string) (r store.CDR, meter []byte, err error)
}

// MediaStore keeps files the gateway hosts for a while, and the
// voicemail ledger that bounds them across instances (store.Store).
type MediaStore interface {
	PutMedia(ctx context.Context, id, contentType string, data []byte, ttl time.Duration) error
	ReserveVoicemail(ctx context.Context, now time.Time, id, number string, size int64, expiry time.Time, lim store.VoicemailLimits) error
	SettleVoicemail(ctx context.Context, now time.Time, id string, size int64, expiry time.Time) error
	ReleaseVoicemail(ctx context.Context, id string) error
}

// Settings configure a Bridge. Zero values take the defaults noted.
type Settings struct {
	Domain        jid.JID // the gateway's domain
	DefaultRegion string  // for caller numbers written without +
	// Resource, when set, is the resource of the number JIDs that call
	// signalling comes from (component.Resource): clients that track
	// presence per resource match calls to the contact they show online.
	Resource string

	RTPAddr  netip.Addr      // address the SIP-side RTP sockets bind to
	PublicIP netip.Addr      // advertised in SDP to the trunk instead of RTPAddr
	Ports    media.PortRange // RTP ports for the SIP side
	WebRTC   *media.WebRTC   // makes the Jingle-side legs
	// Plain makes plain RTP legs for clients whose offer has no DTLS
	// fingerprint (Gajim), and for calls to clients whose disco#info
	// lacks DTLS; nil ([media] plain_rtp = false): such offers are
	// refused and every client is offered DTLS.
	Plain *media.Plain
	// TrustedMedia accepts the IPs, besides the one in the peer's SDP,
	// that a SIP-side RTP socket may lock onto (symmetric RTP behind NAT;
	// see media.RTPConn); nil: the SDP's IP only.
	TrustedMedia func(netip.Addr) bool

	RingTimeout time.Duration // inbound calls ring this long; default 30s

	Voicemail    bool          // unanswered and declined calls go to voicemail
	VoicemailMax time.Duration // longest recording; default 2m
	Greeting     []int16       // 8 kHz PCM played before recording; default Beep()
	Media        MediaStore    // keeps recordings for clients to fetch
	MediaURL     string        // public base URL; recordings are at MediaURL/media/<id>.wav
	MediaTTL     time.Duration // how long recordings are kept; default 72h

	// Limits (the [calls] keys of the same names); zero takes the default.
	MaxCalls                int   // calls at once, both directions; default 100
	MaxCallsPerNumber       int   // calls from phones at once to one number; default 4
	MaxCallsPerSource       int   // calls from phones at once from one address; default 10
	CallsPerMinutePerSource int   // new calls from phones a minute from one address; default 30
	MaxCallsPerUser         int   // calls to phones at once from one user; default 4
	VoicemailPerHour        int   // recordings per number in any hour; default 10
	VoicemailBudget         int64 // bytes of all stored recordings, across instances; default 64 MiB

	Instance     string        // this instance's id in Redis; default random
	OwnerTTL     time.Duration // call ownership lapses this long after a crash; default 30s
	MaxCDRs      int64         // length cap of the CDR stream; default 1,000,000
	CDRRetention time.Duration // older call records are trimmed; default 90 days
	SendTimeout  time.Duration // bound on one stanza round trip; default 10s

	// Destinations refuses numbers the operator's policy does not let
	// users call, or calls be forwarded to (a *policy.Refusal); nil
	// allows every number.
	Destinations policy.Policy

	// Meter, when set, prices calls (package billing): calls to phones
	// always, calls from phones where the rates price them. Nil: calls
	// are free.
	Meter Meter
	// BillingStep is how much of a call is reserved at a time, in whole
	// seconds ([billing] call_step); default 60s.
	BillingStep time.Duration
	// Clock meters talk time and schedules credit extensions; default
	// the system's.
	Clock Clock

	FullNumbers bool // log whole phone numbers
	Logger      *slog.Logger
}

func (s *Settings) defaults() {
	if s.RingTimeout <= 0 {
		s.RingTimeout = defaultRingTimeout
	}
	if s.Instance == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		s.Instance = "gw-" + hex.EncodeToString(b[:])
	}
	if s.OwnerTTL <= 0 {
		s.OwnerTTL = 30 * time.Second
	}
	if s.MaxCDRs <= 0 {
		s.MaxCDRs = 1_000_000
	}
	if s.CDRRetention <= 0 {
		s.CDRRetention = defaultCDRRetention
	}
	if s.SendTimeout <= 0 {
		s.SendTimeout = 10 * time.Second
	}
	if s.VoicemailMax <= 0 {
		s.VoicemailMax = defaultVoicemailMax
	}
	if len(s.Greeting) == 0 {
		s.Greeting = Beep()
	}
	if s.MediaTTL <= 0 {
		s.MediaTTL = 72 * time.Hour
	}
	for _, l := range []struct {
		v   *int
		def int
	}{
		{&s.MaxCalls, defaultMaxCalls}, {&s.MaxCallsPerNumber, defaultMaxPerNumber},
		{&s.MaxCallsPerSource, defaultMaxPerSource}, {&s.CallsPerMinutePerSource, defaultPerMinute},
		{&s.MaxCallsPerUser, defaultMaxPerUser}, {&s.VoicemailPerHour, defaultVoicemailPerHour},
	} {
		if *l.v <= 0 {
			*l.v = l.def
		}
	}
	if s.VoicemailBudget <= 0 {
		s.VoicemailBudget = defaultVoicemailBudget
	}
	if s.BillingStep < time.Second {
		s.BillingStep = defaultBillingStep
	}
	if s.Clock == nil {
		s.Clock = systemClock{}
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if !s.PublicIP.IsValid() {
		s.PublicIP = s.RTPAddr
	}
}

// Bridge joins Jingle calls and SIP calls. It implements component.Calls
// and trunk.Handler.
type Bridge struct {
	set    Settings
	log    *slog.Logger
	redact func(string) string // phone numbers in logs
	xmpp   XMPP
	sip    Dialer
	store  Store
	limits *limiter

	mu      sync.Mutex
	calls   map[string]*call // by Jingle session id
	stopped bool             // Run is ending: no new call goroutines
	wg      sync.WaitGroup   // call goroutines
	base    context.Context  // cancelled by Run's end: ends every call
	stop    context.CancelFunc
}

// SetDialer sets the trunk calls go out through (it is built after the
// bridge, which is its Handler).
func (b *Bridge) SetDialer(d Dialer) { b.sip = d }

// New returns a Bridge; sip may be nil until SetDialer.
func New(set Settings, x XMPP, sip Dialer, st Store) *Bridge {
	set.defaults()
	base, stop := context.WithCancel(context.Background())
	return &Bridge{
		set: set, log: set.Logger.With("bridge", set.Domain.String()), redact: phone.Redactor(set.FullNumbers),
		xmpp: x, sip: sip, store: st, limits: newLimiter(&set),
		calls: map[string]*call{}, base: base, stop: stop,
	}
}

// Run keeps this instance's calls owned in Redis and ends calls whose owner
// died. When ctx ends it hangs up every call and returns.
func (b *Bridge) Run(ctx context.Context) error {
	t := time.NewTicker(b.set.OwnerTTL / 3)
	defer t.Stop()
	b.sweep(ctx)
	for {
		select {
		case <-ctx.Done():
			b.endAll()
			b.mu.Lock()
			b.stopped = true
			b.stop()
			b.mu.Unlock()
			b.wg.Wait()
			return nil
		case <-t.C:
			if err := b.store.Heartbeat(ctx, b.ids(), b.set.OwnerTTL); err != nil {
				b.log.Warn("bridge: cannot refresh call ownership", "err", err)
			}
			b.sweep(ctx)
		}
	}
}

// sweep records calls whose owner stopped refreshing them (it crashed):
// their media died with it, so all that is left is the record and, for a
// call that was answered, its charge.
func (b *Bridge) sweep(ctx context.Context) {
	ids, err := b.store.Orphans(ctx)
	if err != nil {
		b.log.Warn("bridge: cannot look for orphaned calls", "err", err)
		return
	}
	for _, id := range ids {
		if b.lookup(id) != nil {
			continue
		}
		b.endOrphan(ctx, id)
	}
}

// endOrphan ends call id, whose instance died. An answered call ran, as
// far as anyone can tell, until that instance was last alive: OwnerTTL
// before its ownership was found lapsed, give or take a heartbeat. Its
// talk time until then is charged (the ledger settles an id once, so a
// sweep that retries charges nothing twice) before the call is recorded;
// when the charge fails the call is left for the next sweep.
func (b *Bridge) endOrphan(ctx context.Context, id string) {
	now := time.Now()
	r, meter, err := b.store.AnsweredCall(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		r = store.CDR{ID: id, End: now}
	case err != nil:
		b.log.Warn("bridge: cannot read an orphaned call", "call", id, "err", err)
		return
	default:
		r.End = now.Add(-b.set.OwnerTTL)
		if r.End.Before(r.Answer) {
			r.End = r.Answer
		}
	}
	r.Reason = "owner-lost"
	b.log.Info("bridge: ending a call whose gateway instance died", "call", id, "talk", r.Duration().Round(time.Second))
	if meter != nil && !b.chargeOrphan(ctx, meter, r.Duration()) {
		return
	}
	if err := b.store.EndCall(ctx, r, b.retention()); err != nil {
		b.log.Warn("bridge: cannot record orphaned call", "call", id, "err", err)
	}
}

// endAll ends every live call, both legs told and each recorded, before
// the gateway lets go of XMPP, SIP and Redis.
func (b *Bridge) endAll() {
	b.mu.Lock()
	calls := make([]*call, 0, len(b.calls))
	for _, c := range b.calls {
		calls = append(calls, c)
	}
	b.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.end(sideNone, shuttingDown())
		}()
	}
	wg.Wait()
}

// Active returns the number of live calls.
func (b *Bridge) Active() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls)
}

func (b *Bridge) ids() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := make([]string, 0, len(b.calls))
	for id := range b.calls {
		ids = append(ids, id)
	}
	return ids
}

// errSessionInUse: a call with this session id is live already.
var errSessionInUse = errors.New("bridge: session id in use")

func shuttingDown() *jingle.Reason {
	return jingle.NewReason(jingle.GeneralError, "the gateway is shutting down")
}

// open makes c live: known here by its session id and owned by this
// instance in Redis. On failure c is cancelled and forgotten.
func (b *Bridge) open(ctx context.Context, c *call) error {
	if !b.add(c) {
		c.cancel()
		c.slot.release()
		return errSessionInUse
	}
	if err := b.store.ClaimCall(ctx, c.sid, b.set.Instance, b.set.OwnerTTL); err != nil {
		b.remove(c)
		c.cancel()
		c.slot.release()
		b.log.Error("bridge: cannot record the call", "err", err)
		return err
	}
	return nil
}

// openIncoming opens a call from the phone side and counts the goroutine
// that runs it (the caller must wg.Done); on failure the caller gets 503.
func (b *Bridge) openIncoming(ctx context.Context, c *call, in Incoming) bool {
	if err := b.open(ctx, c); err != nil {
		_ = in.Reject(503, "Service Unavailable")
		return false
	}
	if !b.track() {
		_ = in.Reject(503, "Service Unavailable")
		c.end(sideSIP, shuttingDown())
		return false
	}
	return true
}

// track counts a call goroutine about to start, unless Run is ending (then
// the caller ends the call instead): Add after Wait began would be a
// misuse of the WaitGroup.
func (b *Bridge) track() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return false
	}
	b.wg.Add(1)
	return true
}

func (b *Bridge) lookup(sid string) *call {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[sid]
}

// add registers c unless its session id is taken.
func (b *Bridge) add(c *call) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, dup := b.calls[c.sid]; dup || b.base.Err() != nil {
		return false
	}
	b.calls[c.sid] = c
	return true
}

func (b *Bridge) remove(c *call) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.calls[c.sid] == c {
		delete(b.calls, c.sid)
	}
}

func newSID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func ownerJID(s string) (jid.JID, error) {
	j, err := jid.Parse(s)
	if err != nil {
		return jid.JID{}, err
	}
	return j.Bare(), nil
}

// retention is how long and how many call records the stream keeps.
func (b *Bridge) retention() store.Retention {
	return store.Retention{MaxLen: b.set.MaxCDRs, MaxAge: b.set.CDRRetention}
}
