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
)

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
	l := p.held[number]
	return l != nil && !l.idle(p.set.LineIdle)
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// open gives number to a new line; a line left idle by a closed page
// gives way.
func (p *Phone) open(number string) (*line, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.held[number]; old != nil {
		if !old.idle(p.set.LineIdle) {
			return nil, ErrHeld
		}
		p.dropLocked(old)
	}
	l := newLine(newID(), number)
	p.lines[l.id] = l
	p.held[number] = l
	return l, nil
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
