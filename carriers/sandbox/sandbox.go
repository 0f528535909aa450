// Package sandbox is a carrier that talks to no outside service: it plays
// the phone network on a web page served by the gateway, for demos and
// tests. Messages live in memory only, for a short while.
package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// Name is the adapter's configuration name and web path prefix.
const Name = "sandbox"

// Settings configures the sandbox.
type Settings struct {
	// Numbers lists the gateway numbers served by the sandbox, for the
	// page's picker; optional.
	Numbers func(ctx context.Context) ([]string, error)
	Keep    int           // messages kept; default 200
	TTL     time.Duration // how long a message is kept; default 1h
	// PublicURL is the gateway's public address; its origin may call the
	// page's API (besides the address a request was sent to).
	PublicURL string
	Logger    *slog.Logger
}

// Entry is one message as the page shows it.
type Entry struct {
	Seq    int64     `json:"seq"`
	Dir    string    `json:"dir"` // "out": a user texted a phone; "in": a phone texted a user
	ID     string    `json:"id"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Body   string    `json:"body"`
	Media  []string  `json:"media,omitempty"`
	Time   time.Time `json:"time"`
	Status string    `json:"status"`
}

// Carrier is the sandbox adapter.
type Carrier struct {
	set   Settings
	token string // the page's per-run secret (see Token)
	page  []byte // page.html with the token in it

	mu      sync.Mutex
	seq     int64
	entries []Entry
	recv    carriers.Receiver
	changed chan struct{} // closed and replaced on every change, to wake long polls
}

var _ carriers.Carrier = (*Carrier)(nil)
var _ carriers.Webhooks = (*Carrier)(nil)

// New returns an empty sandbox.
func New(set Settings) *Carrier {
	if set.Keep <= 0 {
		set.Keep = 200
	}
	if set.TTL <= 0 {
		set.TTL = time.Hour
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	token := newToken()
	return &Carrier{set: set, token: token, page: bytes.Replace(pageHTML, []byte(tokenSlot), []byte(token), 1),
		changed: make(chan struct{})}
}

// Name implements carriers.Carrier.
func (c *Carrier) Name() string { return Name }

// Limits implements carriers.Carrier; the sandbox mimics Twilio.
func (c *Carrier) Limits() carriers.Limits {
	return carriers.Limits{MaxBodyChars: 1600, MaxMedia: 10, MaxMediaBytes: 5 << 20, Delivery: true}
}

// Send records m as delivered to the phone and reports it delivered.
func (c *Carrier) Send(ctx context.Context, m carriers.Message) (string, error) {
	id := newID()
	c.add(Entry{Dir: "out", ID: id, From: m.From, To: m.To, Body: m.Body, Media: mediaURLs(m.Media), Status: string(carriers.StateDelivered)})
	c.mu.Lock()
	r := c.recv
	c.mu.Unlock()
	if r != nil {
		// Report after Send returns, as a real carrier's callback would
		// arrive, so the gateway has tracked the id by then.
		go func() {
			time.Sleep(50 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := r.Status(ctx, carriers.Status{Carrier: Name, ID: id, State: carriers.StateDelivered}); err != nil {
				c.set.Logger.Warn("sandbox: delivery report not taken", "err", err)
			}
		}()
	}
	return id, nil
}

func (c *Carrier) add(e Entry) Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	e.Seq = c.seq
	e.Time = time.Now().UTC()
	c.entries = append(c.entries, e)
	c.expireLocked()
	close(c.changed)
	c.changed = make(chan struct{})
	return e
}

func (c *Carrier) setStatus(seq int64, status string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.entries {
		if c.entries[i].Seq == seq {
			c.entries[i].Status = status
		}
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// expireLocked forgets messages past the count or age limit.
func (c *Carrier) expireLocked() {
	cut := time.Now().Add(-c.set.TTL)
	i := 0
	for i < len(c.entries) && (len(c.entries)-i > c.set.Keep || c.entries[i].Time.Before(cut)) {
		i++
	}
	c.entries = append(c.entries[:0], c.entries[i:]...)
}

// Since returns the messages after seq and a channel closed at the next
// change.
func (c *Carrier) Since(seq int64) ([]Entry, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	var out []Entry
	for _, e := range c.entries {
		if e.Seq > seq {
			out = append(out, e)
		}
	}
	return out, c.changed
}

// newToken is 128 random bits in hex: safe in HTML, a URL and a header.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "SB" + hex.EncodeToString(b[:])
}

func mediaURLs(ms []carriers.Media) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.URL)
	}
	return out
}
