package bridgetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
)

var _ bridge.Meter = (*Meter)(nil)

// Meter is a bridge.Meter with one price for every destination and an
// allowance of seconds: reservations and extensions up to Seconds in all
// are allowed, beyond it refused for funds. Settlements are rated by
// Price like the ledger does and recorded.
type Meter struct {
	Price   billing.Price // Unit per Per seconds in First/Next increments
	Seconds int64         // the most a call may reserve in all
	// Inbound prices calls from phones (CallIn) as well.
	Inbound bool

	mu      sync.Mutex
	events  []MeterEvent
	settled chan MeterEvent
	once    sync.Once
}

// MeterEvent is one call on the Meter.
type MeterEvent struct {
	Op      string // reserve, extend, settle, release
	Event   billing.Event
	Allowed bool
	Amount  int64 // settle: minor units charged
}

func (m *Meter) queue() chan MeterEvent {
	m.once.Do(func() { m.settled = make(chan MeterEvent, 16) })
	return m.settled
}

func (m *Meter) record(e MeterEvent) {
	m.mu.Lock()
	m.events = append(m.events, e)
	m.mu.Unlock()
	if e.Op == "settle" || e.Op == "release" {
		m.queue() <- e
	}
}

// Events lists what the bridge asked, in order.
func (m *Meter) Events() []MeterEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]MeterEvent(nil), m.events...)
}

// Priced prices outbound calls, and inbound ones when Inbound.
func (m *Meter) Priced(kind billing.Kind, _ string) bool { return kind == billing.Call || m.Inbound }

func (m *Meter) hold(op string, ev billing.Event) (billing.Decision, error) {
	d := billing.Decision{Allowed: ev.Quantity <= m.Seconds, Kind: ev.Kind}
	if !d.Allowed {
		d.Reason = billing.NoFunds
	}
	m.record(MeterEvent{Op: op, Event: ev, Allowed: d.Allowed})
	return d, nil
}

// Reserve allows up to Seconds.
func (m *Meter) Reserve(_ context.Context, ev billing.Event) (billing.Decision, error) {
	return m.hold("reserve", ev)
}

// Extend allows a total up to Seconds.
func (m *Meter) Extend(_ context.Context, ev billing.Event) (billing.Decision, error) {
	return m.hold("extend", ev)
}

// Settle rates ev.Quantity seconds by Price.
func (m *Meter) Settle(_ context.Context, ev billing.Event, _ string) (billing.Decision, error) {
	amount := m.Price.Cost(m.Price.Billed(ev.Quantity), 0)
	m.record(MeterEvent{Op: "settle", Event: ev, Allowed: true, Amount: amount})
	return billing.Decision{Allowed: true, Kind: ev.Kind, Amount: billing.Money{Amount: amount, Currency: "USD"}}, nil
}

// Release records the release.
func (m *Meter) Release(_ context.Context, ev billing.Event) error {
	m.record(MeterEvent{Op: "release", Event: ev, Allowed: true})
	return nil
}

// WaitSettled returns the call's settlement or release.
func (m *Meter) WaitSettled(t testing.TB) MeterEvent {
	t.Helper()
	select {
	case e := <-m.queue():
		return e
	case <-time.After(Timeout):
		t.Fatalf("bridgetest: no settlement; the meter saw %+v", m.Events())
		return MeterEvent{}
	}
}
