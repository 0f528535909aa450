package trunk

import (
	"errors"
	"fmt"
)

// StatusError is a final non-2xx response to an INVITE.
type StatusError struct {
	Code   int
	Reason string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("trunk: call failed: %d %s", e.Code, e.Reason)
}

// ErrNoAck is returned by Incoming.Answer when the caller never
// acknowledged our 200 OK.
var ErrNoAck = errors.New("trunk: no ACK for 200 OK")

// ErrCancelled is returned by Incoming.Answer when the caller has
// cancelled the call.
var ErrCancelled = errors.New("trunk: call cancelled by the caller")

// ErrBadTarget is returned by Dial for a destination that is neither a
// number nor a SIP URI.
var ErrBadTarget = errors.New("trunk: bad call target")

// ErrReinvite is returned by Call.Reinvite when the far end refused it;
// it wraps the *StatusError.
var ErrReinvite = errors.New("trunk: re-INVITE refused")

func wrapErr(what string, err error) error {
	return fmt.Errorf("trunk: %s: %w", what, err)
}
