package trunk

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-gw/switchboard/internal/phone"
)

// Handler receives calls from the trunk. Incoming is called on its own
// goroutine per call; the handler must eventually Answer or Reject (if it
// returns without doing either, the call is rejected with 480).
type Handler interface {
	Incoming(ctx context.Context, in *Incoming)
}

// ErrNotRunning is returned by Dial when Run is not serving.
var ErrNotRunning = errors.New("trunk: not running")

// stopTimeout bounds the un-REGISTER and the BYEs sent when Run stops.
const stopTimeout = 5 * time.Second

// Trunk is one SIP user agent talking to one trunk.
type Trunk struct {
	set      Settings
	h        Handler
	log      *slog.Logger
	redact   func(string) string // phone numbers in logs
	trunkURI sip.Uri

	// The trust boundary (trust.go). trusted is set by Run before it
	// serves and read-only afterwards.
	trusted      []netip.Prefix
	nonceKey     []byte      // signs digest nonces
	parser       *sip.Parser // the read filter's check for malformed datagrams
	rate         rateLog     // refused and malformed traffic, per source
	rateInterval time.Duration
	usedMu       sync.Mutex
	used         map[string]time.Time // digest responses seen, against replay

	ready      chan struct{}
	readyOnce  sync.Once
	registered atomic.Bool

	mu      sync.Mutex
	rt      *runtime         // nil unless Run is serving
	calls   map[string]*Call // by dialogKey
	stopped bool             // Run has returned; a Trunk runs once

	handlers sync.WaitGroup // Handler.Incoming and other per-call goroutines
}

// runtime is what exists only while Run serves.
type runtime struct {
	ctx     context.Context // cancelled when Run stops
	ua      *sipgo.UserAgent
	cli     *sipgo.Client
	dua     *sipgo.DialogUA
	host    string // our listen address, as Via and Contact carry it
	port    int
	contact sip.ContactHeader
}

// New checks set and returns a Trunk that Run serves. h receives incoming
// calls; it may be nil if no calls come in (they are then rejected with 480).
func New(set Settings, h Handler) (*Trunk, error) {
	set, u, err := set.withDefaults()
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("trunk: nonce key: %w", err)
	}
	return &Trunk{
		set:          set,
		h:            h,
		log:          set.Logger.With("component", "trunk"),
		redact:       phone.Redactor(set.FullNumbers),
		trunkURI:     u,
		nonceKey:     key,
		parser:       sip.NewParser(),
		rateInterval: refusalInterval,
		ready:        make(chan struct{}),
		calls:        make(map[string]*Call),
	}, nil
}

// Ready is closed once the listener is up.
func (t *Trunk) Ready() <-chan struct{} { return t.ready }

// Registered reports whether the trunk holds a valid registration; it is
// always true when Settings.Register is false.
func (t *Trunk) Registered() bool {
	return !t.set.Register || t.registered.Load()
}

// Run serves SIP on Settings.Listen until ctx is done and keeps the
// registration fresh if Settings.Register is set. When ctx is done it
// un-REGISTERs, hangs up the calls still up and returns nil. It returns
// an error if it cannot listen. A Trunk runs once.
func (t *Trunk) Run(ctx context.Context) error {
	trusted, err := t.resolveTrusted(ctx)
	if err != nil {
		return err
	}
	t.mu.Lock()
	if t.rt == nil && !t.stopped {
		t.trusted = trusted
	}
	t.mu.Unlock()
	conn, err := net.ListenPacket("udp", t.set.Listen)
	if err != nil {
		return fmt.Errorf("trunk: sip listen %s: %w", t.set.Listen, err)
	}
	laddr := conn.LocalAddr().(*net.UDPAddr)
	host, port := laddr.IP.String(), laddr.Port

	rt, err := t.newRuntime(ctx, host, port)
	if err != nil {
		conn.Close()
		return err
	}
	srv, err := sipgo.NewServer(rt.ua, sipgo.WithServerLogger(slog.New(t.quiet())))
	if err != nil {
		conn.Close()
		rt.ua.Close()
		return fmt.Errorf("trunk: sip server: %w", err)
	}
	t.route(srv)

	t.mu.Lock()
	if t.stopped || t.rt != nil {
		t.mu.Unlock()
		conn.Close()
		rt.ua.Close()
		return errors.New("trunk: Run called twice")
	}
	t.rt = rt
	t.mu.Unlock()

	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.ServeUDP(conn) // returns when conn is closed
	}()
	// Serve registers the socket with the transport asynchronously; until
	// then requests would go out from a fresh socket.
	for {
		if c, err := rt.ua.TransportLayer().GetConnection("udp", laddr.String()); err == nil && c != nil {
			break
		}
		select {
		case <-served:
			rt.ua.Close()
			t.mu.Lock()
			t.rt, t.stopped = nil, true
			t.mu.Unlock()
			return errors.New("trunk: sip listener closed at start")
		case <-time.After(time.Millisecond):
		}
	}
	t.readyOnce.Do(func() { close(t.ready) })
	t.log.Info("sip listening", "addr", laddr.String(), "trunk", t.trunkURI.HostPort(), "register", t.set.Register,
		"trusted", fmt.Sprint(t.trusted), "inbound_auth", t.set.InboundUsername != "")
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		t.flushRefusals(rt.ctx)
	}()

	var regDone chan struct{}
	if t.set.Register {
		regDone = make(chan struct{})
		go func() {
			defer close(regDone)
			t.registerLoop(rt)
		}()
	}

	<-rt.ctx.Done()
	<-flushed
	if regDone != nil {
		<-regDone // un-REGISTERs before returning
	}
	t.stop()
	conn.Close()
	<-served
	rt.ua.Close()
	t.log.Info("sip stopped")
	return nil
}

func (t *Trunk) newRuntime(ctx context.Context, host string, port int) (*runtime, error) {
	quiet := slog.New(t.quiet())
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(t.set.UserAgent),
		sipgo.WithUserAgentHostname(t.set.Domain),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet), sip.WithTransportLayerReadFilter(t.readFilter)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
	)
	if err != nil {
		return nil, fmt.Errorf("trunk: sip user agent: %w", err)
	}
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	// Send from the listening socket so that the trunk sees one address
	// for us and replies reach the listener.
	cli, err := sipgo.NewClient(ua,
		sipgo.WithClientLogger(quiet),
		sipgo.WithClientAddr(addr),
		sipgo.WithClientConnectionAddr(addr),
	)
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("trunk: sip client: %w", err)
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: host, Port: port}}
	return &runtime{
		ctx:     ctx,
		ua:      ua,
		cli:     cli,
		dua:     &sipgo.DialogUA{Client: cli, ContactHDR: contact},
		host:    host,
		port:    port,
		contact: contact,
	}, nil
}

// runtime returns the serving runtime or ErrNotRunning.
func (t *Trunk) runtime() (*runtime, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rt == nil || t.rt.ctx.Err() != nil {
		return nil, ErrNotRunning
	}
	return t.rt, nil
}

// stop hangs up every call and waits for the per-call goroutines.
func (t *Trunk) stop() {
	t.mu.Lock()
	calls := make([]*Call, 0, len(t.calls))
	for _, c := range t.calls {
		calls = append(calls, c)
	}
	t.mu.Unlock()

	t.hangupAll(calls)
	// Handlers see their context cancelled; a call answered meanwhile is
	// hung up below.
	t.handlers.Wait()

	t.mu.Lock()
	calls = calls[:0]
	for _, c := range t.calls {
		calls = append(calls, c)
	}
	t.mu.Unlock()
	t.hangupAll(calls)

	t.mu.Lock()
	t.rt = nil
	t.stopped = true
	t.mu.Unlock()
}

func (t *Trunk) hangupAll(calls []*Call) {
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			defer cancel()
			if err := c.Hangup(ctx); err != nil {
				t.log.Warn("hangup on stop", "call_id", c.ID(), "err", err)
			}
		})
	}
	wg.Wait()
}

// track counts a per-call goroutine that stop waits for. It fails once
// Run is stopping, so that no Add races with stop's Wait.
func (t *Trunk) track() (done func(), ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rt == nil || t.rt.ctx.Err() != nil {
		return nil, false
	}
	t.handlers.Add(1)
	return t.handlers.Done, true
}

// addCall and removeCall keep the dialog table that in-dialog requests
// (BYE, ACK, re-INVITE) are matched against.
func (t *Trunk) addCall(c *Call) {
	t.mu.Lock()
	t.calls[c.key] = c
	t.mu.Unlock()
}

func (t *Trunk) removeCall(c *Call) {
	t.mu.Lock()
	if t.calls[c.key] == c {
		delete(t.calls, c.key)
	}
	t.mu.Unlock()
}

func (t *Trunk) findCall(req *sip.Request) *Call {
	key, ok := requestDialogKey(req)
	if !ok {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls[key]
}

// dialogKey names a dialog by Call-ID and the local and remote tags, the
// same whichever side started it.
func dialogKey(callID, localTag, remoteTag string) string {
	return callID + "\x00" + localTag + "\x00" + remoteTag
}

// requestDialogKey is the key of the dialog an incoming request belongs to:
// the To tag is ours, the From tag theirs.
func requestDialogKey(req *sip.Request) (string, bool) {
	cid, from, to := req.CallID(), req.From(), req.To()
	if cid == nil || from == nil || to == nil {
		return "", false
	}
	local, ok1 := to.Params.Get("tag")
	remote, ok2 := from.Params.Get("tag")
	if !ok1 || !ok2 || local == "" {
		return "", false
	}
	return dialogKey(string(*cid), local, remote), true
}
