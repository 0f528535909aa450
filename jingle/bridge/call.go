package bridge

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

type direction string

const (
	outbound direction = "outbound" // XMPP user calls a phone
	inbound  direction = "inbound"  // a phone calls an XMPP user
)

// side says which party ended a call, so that only the other is told.
type side int

const (
	sideNone side = iota // the gateway itself (timeout, failure, shutdown)
	sideXMPP
	sideSIP
)

// call is one bridged call. Its goroutine (dial for outbound, ring for
// inbound) owns the SIP side; Jingle stanzas arrive on component workers
// and are serialised by mu.
type call struct {
	b   *Bridge
	log *slog.Logger
	sid string
	dir direction
	jmi bool // set up with XEP-0353 (else a bare session-initiate)

	numberJID string  // the phone's JID: our address towards the user
	addressed string  // calls without JMI: the JID the user's session-initiate went to
	user      jid.JID // the user's full JID, once known
	owner     jid.JID // the user's bare JID
	from, to  string  // E.164 (or SIP user) of caller and callee, for the record
	// inbound calls: how long they ring, and whether voicemail takes them
	// then (the owner's settings, else the gateway's)
	ringFor     time.Duration
	voicemailOn bool
	greeting    []int16 // what voicemail plays: the owner's, else the gateway's (reserveVoicemail)

	ctx    context.Context // ends with the call
	cancel context.CancelFunc

	mu  sync.Mutex
	leg *media.Leg
	// the plain RTP leg, for clients without DTLS (plain.go): its
	// candidates, our content's name and creator, the payload types
	// offered, and the peer's ICE credentials
	plain        *media.PlainLeg
	plainLocal   []jingle.Candidate
	plainContent string
	plainCreator jingle.Creator
	plainCodecs  []media.Codec
	plainUfrag   string
	plainPwd     string
	rtp          *media.RTPConn
	sip          PhoneCall
	rtp2         *media.RTPConn            // forwarded calls: the socket towards the target
	sip2         PhoneCall                 // forwarded calls: the target's leg
	sipCodecs    []media.Codec             // the trunk's payload types
	remote       bool                      // the Jingle leg has the peer's description
	early        []webrtc.ICECandidateInit // peer candidates before that
	signalled    bool                      // our session-initiate/accept was acknowledged
	local        []string                  // our candidates before that
	mid          string                    // our content's name, ufrag and pwd, for trickling
	ufrag        string
	pwd          string
	ringing      map[string]bool  // inbound: resources that rang
	sessionUp    bool             // a Jingle session exists (initiate sent or received)
	held         bool             // the phone has put the call on hold
	retracted    bool             // inbound: the owner's clients were told to stop ringing
	direct       bool             // inbound: rung with a session-initiate (no XEP-0353), which rings the client
	offered      []jingle.Content // our session-initiate's contents, by name (removeRinging)
	handedFrom   jid.JID          // inbound: the client rung directly that handOver ended
	mixedRing    bool             // inbound: XEP-0353 clients were rung alongside the one rung directly
	mixed        bool             // inbound: both still ring; the first to answer takes the call (direct.go)
	handoverTo   jid.JID          // inbound: the XEP-0353 client that took the call from the one rung directly, until ring hands it over
	withdrawn    bool             // inbound: that session was ended unanswered; the call went on to voicemail
	reason       *jingle.Reason   // why it ended; nil while it goes on

	jingleReady chan struct{} // outbound: the Jingle answer is ready; inbound: session-accept came
	proceeded   chan jid.JID  // inbound: the resource that took the call
	handover    chan struct{} // inbound: handoverTo is set
	rejected    chan *jingle.Reason

	start, answered time.Time
	done            chan struct{}

	slot *slot  // its share of the limits, given back by end
	vmID string // the voicemail reservation, once voicemail took the call

	// bill is the call's ledger event, set before the call is opened;
	// nil when it is free. talkFrom (the Clock's time of the answer),
	// billed (seconds reserved so far) and billCap (the most to settle:
	// the call was ended when its credit ran out) are guarded by mu.
	bill     *billing.Event
	billIn   *billing.Event // forwarded calls: the caller's leg, where inbound calls are priced
	talkFrom time.Time
	billed   int64
	billCap  int64
}

func (b *Bridge) newCall(sid string, dir direction, numberJID string) *call {
	ctx, cancel := context.WithCancel(b.base)
	return &call{
		b: b, sid: sid, dir: dir, numberJID: numberJID,
		log:         b.log.With("call", sid, "direction", string(dir)),
		ctx:         ctx,
		cancel:      cancel,
		ringing:     map[string]bool{},
		jingleReady: make(chan struct{}),
		proceeded:   make(chan jid.JID, 1),
		handover:    make(chan struct{}, 1),
		rejected:    make(chan *jingle.Reason, 1),
		start:       time.Now(),
		done:        make(chan struct{}),
	}
}

// self is the address call signalling comes from: the number JID at the
// gateway's Resource, or for a session the user initiated without JMI the
// very JID it went to, which the client keys the session by. Chat messages
// (missed calls, voicemail) come from the bare numberJID, like texts.
func (c *call) self() string {
	if c.addressed != "" {
		return c.addressed
	}
	if c.b.set.Resource == "" {
		return c.numberJID
	}
	return c.numberJID + "/" + c.b.set.Resource
}

// peer is the user's full JID (set once the user is known).
func (c *call) peer() jid.JID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user
}

// end finishes the call once: it tells the side that did not end it,
// frees media and records the call.
func (c *call) end(by side, reason *jingle.Reason) {
	if reason == nil {
		reason = jingle.NewReason(jingle.Success, "")
	}
	c.mu.Lock()
	if c.reason != nil {
		c.mu.Unlock()
		return
	}
	c.reason = reason
	sessionUp, sip, leg, plain, rtp, retracted := c.sessionUp, c.sip, c.leg, c.plain, c.rtp, c.retracted
	mixed := c.mixed
	sip2, rtp2, answered := c.sip2, c.rtp2, c.answered
	c.mu.Unlock()
	c.cancel()
	ringing := c.ringingDirect()

	// Telling the other side must outlive the call's own context.
	ctx, cancel := context.WithTimeout(context.Background(), c.b.set.SendTimeout)
	defer cancel()
	if by != sideXMPP {
		switch {
		case sessionUp && ringing:
			c.removeRinging(ctx, c.peer(), reason)
		case sessionUp:
			if err := c.sendJingle(ctx, &jingle.Jingle{Action: jingle.SessionTerminate, Reason: reason}); err != nil {
				c.log.Debug("bridge: session-terminate not acknowledged", "err", err)
			}
		case c.jmi && c.dir == outbound:
			c.sendJMI(ctx, c.peer().String(), &jingle.Reject{ID: c.sid, Reason: reason})
		case c.jmi && c.dir == inbound && !retracted:
			c.sendJMI(ctx, c.owner.String(), &jingle.Retract{ID: c.sid, Reason: reason})
		}
		if sessionUp && mixed && !retracted {
			// The XEP-0353 clients ringing beside the direct session.
			c.sendJMI(ctx, c.owner.String(), &jingle.Retract{ID: c.sid, Reason: reason})
		}
	}
	if by != sideSIP && sip != nil {
		if err := sip.Hangup(ctx); err != nil {
			c.log.Debug("bridge: BYE failed", "err", err)
		}
	}
	hangupAll(ctx, sip2) // Hangup does nothing to a leg that has ended
	if rtp2 != nil {
		_ = rtp2.Close()
	}
	if plain != nil {
		_ = plain.Close()
	}
	if leg != nil {
		_ = leg.Close()
	}
	if rtp != nil {
		_ = rtp.Close()
	}
	c.b.remove(c)
	c.slot.release()
	rec := store.CDR{ID: c.sid, Direction: string(c.dir), From: c.from, To: c.to, JID: c.owner.String(),
		Start: c.start, Answer: answered, End: time.Now(), Reason: string(reason.Condition)}
	if err := c.b.store.EndCall(ctx, rec, c.b.retention()); err != nil {
		c.log.Warn("bridge: cannot record the call", "err", err)
	}
	c.settle(ctx)
	// The one line per call at info level: a flood of calls is not
	// multiplied in the logs.
	c.log.Info("bridge: call ended", "from", c.b.redact(c.from), "to", c.b.redact(c.to), "reason", reason.String(), "duration", rec.Duration().Round(time.Millisecond))
	close(c.done)
}

// setAnswered keeps sc, the phone leg that just answered. When the call
// ended while the phone was being answered, end found no leg to hang up:
// setAnswered hangs sc up and reports false.
func (c *call) setAnswered(sc PhoneCall) bool {
	answered := time.Now()
	c.mu.Lock()
	c.sip, c.answered = sc, answered
	ended := c.reason != nil
	metered := !ended && c.startMeteringLocked()
	c.mu.Unlock()
	if ended {
		ctx, cancel := context.WithTimeout(context.Background(), c.b.set.SendTimeout)
		defer cancel()
		_ = sc.Hangup(ctx)
	}
	if metered && c.b.track() {
		go c.meter()
	}
	if !ended {
		c.answeredNow(answered)
	}
	return !ended
}

// watchSIP follows the trunk side of an established call: its hangup ends
// the call, its re-INVITEs (hold, resume) reach the user.
func (c *call) watchSIP(sc PhoneCall) {
	sc.OnReinvite(c.remoteReinvite)
	go func() {
		select {
		case <-sc.Done():
			if sc.EndedByRemote() {
				c.end(sideSIP, jingle.NewReason(jingle.Success, ""))
			}
		case <-c.ctx.Done():
		}
	}()
}

// listenRTP opens a SIP-side RTP socket; the sources it drops (strict RTP)
// are logged as this call's.
func (c *call) listenRTP() (*media.RTPConn, error) {
	conn, err := media.ListenRTP(c.b.set.RTPAddr, c.b.set.Ports)
	if err != nil {
		return nil, err
	}
	conn.SetLogger(c.log)
	return conn, nil
}

// remoteReinvite answers the trunk's re-INVITE and tells the user when the
// phone puts the call on hold (sendonly, inactive) or resumes it.
func (c *call) remoteReinvite(offer []byte) ([]byte, error) {
	sm, err := ParsePlainSDP(offer)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	conn, held := c.rtp, c.held
	c.held = sm.Dir == "sendonly" || sm.Dir == "inactive"
	changed := held != c.held
	info := jingle.InfoActive
	if c.held {
		info = jingle.InfoHold
	}
	c.mu.Unlock()
	if conn == nil {
		return nil, errors.New("bridge: no media for this call")
	}
	conn.SetPeer(sm.Addr, c.b.set.TrustedMedia)
	if changed {
		// The SIP goroutine must not wait for the user's answer.
		go func() {
			if err := c.sendJingle(c.ctx, &jingle.Jingle{Action: jingle.SessionInfoAction, Info: []jingle.Info{jingle.NewInfo(info)}}); err != nil {
				c.log.Debug("bridge: session-info not acknowledged", "err", err)
			}
		}()
	}
	return PlainSDP(c.b.set.PublicIP, conn.LocalAddr().Port(), sm.Codecs, answerDirection(sm.Dir)), nil
}
