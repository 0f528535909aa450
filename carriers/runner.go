package carriers

import "context"

// Runner is implemented by carriers that hold a connection of their own
// rather than (or beside) receiving webhooks: an SMPP session to an SMSC.
// The gateway runs Run for the life of the process, with the Receiver the
// webhooks get; Run returns once ctx is done and its connection is closed.
// Sends made while Run is not connected fail with ErrUnavailable.
type Runner interface {
	Run(ctx context.Context, r Receiver) error
}
