package bridge

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// The fakes below are the least the inbound path needs: the XMPP side
// records stanzas and lets a test decide how each IQ is answered, the store
// knows one number, and the phone side records its final response.

// ringXMPP records what the bridge sends; iq decides each IQ's outcome
// (nil: acknowledged at once).
type ringXMPP struct {
	sent chan any
	iq   func(ctx context.Context, j *jingle.Jingle) error
}

func (x *ringXMPP) Send(_ context.Context, v any) error {
	x.sent <- v
	return nil
}

func (x *ringXMPP) IQ(ctx context.Context, _ stanza.IQType, _, _ string, payload any) error {
	j, ok := payload.(*jingle.Jingle)
	if !ok || x.iq == nil {
		return nil
	}
	return x.iq(ctx, j)
}

// ringStore knows one number, owned by bob@localhost.
type ringStore struct{ cdrs chan store.CDR }

func (ringStore) Route(context.Context, string, string) (store.Binding, store.Binding, error) {
	return store.Binding{}, store.Binding{}, store.ErrNotFound
}

func (ringStore) Lookup(_ context.Context, number string) (store.Binding, error) {
	if number != "+12015550100" {
		return store.Binding{}, store.ErrNotFound
	}
	return store.Binding{Number: number, JID: "bob@localhost"}, nil
}

func (ringStore) ClaimCall(context.Context, string, string, time.Duration) error { return nil }
func (ringStore) Heartbeat(context.Context, []string, time.Duration) error       { return nil }
func (ringStore) Orphans(context.Context) ([]string, error)                      { return nil, nil }
func (ringStore) CallAnswered(context.Context, store.CDR, []byte, time.Duration) error {
	return nil
}
func (ringStore) AnsweredCall(context.Context, string) (store.CDR, []byte, error) {
	return store.CDR{}, nil, store.ErrNotFound
}

func (s ringStore) EndCall(_ context.Context, r store.CDR, _ store.Retention) error {
	s.cdrs <- r
	return nil
}

// ringIncoming is a phone calling +12015550100 from caller.
type ringIncoming struct {
	caller    string
	rejected  chan int
	cancelled chan struct{}
}

func newRingIncoming(caller string) *ringIncoming {
	return &ringIncoming{caller: caller, rejected: make(chan int, 2), cancelled: make(chan struct{})}
}

func (in *ringIncoming) Caller() string      { return in.caller }
func (in *ringIncoming) CallerTrusted() bool { return true }
func (in *ringIncoming) Callee() string      { return "+12015550100" }
func (in *ringIncoming) Offer() []byte {
	return PlainSDP(netip.MustParseAddr("127.0.0.1"), 9, G711Codecs(), "sendrecv")
}
func (in *ringIncoming) Ringing() error { return nil }
func (in *ringIncoming) Answer(context.Context, []byte) (PhoneCall, error) {
	return nil, errors.New("ringIncoming: answering is not part of these tests")
}
func (in *ringIncoming) Reject(code int, _ string) error {
	in.rejected <- code
	return nil
}
func (in *ringIncoming) Cancelled() <-chan struct{} { return in.cancelled }
func (in *ringIncoming) Source() netip.Addr         { return netip.Addr{} }

type ringEnv struct {
	b     *Bridge
	x     *ringXMPP
	st    ringStore
	owner jid.JID
}

func newRingEnv(t *testing.T, set Settings) *ringEnv {
	t.Helper()
	rtc, err := media.NewWebRTC(media.WebRTCSettings{Loopback: true, ListenIPs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	set.Domain = jid.MustParse("sms.localhost")
	set.RTPAddr = netip.MustParseAddr("127.0.0.1")
	set.WebRTC = rtc
	set.SendTimeout = 5 * time.Second
	e := &ringEnv{x: &ringXMPP{sent: make(chan any, 100)}, st: ringStore{cdrs: make(chan store.CDR, 10)},
		owner: jid.MustParse("bob@localhost/phone")}
	e.b = New(set, e.x, nil, e.st)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.b.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return e
}

// ring starts in's call and returns the session id of the proposal the
// owner receives; the channel is closed when Ring returns.
func (e *ringEnv) ring(t *testing.T, in Incoming) (string, <-chan struct{}) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.b.Ring(context.Background(), in)
	}()
	for {
		select {
		case v := <-e.x.sent:
			if m, ok := v.(jmiMessage); ok {
				if p, ok := m.JMI.(*jingle.Propose); ok {
					return p.ID, done
				}
			}
		case <-done:
			t.Fatal("the call ended before ringing")
		case <-time.After(10 * time.Second):
			t.Fatal("no proposal")
		}
	}
}

func waitCode(t *testing.T, in *ringIncoming) int {
	t.Helper()
	select {
	case code := <-in.rejected:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("the caller got no final response")
		return 0
	}
}

func waitCDR(t *testing.T, e *ringEnv) store.CDR {
	t.Helper()
	select {
	case r := <-e.st.cdrs:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no call record")
		return store.CDR{}
	}
}

// TestDeclineWhileInitiateOutstanding: the user's resource proceeds, and
// its session-terminate <decline/> arrives while the gateway still waits for
// the answer to its session-initiate. The caller must get 603 whichever
// way the wait ends: the IQ never answered (the context ends it), or
// answered but only noticed after the terminate ended the call (the
// component's select picks either when both are ready: the flake seen in
// TestDeclineAfterInitiate).
func TestDeclineWhileInitiateOutstanding(t *testing.T) {
	for _, tt := range []struct {
		name     string
		answered bool
	}{
		{name: "initiate never acknowledged", answered: false},
		{name: "initiate acknowledged after the terminate", answered: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newRingEnv(t, Settings{})
			in := newRingIncoming("+12015550123")
			e.x.iq = func(ctx context.Context, j *jingle.Jingle) error {
				if j.Action != jingle.SessionInitiate {
					return nil
				}
				// The user declines while the IQ is outstanding.
				term := &jingle.Jingle{Action: jingle.SessionTerminate, SID: j.SID, Reason: jingle.NewReason(jingle.Decline, "")}
				if err := e.b.Jingle(context.Background(), e.owner, jid.MustParse("+12015550123@sms.localhost"), term); err != nil {
					t.Errorf("session-terminate refused: %v", err)
				}
				<-ctx.Done() // end cancels the call's context
				if tt.answered {
					return nil
				}
				return ctx.Err()
			}
			sid, done := e.ring(t, in)
			e.b.JMI(context.Background(), e.owner, jid.MustParse("+12015550123@sms.localhost"), "p1", &jingle.Proceed{ID: sid})
			if code := waitCode(t, in); code != 603 {
				t.Errorf("the caller got %d, want 603", code)
			}
			if r := waitCDR(t, e); r.Reason != string(jingle.Decline) {
				t.Errorf("call record: %+v", r)
			}
			<-done
		})
	}
}

// TestRejectAfterProceed: a JMI reject from the resource that proceeded,
// before the session is accepted, is a decline too.
func TestRejectAfterProceed(t *testing.T) {
	e := newRingEnv(t, Settings{})
	in := newRingIncoming("+12015550123")
	initiated := make(chan struct{})
	e.x.iq = func(ctx context.Context, j *jingle.Jingle) error {
		if j.Action == jingle.SessionInitiate {
			close(initiated)
		}
		return nil
	}
	sid, done := e.ring(t, in)
	number := jid.MustParse("+12015550123@sms.localhost")
	e.b.JMI(context.Background(), e.owner, number, "p1", &jingle.Proceed{ID: sid})
	<-initiated
	e.b.JMI(context.Background(), e.owner, number, "r1", &jingle.Reject{ID: sid, Reason: jingle.NewReason(jingle.Decline, "")})
	if code := waitCode(t, in); code != 603 {
		t.Errorf("the caller got %d, want 603", code)
	}
	<-done
	select {
	case code := <-in.rejected:
		t.Errorf("a second final response: %d", code)
	default:
	}
}

// notices drains what was sent and returns the missed call notices.
func (e *ringEnv) notices() []chatMessage {
	var ns []chatMessage
	for {
		select {
		case v := <-e.x.sent:
			if n, ok := v.(chatMessage); ok {
				ns = append(ns, n)
			}
		default:
			return ns
		}
	}
}

// TestMissedCallNotice: a call that ends before any of the owner's
// resources took it, and that voicemail did not take, leaves a chat
// message from the caller's JID; one the user declined does not.
func TestMissedCallNotice(t *testing.T) {
	number := jid.MustParse("+12015550123@sms.localhost")
	for _, tt := range []struct {
		name   string
		caller string
		from   string // the notice's sender; "" for no notice
		code   int    // the caller's final response; 0: none (CANCEL)
		act    func(e *ringEnv, in *ringIncoming, sid string)
	}{
		{name: "caller cancels", caller: "+12015550123", from: number.String(),
			act: func(e *ringEnv, in *ringIncoming, sid string) { close(in.cancelled) }},
		{name: "nobody answers", caller: "+12015550123", from: number.String(), code: 480,
			act: func(e *ringEnv, in *ringIncoming, sid string) {}},
		{name: "a device is busy", caller: "+12015550123", from: number.String(), code: 486,
			act: func(e *ringEnv, in *ringIncoming, sid string) {
				e.b.JMI(context.Background(), e.owner, number, "r1", &jingle.Reject{ID: sid, Reason: jingle.NewReason(jingle.Busy, "")})
			}},
		{name: "the user declines", caller: "+12015550123", code: 603,
			act: func(e *ringEnv, in *ringIncoming, sid string) {
				e.b.JMI(context.Background(), e.owner, number, "r1", &jingle.Reject{ID: sid, Reason: jingle.NewReason(jingle.Decline, "")})
			}},
		{name: "anonymous caller cancels", caller: "anonymous", from: "anonymous@sms.localhost",
			act: func(e *ringEnv, in *ringIncoming, sid string) { close(in.cancelled) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newRingEnv(t, Settings{RingTimeout: 300 * time.Millisecond})
			in := newRingIncoming(tt.caller)
			sid, done := e.ring(t, in)
			tt.act(e, in, sid)
			<-done
			if tt.code != 0 {
				if code := waitCode(t, in); code != tt.code {
					t.Errorf("the caller got %d, want %d", code, tt.code)
				}
			}
			ns := e.notices()
			if tt.from == "" {
				if len(ns) != 0 {
					t.Fatalf("notice for a declined call: %+v", ns)
				}
				return
			}
			if len(ns) != 1 {
				t.Fatalf("%d notices, want 1", len(ns))
			}
			n := ns[0]
			if n.From != tt.from || n.To != "bob@localhost" || n.Type != "chat" || n.Store == nil {
				t.Errorf("notice: %+v", n)
			}
			want := "Missed call from +1 201-555-0123 on "
			if tt.from != number.String() {
				want = "Missed call from an unknown caller on "
			}
			if !strings.HasPrefix(n.Body, want) || !strings.HasSuffix(n.Body, " UTC") {
				t.Errorf("notice body %q, want it to start with %q", n.Body, want)
			}
		})
	}
}

func TestMissedBody(t *testing.T) {
	at := time.Date(2026, 3, 7, 15, 4, 0, 0, time.FixedZone("X", 3600))
	for _, tt := range []struct{ caller, jid, want string }{
		{"+12015550123", "+12015550123@sms.localhost", "Missed call from +1 201-555-0123 on 7 Mar at 14:04 UTC"},
		{"+442071838750", "+442071838750@sms.localhost", "Missed call from +44 20 7183 8750 on 7 Mar at 14:04 UTC"},
		{"alice", "anonymous@sms.localhost", "Missed call from an unknown caller on 7 Mar at 14:04 UTC"},
	} {
		if got := missedBody(tt.caller, tt.jid, at); got != tt.want {
			t.Errorf("missedBody(%q) = %q, want %q", tt.caller, got, tt.want)
		}
	}
}
