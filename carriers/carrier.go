// Package carriers defines what the gateway needs of an SMS carrier and the
// messages that cross between them. Adapters live in sub-packages, one folder
// each; they know nothing of XMPP.
package carriers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Section is an adapter's [carriers.NAME] section of the configuration
// file: a struct with toml tags whose Check (config.Checker) fills in its
// defaults and validates it. Adding an adapter means its folder plus one
// line in the table of sections (internal/app.Carriers).
type Section interface {
	// Active reports whether the section turns the adapter on.
	Active() bool
	// Open builds the adapter from the checked section.
	Open(env Env) (Carrier, error)
}

// Env is what an adapter gets from the rest of the gateway.
type Env struct {
	// PublicURL is the gateway's base URL as carriers call it, without a
	// trailing slash; webhook URLs and signatures derive from it.
	PublicURL string
	// Numbers lists the numbers users hold through this adapter.
	Numbers func(ctx context.Context) ([]string, error)
	Logger  *slog.Logger
}

// Carrier sends messages through one provider.
type Carrier interface {
	// Name is the adapter's configuration name ("twilio", "sandbox").
	Name() string
	// Send submits m and returns the carrier's id for it, which later
	// status reports carry.
	Send(ctx context.Context, m Message) (id string, err error)
	// Limits reports what one message may hold.
	Limits() Limits
}

// Webhooks is implemented by carriers that receive HTTP callbacks. The
// returned handler is mounted at /{Name}/ on the gateway's HTTP server.
type Webhooks interface {
	Handler(r Receiver) http.Handler
}

// Receiver is what a carrier hands inbound traffic to.
type Receiver interface {
	// Receive delivers an inbound message. ErrUnknownNumber means nobody
	// owns the recipient number (retrying will not help); any other error
	// means the message was not taken and the carrier should retry.
	Receive(ctx context.Context, m Message) error
	// Status reports progress of a message the gateway sent.
	Status(ctx context.Context, s Status) error
}

// Limits bounds one message and says what the carrier can do. The gateway
// checks a message against them before it is queued, so a user hears which
// limit a message broke instead of a carrier error later.
type Limits struct {
	MaxBodyChars int // Unicode code points

	MaxMedia      int      // media items in one message; 0: no MMS
	MaxMediaBytes int64    // their total size; 0: not declared
	MediaTypes    []string // accepted content types ("image/*" patterns); empty: any

	// MaxRecipients is how many numbers one group message may go to, the
	// sender excluded; below 2, the carrier cannot do group MMS.
	MaxRecipients int

	// Delivery reports whether the carrier reports StateDelivered. Where
	// it never does (SignalWire MMS, some SMPP routes), StateSent is final
	// and receipts are never sent.
	Delivery bool

	// PerNumber is the sends per second one sending number may make
	// (a US long code is about 1); 0: not paced.
	PerNumber float64
}

// Group reports whether the carrier can send group MMS.
func (l Limits) Group() bool { return l.MaxRecipients >= 2 }

// Media is one attachment of a message. Outbound, URL is where the carrier
// fetches it (the user's upload); inbound, where the gateway fetches it,
// possibly with the carrier's credentials (see MediaAuthorizer).
type Media struct {
	URL  string `json:"url"`
	Type string `json:"type,omitempty"` // content type, when known
}

// Message is an SMS (or MMS when Media is set) in either direction. Numbers
// are E.164.
type Message struct {
	Carrier string
	ID      string // carrier's message id (inbound)
	From    string
	To      string
	// Cc lists a group message's other recipients besides To and From:
	// outbound, the rest of the group; inbound, everyone else the sender
	// wrote to. Empty for one-to-one messages.
	Cc    []string
	Body  string
	Media []Media
	// Name is the sender's name from the carrier's caller-name data
	// (inbound, where the carrier gives one); users see it as a nickname.
	Name string
	// Key identifies the accepted stanza outbound; adapters pass it as an
	// idempotency key where the carrier honours one, so that a retried
	// send is not sent twice.
	Key string
}

// Recipients is To followed by Cc.
func (m Message) Recipients() []string {
	return append([]string{m.To}, m.Cc...)
}

// State is a normalised delivery state.
type State string

// Delivery states common to all carriers.
const (
	StateQueued    State = "queued"
	StateSent      State = "sent"
	StateDelivered State = "delivered"
	StateFailed    State = "failed"
)

// Final reports whether no later status will follow.
func (s State) Final() bool { return s == StateDelivered || s == StateFailed }

// Status is a delivery report for a message the gateway sent.
type Status struct {
	Carrier   string
	ID        string // the id Send returned
	State     State
	ErrorCode string
	ErrorText string
	Reason    Reason // for StateFailed: why, in the gateway's terms
}

// Sentinel errors adapters wrap so the gateway can tell users what happened.
var (
	// ErrRejected: the carrier refused this message (opted-out recipient,
	// invalid number...); retrying will not help.
	ErrRejected = errors.New("carriers: message rejected")
	// ErrUnavailable: the carrier could not be reached or failed; the
	// message was not sent and may be retried later.
	ErrUnavailable = errors.New("carriers: carrier unavailable")
	// ErrUnknownNumber: an inbound message for a number no user owns.
	ErrUnknownNumber = errors.New("carriers: no user has this number")
)

// Error is a carrier's own account of a failure.
type Error struct {
	Kind    error // ErrRejected or ErrUnavailable
	Code    string
	Message string
	Reason  Reason // why, in the gateway's terms; empty when unknown
	// RetryAfter is the carrier's own delay before a retry (429), if it
	// gave one.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%v: %s (code %s)", e.Kind, e.Message, e.Code)
	}
	return fmt.Sprintf("%v: %s", e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.Kind }

// MediaAuthorizer is implemented by carriers whose inbound media URLs need
// the carrier's credentials (Twilio's need HTTP Basic auth). The gateway
// builds the request, with its own size cap and timeout; the adapter adds
// credentials only when req's URL is on the carrier's own host, and
// refuses any other URL, so a webhook cannot make the gateway hand the
// credentials to a third party.
type MediaAuthorizer interface {
	AuthorizeMedia(req *http.Request) error
}

// MediaRemover is implemented by carriers whose API deletes inbound media
// (Twilio's Media resource). The gateway calls it once it has re-hosted the
// item, so the copy at the carrier does not outlive the need.
type MediaRemover interface {
	DeleteMedia(ctx context.Context, url string) error
}

// Finder is implemented by carriers whose API can say whether a message
// was taken, for a send the gateway was cut off from (a crash between
// request and answer): found, the gateway records the carrier's id rather
// than send again.
type Finder interface {
	Find(ctx context.Context, m Message, since time.Time) (id string, found bool, err error)
}

// Prober is implemented by carriers that can check their credentials with
// a harmless read (an account or profile lookup), for `switchboard
// carriers probe`. It sends nothing and changes nothing.
type Prober interface {
	Probe(ctx context.Context) error
}
