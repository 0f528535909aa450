package billing

import "context"

// Meter is what the sending paths call: the component and the outbox for
// texts, the call bridge for calls. *Ledger is one; Unmetered is the one
// for a gateway with billing off.
//
// A send: Reserve before the carrier (refused: tell the user
// Decision.Text, do not call the carrier); Commit with the carrier's id
// once it accepted; Release if it refused. A call: Reserve the first
// increment(s) at start, Extend to the next total before each step runs
// out (refused: end the call with Decision.Text), Settle with the actual
// seconds at the end. An inbound event: Charge. Whenever
// Decision.LowCrossed, send the user Decision.Text once.
type Meter interface {
	Reserve(ctx context.Context, ev Event) (Decision, error)
	Extend(ctx context.Context, ev Event) (Decision, error)
	Commit(ctx context.Context, ev Event, ref string) (Decision, error)
	Release(ctx context.Context, ev Event) error
	Charge(ctx context.Context, ev Event) (Decision, error)
}

var (
	_ Meter = (*Ledger)(nil)
	_ Meter = Unmetered{}
)

// Unmetered allows everything and records nothing: billing is off.
type Unmetered struct{}

func (Unmetered) allow(ev Event) Decision { return Decision{Allowed: true, Kind: ev.Kind} }

// Reserve allows ev.
func (u Unmetered) Reserve(_ context.Context, ev Event) (Decision, error) { return u.allow(ev), nil }

// Extend allows ev.
func (u Unmetered) Extend(_ context.Context, ev Event) (Decision, error) { return u.allow(ev), nil }

// Commit allows ev.
func (u Unmetered) Commit(_ context.Context, ev Event, _ string) (Decision, error) {
	return u.allow(ev), nil
}

// Release does nothing.
func (Unmetered) Release(context.Context, Event) error { return nil }

// Charge allows ev.
func (u Unmetered) Charge(_ context.Context, ev Event) (Decision, error) { return u.allow(ev), nil }
