package bridgetest

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/trunk"
)

// PhoneSDP is a phone's plain RTP/AVP description (PCMU, PCMA,
// telephone-event) with direction dir, for offers and answers. Its port is
// the discard port: no test here needs audio to arrive.
func PhoneSDP(dir string) []byte {
	return bridge.PlainSDP(netip.MustParseAddr("127.0.0.1"), 9, bridge.G711Codecs(), dir)
}

// Dialer is a fake of bridge.Dialer: each Dial waits for the test to
// answer or refuse it (Next).
type Dialer struct {
	once  sync.Once
	dials chan *Dial
	count atomic.Int32
}

// Dials returns how many calls the bridge has placed.
func (d *Dialer) Dials() int { return int(d.count.Load()) }

func (d *Dialer) queue() chan *Dial {
	d.once.Do(func() { d.dials = make(chan *Dial, 16) })
	return d.dials
}

// Dial is one call the bridge placed.
type Dial struct {
	From, To string
	Offer    []byte

	ctx      context.Context
	progress func(int)
	result   chan dialResult
}

type dialResult struct {
	call *Call
	err  error
}

// Dial hands the call to the test and waits for its outcome or for ctx.
func (d *Dialer) Dial(ctx context.Context, from, to string, offer []byte, progress func(code int)) (bridge.PhoneCall, error) {
	d.count.Add(1)
	dl := &Dial{From: from, To: to, Offer: offer, ctx: ctx, progress: progress, result: make(chan dialResult, 1)}
	select {
	case d.queue() <- dl:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-dl.result:
		if r.err != nil {
			return nil, r.err
		}
		return r.call, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Next returns the next call the bridge placed.
func (d *Dialer) Next(t testing.TB) *Dial {
	t.Helper()
	select {
	case dl := <-d.queue():
		return dl
	case <-time.After(Timeout):
		t.Fatalf("bridgetest: the bridge dialled nothing within %v", Timeout)
		return nil
	}
}

// Progress reports a provisional response (180, 183) to the bridge.
func (dl *Dial) Progress(code int) {
	if dl.progress != nil {
		dl.progress(code)
	}
}

// Answer answers the call (200) with sdp and returns the established call.
func (dl *Dial) Answer(sdp []byte) *Call {
	c := NewCall(sdp)
	dl.result <- dialResult{call: c}
	return c
}

// Reject refuses the call with a final status, as the trunk does.
func (dl *Dial) Reject(code int, reason string) {
	dl.result <- dialResult{err: &trunk.StatusError{Code: code, Reason: reason}}
}

// Fail fails the call without a SIP status (the trunk is unreachable).
func (dl *Dial) Fail(err error) { dl.result <- dialResult{err: err} }

// Cancelled is closed when the bridge gave up the call (its context ended).
func (dl *Dial) Cancelled() <-chan struct{} { return dl.ctx.Done() }

// Call is a fake established phone call (bridge.PhoneCall).
type Call struct {
	remote []byte

	mu         sync.Mutex
	done       chan struct{}
	hungUp     chan struct{} // closed when the bridge sent BYE
	watched    chan struct{} // closed when the bridge took re-INVITEs
	byRemote   bool
	hangups    int
	onReinvite func([]byte) ([]byte, error)
	reinvites  recorder[[]byte]
}

// NewCall returns an established call whose far end described its media
// with remoteSDP.
func NewCall(remoteSDP []byte) *Call {
	return &Call{remote: remoteSDP, done: make(chan struct{}), hungUp: make(chan struct{}), watched: make(chan struct{})}
}

var _ bridge.PhoneCall = (*Call)(nil)

// RemoteSDP is the far end's description.
func (c *Call) RemoteSDP() []byte { return c.remote }

// Hangup is the bridge's BYE.
func (c *Call) Hangup(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hangups++
	select {
	case <-c.done: // ended already: nothing to send
	default:
		close(c.hungUp)
		close(c.done)
	}
	return nil
}

// Done is closed when the call has ended, either way.
func (c *Call) Done() <-chan struct{} { return c.done }

// EndedByRemote reports whether the phone hung up.
func (c *Call) EndedByRemote() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byRemote
}

// Reinvite records the bridge's re-INVITE and answers with the phone's
// description turned to the answering direction.
func (c *Call) Reinvite(_ context.Context, offer []byte) ([]byte, error) {
	c.reinvites.add(offer)
	sm, err := bridge.ParsePlainSDP(offer)
	if err != nil {
		return nil, err
	}
	dir := map[string]string{"sendonly": "recvonly", "recvonly": "sendonly"}[sm.Dir]
	if dir == "" {
		dir = sm.Dir
	}
	return PhoneSDP(dir), nil
}

// OnReinvite keeps the bridge's handler of the phone's re-INVITEs.
func (c *Call) OnReinvite(f func(offer []byte) (answer []byte, err error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.onReinvite == nil {
		close(c.watched)
	}
	c.onReinvite = f
}

// WaitWatched waits until the bridge follows the call (it set its
// re-INVITE handler): from then on it has the leg, as after a real ACK.
func (c *Call) WaitWatched(t testing.TB) {
	t.Helper()
	select {
	case <-c.watched:
	case <-time.After(Timeout):
		t.Fatalf("bridgetest: the bridge did not take up the call within %v", Timeout)
	}
}

// HangupByPhone is the phone's BYE.
func (c *Call) HangupByPhone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done:
	default:
		c.byRemote = true
		close(c.done)
	}
}

// ReinviteFromPhone is a re-INVITE from the phone; it returns the
// bridge's answer.
func (c *Call) ReinviteFromPhone(offer []byte) ([]byte, error) {
	c.mu.Lock()
	f := c.onReinvite
	c.mu.Unlock()
	if f == nil {
		return nil, errors.New("bridgetest: the bridge takes no re-INVITEs on this call")
	}
	return f(offer)
}

// WaitHangup waits for the bridge's BYE.
func (c *Call) WaitHangup(t testing.TB) {
	t.Helper()
	select {
	case <-c.hungUp:
	case <-time.After(Timeout):
		t.Fatalf("bridgetest: the bridge did not hang up the phone within %v", Timeout)
	}
}

// HungUp reports whether the bridge sent BYE.
func (c *Call) HungUp() bool {
	select {
	case <-c.hungUp:
		return true
	default:
		return false
	}
}

// WaitReinvite returns the bridge's first re-INVITE offer that matches.
func (c *Call) WaitReinvite(t testing.TB, what string, match func(offer []byte) bool) []byte {
	t.Helper()
	return c.reinvites.wait(t, "re-INVITE "+what, match)
}

// Reinvites returns the bridge's re-INVITE offers so far.
func (c *Call) Reinvites() [][]byte { return c.reinvites.all() }

// Response is a final response the bridge gave an incoming call.
type Response struct {
	Code   int
	Reason string
}

// Incoming is a fake call from the phone side (bridge.Incoming).
type Incoming struct {
	From, To string
	SDP      []byte
	// Untrusted: the call came from a source whose caller ID is not to be
	// believed (trunk.Incoming.Trusted false).
	Untrusted bool
	Src       netip.Addr // its network source; none by default

	// Answering, when set, runs inside Answer before it returns: what
	// happens while a real 200 OK waits for its ACK.
	Answering func()

	cancelOnce sync.Once
	cancelled  chan struct{}
	ringOnce   sync.Once
	rang       chan struct{}

	mu        sync.Mutex
	answerSDP []byte
	call      *Call
	answered  chan struct{}
	finals    recorder[Response]
}

// NewIncoming returns a call from number from to number to offering sdp.
func NewIncoming(from, to string, sdp []byte) *Incoming {
	return &Incoming{From: from, To: to, SDP: sdp,
		cancelled: make(chan struct{}), rang: make(chan struct{}), answered: make(chan struct{})}
}

var _ bridge.Incoming = (*Incoming)(nil)

// Caller is the calling number.
func (in *Incoming) Caller() string { return in.From }

// CallerTrusted is false for an Untrusted call.
func (in *Incoming) CallerTrusted() bool { return !in.Untrusted }

// Callee is the number called.
func (in *Incoming) Callee() string { return in.To }

// Offer is the caller's SDP.
func (in *Incoming) Offer() []byte { return in.SDP }

// Source is Src.
func (in *Incoming) Source() netip.Addr { return in.Src }

// Ringing is the bridge's 180.
func (in *Incoming) Ringing() error {
	in.ringOnce.Do(func() { close(in.rang) })
	return nil
}

// Answer is the bridge's 200 with sdp; the call is then established.
func (in *Incoming) Answer(_ context.Context, sdp []byte) (bridge.PhoneCall, error) {
	in.mu.Lock()
	if in.call != nil {
		in.mu.Unlock()
		return nil, errors.New("bridgetest: answered twice")
	}
	c := NewCall(in.SDP)
	in.answerSDP, in.call = sdp, c
	close(in.answered)
	in.mu.Unlock()
	in.finals.add(Response{Code: 200, Reason: "OK"})
	if in.Answering != nil {
		in.Answering()
	}
	return c, nil
}

// Reject is the bridge's final refusal.
func (in *Incoming) Reject(code int, reason string) error {
	in.finals.add(Response{Code: code, Reason: reason})
	return nil
}

// Cancelled is closed by Cancel.
func (in *Incoming) Cancelled() <-chan struct{} { return in.cancelled }

// Cancel is the caller's CANCEL.
func (in *Incoming) Cancel() { in.cancelOnce.Do(func() { close(in.cancelled) }) }

// WaitRinging waits for the bridge's 180.
func (in *Incoming) WaitRinging(t testing.TB) {
	t.Helper()
	select {
	case <-in.rang:
	case <-time.After(Timeout):
		t.Fatalf("bridgetest: no 180 within %v", Timeout)
	}
}

// WaitFinal returns the bridge's first final response (200 for an answer).
func (in *Incoming) WaitFinal(t testing.TB) Response {
	t.Helper()
	return in.finals.wait(t, "final response", func(Response) bool { return true })
}

// Finals returns every final response the bridge gave, in order: a
// correct bridge gives at most one.
func (in *Incoming) Finals() []Response { return in.finals.all() }

// WaitAnswer waits for the bridge's 200 and returns the established call
// and the SDP answer.
func (in *Incoming) WaitAnswer(t testing.TB) (*Call, []byte) {
	t.Helper()
	select {
	case <-in.answered:
	case <-time.After(Timeout):
		t.Fatalf("bridgetest: the call was not answered within %v; responses: %+v", Timeout, in.Finals())
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.call, in.answerSDP
}
