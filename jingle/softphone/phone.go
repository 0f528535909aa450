package softphone

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// Sentinel errors.
var (
	ErrNoLine   = errors.New("softphone: no such line")
	ErrNoCall   = errors.New("softphone: no such call")
	ErrHeld     = errors.New("softphone: number held by another browser")
	ErrBadState = errors.New("softphone: call is not in a state for that")
	// ErrTooMany: as many lines are open as Settings.MaxLines allows.
	ErrTooMany = errors.New("softphone: too many lines open")
	// ErrNotSandbox is what a Numbers policy wraps to refuse a number that
	// real traffic uses; its text is shown on the page.
	ErrNotSandbox = errors.New("softphone: not a sandbox number")
)

// Numbers keeps the page's phone away from real traffic (internal/app
// looks the numbers up). Each method returns nil to allow, an error
// wrapping ErrNotSandbox to refuse (the page is told why), or another
// error when it cannot tell (the page is told to try again).
type Numbers interface {
	// MayHold: may a page take number? Holding a number that a user of
	// another carrier has would take the calls the gateway places to it.
	MayHold(ctx context.Context, number string) error
	// MayCall: may a page call number? A call must ring a sandbox user,
	// never be forwarded out through a real trunk.
	MayCall(ctx context.Context, number string) error
}

// Ringer takes calls from the browser to the gateway's users (bridge.Bridge).
type Ringer interface {
	Ring(ctx context.Context, in bridge.Incoming)
}

// Settings configure a Phone. Zero values take the defaults noted.
type Settings struct {
	WebRTC   *media.WebRTC   // the browser legs
	RTPAddr  netip.Addr      // where the plain RTP side binds (loopback)
	Ports    media.PortRange // its ports
	LineIdle time.Duration   // a line whose page stopped polling is dropped; default 60s
	MaxLines int             // lines open at once; default 50
	Numbers  Numbers         // which numbers pages may hold and call; nil: any
	Logger   *slog.Logger
}

// Phone holds the browsers' lines and their calls.
type Phone struct {
	set    Settings
	log    *slog.Logger
	ringer Ringer

	mu    sync.Mutex
	lines map[string]*line // by line id
	held  map[string]*line // by number
	calls map[string]*pcall
}

// New returns a Phone; SetRinger before serving.
func New(set Settings) *Phone {
	if set.LineIdle <= 0 {
		set.LineIdle = 60 * time.Second
	}
	if set.MaxLines <= 0 {
		set.MaxLines = 50
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	return &Phone{set: set, log: set.Logger.With("component", "softphone"),
		lines: map[string]*line{}, held: map[string]*line{}, calls: map[string]*pcall{}}
}

// SetRinger sets where browser calls go.
func (p *Phone) SetRinger(r Ringer) { p.ringer = r }

// Has reports whether a browser holds number, so calls to it come here.
func (p *Phone) Has(number string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reapLocked()
	return p.held[number] != nil
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// open gives number to a new line; a line left idle by a closed page
// gives way. Idle lines are dropped first, so a closed page's line never
// counts against MaxLines.
func (p *Phone) open(number string) (*line, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reapLocked()
	if p.held[number] != nil {
		return nil, ErrHeld
	}
	if len(p.lines) >= p.set.MaxLines {
		return nil, ErrTooMany
	}
	l := newLine(newID(), number)
	p.lines[l.id] = l
	p.held[number] = l
	return l, nil
}

// reapLocked drops the lines whose pages stopped polling, hanging up
// their calls. It runs whenever a page or the bridge looks a line up
// (at most MaxLines to scan), so it needs no goroutine of its own.
func (p *Phone) reapLocked() {
	for _, l := range p.lines {
		if l.idle(p.set.LineIdle) {
			p.log.Debug("softphone: releasing an idle line")
			p.dropLocked(l)
		}
	}
}

func (p *Phone) dropLocked(l *line) {
	delete(p.lines, l.id)
	if p.held[l.number] == l {
		delete(p.held, l.number)
	}
	for id, c := range p.calls {
		if c.line == l {
			go c.hangup("The page went away")
			delete(p.calls, id)
		}
	}
}

func (p *Phone) line(id string) (*line, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reapLocked()
	l := p.lines[id]
	if l == nil {
		return nil, ErrNoLine
	}
	return l, nil
}

func (p *Phone) call(l *line, id string) (*pcall, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls[id]
	if c == nil || c.line != l {
		return nil, ErrNoCall
	}
	return c, nil
}

func (p *Phone) addCall(c *pcall) {
	p.mu.Lock()
	p.calls[c.id] = c
	p.mu.Unlock()
}

func (p *Phone) removeCall(c *pcall) {
	p.mu.Lock()
	if p.calls[c.id] == c {
		delete(p.calls, c.id)
	}
	p.mu.Unlock()
}

// Close ends every call.
func (p *Phone) Close() {
	p.mu.Lock()
	calls := make([]*pcall, 0, len(p.calls))
	for _, c := range p.calls {
		calls = append(calls, c)
	}
	p.calls = map[string]*pcall{}
	p.mu.Unlock()
	for _, c := range calls {
		c.hangup("Gateway stopping")
	}
}
