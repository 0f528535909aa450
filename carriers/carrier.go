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

// Limits bounds one message.
type Limits struct {
	MaxBodyChars int // Unicode code points
}

// Message is an SMS (or MMS when Media is set) in either direction. Numbers
// are E.164.
type Message struct {
	Carrier string
	ID      string // carrier's message id (inbound)
	From    string
	To      string
	Body    string
	Media   []string
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
}

func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%v: %s (code %s)", e.Kind, e.Message, e.Code)
	}
	return fmt.Sprintf("%v: %s", e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.Kind }
