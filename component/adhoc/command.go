package adhoc

import (
	"context"
	"errors"
	"fmt"

	"mellium.im/xmpp/jid"
)

// Access is who may run a command. Levels are ordered: an admin may run
// what a registered user may, who may run what anyone may.
type Access int

// Access levels.
const (
	Anyone     Access = iota // any JID that can reach the gateway
	Registered               // JIDs holding a number
	Admin                    // the configured admins
)

// Roles tells the Server the highest level a JID has.
type Roles func(ctx context.Context, who jid.JID) (Access, error)

// Command is one ad-hoc command.
type Command struct {
	Node   string // the XEP-0050 node, e.g. "info"
	Name   string // what users read, e.g. "My number"
	Access Access
	Step   StepFunc
	// Aliases are further words that start the command in chat text.
	Aliases []string
}

// StepFunc moves a command on by one step. It is called with r.Stage ""
// (and no values) when the command starts, and then with the stage of
// the step the user answered and the values they gave, checked against
// that step's form. It returns the next step to show.
//
// An *FieldError from Invalid refuses one field's value: the user sees the
// problem and the same step again, with the session unchanged. Any other
// error ends the request with internal-server-error (the session stays, so
// the user may try again).
//
// A step function must not keep state of its own: what it needs across
// steps goes in r.State, which the session keeps (and restores on back).
type StepFunc func(ctx context.Context, r *Request) (*Step, error)

// Request is what a step function sees.
type Request struct {
	From   jid.JID // the full JID running the command
	Node   string
	Stage  string // the stage of the step being answered; "" at the start
	Action Action // ActionNext, ActionComplete or ActionExecute
	Values Values // the answers to that step's form; empty at the start
	State  State  // the command's memory; changes are kept
	Chat   bool   // run from chat text rather than a command UI
}

// State is a command's memory between steps: strings only, so that
// sessions can live in Redis.
type State map[string]string

func (s State) clone() State {
	c := make(State, len(s))
	for k, v := range s {
		c[k] = v
	}
	return c
}

// Step is what the user sees next.
type Step struct {
	// Stage names the step for the next call of the step function.
	Stage string `json:"stage,omitempty"`
	// Form asks (TypeForm) or shows (TypeResult); nil for none.
	Form  *Form  `json:"form,omitempty"`
	Notes []Note `json:"notes,omitempty"`
	Links []Link `json:"links,omitempty"` // XEP-0066, e.g. a payment page
	// Done completes the command with this step.
	Done bool `json:"done,omitempty"`
	// Final makes this the last step to answer: the user completes
	// rather than goes on.
	Final bool `json:"final,omitempty"`
	// NoBack forbids going back from this step (e.g. once paid).
	NoBack bool `json:"noback,omitempty"`
}

// NoteType is an XEP-0050 note's type.
type NoteType string

// Note types.
const (
	Info  NoteType = "info"
	Warn  NoteType = "warn"
	Error NoteType = "error"
)

// Note is a line of text shown with a step.
type Note struct {
	Type NoteType `json:"type"`
	Text string   `json:"text"`
}

// Link is an XEP-0066 link; Cheogram shows an https link as a page that
// can advance the command.
type Link struct {
	URL  string `json:"url"`
	Desc string `json:"desc,omitempty"`
}

// Action is what the user asks of a session.
type Action string

// XEP-0050 actions.
const (
	ActionExecute  Action = "execute"
	ActionNext     Action = "next"
	ActionPrev     Action = "prev"
	ActionComplete Action = "complete"
	ActionCancel   Action = "cancel"
)

// ErrInvalid is wrapped by Invalid's errors.
var ErrInvalid = errors.New("adhoc: invalid value")

// Invalid refuses the value of field name, saying why in words the user
// reads ("is not a phone number").
func Invalid(name, format string, args ...any) error {
	return &FieldError{Var: name, Problem: fmt.Sprintf(format, args...), err: ErrInvalid}
}

// actions are what the user may do at step s, and the default (what
// execute means); canBack tells whether an earlier step exists.
func (s *Step) actions(canBack bool) (allowed []Action, def Action) {
	if s.Done {
		return nil, ""
	}
	if s.Final {
		allowed, def = []Action{ActionComplete}, ActionComplete
	} else {
		allowed, def = []Action{ActionNext}, ActionNext
	}
	if canBack && !s.NoBack {
		allowed = append([]Action{ActionPrev}, allowed...)
	}
	return allowed, def
}
