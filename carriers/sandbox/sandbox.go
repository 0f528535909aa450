// Package sandbox is a carrier that talks to no outside service: it plays
// the phone network on a web page served by the gateway, for demos and
// tests. Messages live in memory only, for a short while.
package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/switchboard-gw/switchboard/carriers"
)

// Name is the adapter's configuration name and web path prefix.
const Name = "sandbox"

// Settings configures the sandbox.
type Settings struct {
	// Numbers lists the gateway numbers served by the sandbox, for the
	// page's picker and for group texts to several of them; optional.
	Numbers func(ctx context.Context) ([]string, error)
	Keep    int           // messages kept; default 200
	TTL     time.Duration // how long a message (and its pictures) is kept; default 1h
	// MaxMediaBytes caps the pictures held in memory, all together; the
	// oldest go first. Default 64 MiB.
	MaxMediaBytes int64
	// PublicURL is the gateway's public address; its origin may call the
	// page's API (besides the address a request was sent to), and the
	// pictures phones send are served under it.
	PublicURL string
	Logger    *slog.Logger
}

// Entry is one message as the page shows it.
type Entry struct {
	Seq int64 `json:"seq"`
	// Rev is the sandbox's change counter when the entry last changed
	// (at first its Seq): the page asks for entries changed since the
	// last Rev it saw, so it hears of statuses as well as new messages.
	Rev    int64            `json:"rev"`
	Dir    string           `json:"dir"` // "out": a user texted a phone; "in": a phone texted a user
	ID     string           `json:"id"`
	From   string           `json:"from"`
	To     string           `json:"to"`
	Cc     []string         `json:"cc,omitempty"` // a group text's other recipients
	Body   string           `json:"body"`
	Media  []carriers.Media `json:"media,omitempty"`
	Time   time.Time        `json:"time"`
	Status string           `json:"status"`
	// For a failed message: the carrier's code, the reason, and the
	// reason as a user reads it (carriers.Reason.Text).
	Code       string          `json:"code,omitempty"`
	Reason     carriers.Reason `json:"reason,omitempty"`
	ReasonText string          `json:"reason_text,omitempty"`
	Note       string          `json:"note,omitempty"` // the fault the page set for it, or why it was refused
}

func (e *Entry) setFailure(code string, r carriers.Reason) {
	e.Status = string(carriers.StateFailed)
	e.Code, e.Reason, e.ReasonText = code, r, r.Text()
}

// Carrier is the sandbox adapter.
type Carrier struct {
	set   Settings
	token string // the page's per-run secret (see Token)
	page  []byte // page.html with the token in it

	ctx  context.Context // ends at Close: reports under way stop
	stop context.CancelFunc

	mu         sync.Mutex
	seq        int64 // message numbers and change counter (Entry.Seq, Entry.Rev)
	entries    []Entry
	recv       carriers.Receiver
	changed    chan struct{}    // closed and replaced on every change, to wake long polls
	next       *Fault           // for the next outbound message
	byNumber   map[string]Fault // for every message to a number
	media      map[string]*held // by file name
	mediaOrder []string         // file names, oldest first
	mediaBytes int64

	book numberBook // numbers sold (numbers.go)

	tmu    sync.Mutex // guards the report timers
	timers map[*time.Timer]struct{}
	closed bool
	wg     sync.WaitGroup // report callbacks running or pending
}

var (
	_ carriers.Carrier         = (*Carrier)(nil)
	_ carriers.Webhooks        = (*Carrier)(nil)
	_ carriers.MediaAuthorizer = (*Carrier)(nil)
)

// New returns an empty sandbox. Close stops its delivery reports.
func New(set Settings) *Carrier {
	if set.Keep <= 0 {
		set.Keep = 200
	}
	if set.TTL <= 0 {
		set.TTL = time.Hour
	}
	if set.MaxMediaBytes <= 0 {
		set.MaxMediaBytes = 64 << 20
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	set.PublicURL = strings.TrimRight(set.PublicURL, "/")
	token := newToken()
	ctx, stop := context.WithCancel(context.Background())
	return &Carrier{set: set, token: token, page: bytes.Replace(pageHTML, []byte(tokenSlot), []byte(token), 1),
		ctx: ctx, stop: stop, changed: make(chan struct{}), byNumber: map[string]Fault{},
		media: map[string]*held{}, timers: map[*time.Timer]struct{}{}}
}

// Name implements carriers.Carrier.
func (c *Carrier) Name() string { return Name }

// Limits implements carriers.Carrier. The sandbox mimics Twilio (1600
// characters, 10 pictures, 5 MB), except that it can do group MMS, so
// that group texts can be tried, and sends as fast as it is asked to.
func (c *Carrier) Limits() carriers.Limits {
	return carriers.Limits{
		MaxBodyChars:  1600,
		MaxMedia:      10,
		MaxMediaBytes: 5 << 20,
		MediaTypes:    []string{"image/*"},
		MaxRecipients: 10,
		Delivery:      true,
	}
}

// Send records m for the page and plays the network: unless the page set
// a fault for it, it is reported sent, then delivered.
func (c *Carrier) Send(ctx context.Context, m carriers.Message) (string, error) {
	e := Entry{Dir: "out", ID: newID(), From: m.From, To: m.To, Cc: slices.Clone(m.Cc), Body: m.Body,
		Media: slices.Clone(m.Media), Status: string(carriers.StateQueued)}
	if err := c.checkSend(m); err != nil {
		e.setFailure(err.Code, err.Reason)
		e.Note = "refused: " + err.Message
		c.add(e)
		return "", err
	}
	f := c.takeFault(m.Recipients())
	e.Note = f.Describe()
	if f.Outcome == Reject {
		code, msg, _ := failure(f.Reason)
		e.setFailure(code, f.Reason)
		c.add(e)
		return "", &carriers.Error{Kind: carriers.ErrRejected, Code: code, Message: msg, Reason: f.Reason}
	}
	c.add(e)
	c.deliver(e.ID, f)
	return e.ID, nil
}

// checkSend refuses what Twilio would refuse of m, were it within its
// limits, with Twilio's codes where it has one.
func (c *Carrier) checkSend(m carriers.Message) *carriers.Error {
	l := c.Limits()
	rejected := func(code, msg string, r carriers.Reason) *carriers.Error {
		return &carriers.Error{Kind: carriers.ErrRejected, Code: code, Message: msg, Reason: r}
	}
	switch n := utf8.RuneCountInString(m.Body); {
	case n == 0 && len(m.Media) == 0:
		return rejected("21602", "Message body is required", carriers.ReasonUnknown)
	case n > l.MaxBodyChars:
		return rejected("21617", fmt.Sprintf("the message is %d characters; at most %d", n, l.MaxBodyChars), carriers.ReasonTooLarge)
	case len(m.Media) > l.MaxMedia:
		return rejected("", fmt.Sprintf("%d media items; at most %d", len(m.Media), l.MaxMedia), carriers.ReasonTooLarge)
	case len(m.Recipients()) > l.MaxRecipients:
		return rejected("", fmt.Sprintf("%d recipients; a group text may have at most %d", len(m.Recipients()), l.MaxRecipients), carriers.ReasonUnknown)
	}
	for _, md := range m.Media {
		if md.Type != "" && !strings.HasPrefix(md.Type, "image/") {
			return rejected("", "media of type "+md.Type+": only pictures", carriers.ReasonUnknown)
		}
	}
	return nil
}

func (c *Carrier) add(e Entry) Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	e.Seq, e.Rev = c.seq, c.seq
	e.Time = time.Now().UTC()
	c.entries = append(c.entries, e)
	c.expireLocked()
	c.wakeLocked()
	return e
}

// update changes the entry with the carrier id id, if still kept.
func (c *Carrier) update(id string, f func(*Entry)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.entries {
		if c.entries[i].ID == id {
			f(&c.entries[i])
			c.seq++
			c.entries[i].Rev = c.seq
			c.wakeLocked()
			return
		}
	}
}

func (c *Carrier) setStatus(id, status string) {
	c.update(id, func(e *Entry) { e.Status = status })
}

func (c *Carrier) wakeLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// expireLocked forgets messages past the count or age limit, and the
// pictures that went with them.
func (c *Carrier) expireLocked() {
	cut := time.Now().Add(-c.set.TTL)
	i := 0
	for i < len(c.entries) && (len(c.entries)-i > c.set.Keep || c.entries[i].Time.Before(cut)) {
		i++
	}
	dropped := slices.Clone(c.entries[:i])
	c.entries = append(c.entries[:0], c.entries[i:]...)
	c.expireMediaLocked(dropped)
}

// Since returns the messages after seq and a channel closed at the next
// change.
func (c *Carrier) Since(seq int64) ([]Entry, <-chan struct{}) {
	return c.matching(func(e Entry) bool { return e.Seq > seq })
}

// Changed returns the messages new or changed after rev (Entry.Rev) and a
// channel closed at the next change.
func (c *Carrier) Changed(rev int64) ([]Entry, <-chan struct{}) {
	return c.matching(func(e Entry) bool { return e.Rev > rev })
}

func (c *Carrier) matching(keep func(Entry) bool) ([]Entry, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	var out []Entry
	for _, e := range c.entries {
		if keep(e) {
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

var _ carriers.Prober = (*Carrier)(nil)

// Probe implements carriers.Prober: the sandbox has no credentials to
// check, and is always there.
func (c *Carrier) Probe(context.Context) error { return nil }
