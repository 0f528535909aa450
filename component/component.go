// Package component is Switchboard's XMPP side: an XEP-0114 external
// component that gives every phone number a JID, relays messages between
// XMPP users and carriers, and answers service discovery.
package component

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/commit"
	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/tapback"
)

// ErrNotConnected is returned by Send while the component stream is down.
var ErrNotConnected = errors.New("component: not connected to the XMPP server")

// Reconnect delays: the first, and by default the longest.
const (
	defaultMinBackoff = 500 * time.Millisecond
	defaultMaxBackoff = 30 * time.Second
)

// Settings configures a Component. Zero values take the defaults noted.
type Settings struct {
	Domain jid.JID // the gateway's domain, e.g. sms.example.org
	Server string  // host:port of the server's component listener
	Secret string

	DefaultRegion string // region for numbers written without +, e.g. "US"
	Name          string // shown in disco identity; default "Switchboard"
	Version       string // XEP-0092 version; default from build info

	Concurrency  int           // stanzas handled at once; default 256
	MaxQueue     int           // stanzas waiting in one conversation; default 256
	MaxPending   int           // stanzas waiting in all conversations; default 20000
	PingInterval time.Duration // keepalive; default 30s
	PingTimeout  time.Duration // default 10s
	MinBackoff   time.Duration // reconnect delay, doubled up to MaxBackoff; default 500ms
	MaxBackoff   time.Duration // default 30s ([component] reconnect_max)
	SendTimeout  time.Duration // bound on a carrier send; default 20s
	TrackTTL     time.Duration // how long to wait for delivery reports; default 72h
	SeenTTL      time.Duration // webhook de-duplication window; default 48h
	PendingTTL   time.Duration // how long inbound messages wait for XMPP; default 72h

	// Destinations refuses numbers the operator's policy does not let users
	// text (a *policy.Refusal); nil allows every number.
	Destinations policy.Policy

	// Rehost copies an inbound message's media from the carrier to the
	// gateway's own store and returns the copies (with the gateway's
	// URLs), so carriers' URLs, which carry account ids and expire, never
	// reach users; nil passes them through.
	Rehost func(ctx context.Context, c carriers.Carrier, media []carriers.Media) ([]carriers.Media, error)
	// RehostTimeout bounds re-hosting inside a webhook, below the
	// carriers' own webhook timeouts; default 10s.
	RehostTimeout time.Duration
	// ProbeMedia looks at a user's attachment (HEAD, through a fetcher
	// that refuses internal addresses) for its type and size, so that a
	// carrier's limits are checked before sending; nil skips the check.
	ProbeMedia func(ctx context.Context, url string) (contentType string, length int64, err error)

	// ReactionQuotes keeps, for this long, the first 40 characters of each
	// message, so that a user's XEP-0444 reaction reads on a phone as
	// Liked “see you at 6” rather than "Reacted 👍 to a message". Zero (the
	// default) keeps no text at all.
	ReactionQuotes time.Duration

	// WarnSegments tells users when a text will go out as this many SMS
	// parts or more ("This will be sent as 4 messages"); default 3,
	// negative: never.
	WarnSegments int

	// GroupJIDs sends inbound group texts from the group's JID (the other
	// participants' numbers, sorted, joined by commas), so that clients
	// without XEP-0033 see one thread; the sender's number leads the text.
	GroupJIDs bool

	// FullNumbers logs whole phone numbers; by default they are redacted.
	FullNumbers bool
	Logger      *slog.Logger
}

func (s *Settings) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if s.Name == "" {
		s.Name = "Switchboard"
	}
	if s.Version == "" {
		s.Version = buildVersion()
	}
	if s.Concurrency <= 0 {
		s.Concurrency = 256
	}
	if s.MaxQueue <= 0 {
		s.MaxQueue = 256
	}
	if s.MaxPending <= 0 {
		s.MaxPending = 20000
	}
	def(&s.PingInterval, 30*time.Second)
	def(&s.PingTimeout, 10*time.Second)
	def(&s.MinBackoff, defaultMinBackoff)
	def(&s.MaxBackoff, defaultMaxBackoff)
	def(&s.SendTimeout, 20*time.Second)
	def(&s.TrackTTL, 72*time.Hour)
	def(&s.SeenTTL, 48*time.Hour)
	def(&s.PendingTTL, 72*time.Hour)
	def(&s.RehostTimeout, 10*time.Second)
	if s.WarnSegments == 0 {
		s.WarnSegments = 3
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
}

// Component is the gateway's XMPP side. Create it with New, start it with
// Run; it implements carriers.Receiver for the HTTP side.
type Component struct {
	set      Settings
	log      *slog.Logger
	redact   func(string) string // phone numbers in logs
	store    Store
	carriers map[string]carriers.Carrier

	mu      sync.Mutex
	sess    *xmpp.Session           // nil while disconnected
	drainMu sync.Mutex              // one drain of the pending queue at a time
	flusher flusher                 // shared pings proving the server took our stanzas
	out     commit.Group[outStanza] // stanzas waiting for a shared write
	meter   Meter                   // prices sends and receipts; nil: billing is off

	work    *dispatcher
	numbers *numberCache
	answers sync.Map      // id of an IQ we sent -> chan answer, fed by receive
	calls   Calls         // nil without voice
	cmds    *adhoc.Server // nil: no ad-hoc commands
	reg     Registrar     // nil: no XEP-0077 registration
	ob      Outbox        // nil: send at once

	fpKey       *tapback.Key // keys reaction fingerprints (reactions.go)
	gatewayInfo entity       // disco#info and caps of the gateway's JID
	numberInfo  entity       // … of number JIDs
	names       *nameCache   // callers' names the carriers gave, for XEP-0172
	clients     clientTable  // users' online resources (clients.go)
}

// New returns a Component that relays through the given carriers (by name)
// and keeps its state in st.
func New(set Settings, st Store, cs []carriers.Carrier) *Component {
	set.defaults()
	c := &Component{
		set:      set,
		log:      set.Logger.With("component", set.Domain.String()),
		redact:   phone.Redactor(set.FullNumbers),
		store:    st,
		carriers: map[string]carriers.Carrier{},
		numbers:  newNumberCache(4096),
		fpKey:    fpKey(set.Secret),
		names:    newNameCache(4096),
		out:      commit.Group[outStanza]{Max: maxWriteBatch},

		gatewayInfo: newEntity(gatewayIdentities(set.Name, false), gatewayFeatures),
		numberInfo:  newEntity([]identity{numberIdentity}, numberFeatures),
	}
	for _, cr := range cs {
		c.carriers[cr.Name()] = cr
	}
	return c
}

// Connected reports whether the component stream is up.
func (c *Component) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess != nil
}

func (c *Component) session() *xmpp.Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}
