package adhoc

import (
	"context"
	"errors"
	"time"
)

// Session errors.
var (
	ErrNoSession = errors.New("adhoc: no such session (unknown or expired)")
	ErrTooMany   = errors.New("adhoc: too many command sessions")
)

// Session is one run of a command by one user. It holds only data, so
// that a store may keep it as JSON (Redis, later).
type Session struct {
	ID      string    `json:"id"`
	Owner   string    `json:"owner"` // the bare JID running it
	Node    string    `json:"node"`
	Frames  []Frame   `json:"frames"` // steps shown, oldest first; the last is current
	Chat    *Chat     `json:"chat,omitempty"`
	Expires time.Time `json:"exp"`
}

// Frame is one step shown, with the memory it was shown with: going back
// restores both, and the user's answers to it.
type Frame struct {
	Step    Step   `json:"step"`
	State   State  `json:"state,omitempty"`
	Answers Values `json:"ans,omitempty"` // what the user answered, once they did
}

// current is the step the user is at.
func (s *Session) current() *Frame { return &s.Frames[len(s.Frames)-1] }

// canBack reports whether there is a step to go back to.
func (s *Session) canBack() bool { return len(s.Frames) > 1 }

// Sessions keeps sessions, each for the Server's expiry. Implementations
// bound what one owner can hold, so that a stranger cannot exhaust
// memory.
type Sessions interface {
	// Put stores s, replacing a session of the same owner and id. It
	// refuses with ErrTooMany when no room is left.
	Put(ctx context.Context, s *Session) error
	// Get returns a copy of the session, or ErrNoSession.
	Get(ctx context.Context, owner, id string) (*Session, error)
	Delete(ctx context.Context, owner, id string) error
}
