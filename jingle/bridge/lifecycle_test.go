package bridge_test

import (
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
)

// TestOrphanedCall: a call whose owning instance died is recorded as
// owner-lost by the instance that finds it.
func TestOrphanedCall(t *testing.T) {
	// Run sweeps once at start and then every OwnerTTL/3: the orphan may
	// appear after the first sweep, so the next must come soon.
	e := newEnv(t, func(s *bridge.Settings) { s.OwnerTTL = 150 * time.Millisecond })
	e.st.SetOrphans("dead-call")
	r := e.st.WaitCDRFor(t, "dead-call")
	if r.Reason != "owner-lost" || r.End.IsZero() {
		t.Errorf("call record %+v", r)
	}
}

// TestShutdownEndsCalls: when Run ends, every call is ended on both legs
// (session-terminate general-error to the user, BYE to the phone, 503 to
// a caller still ringing) and recorded.
func TestShutdownEndsCalls(t *testing.T) {
	e := newEnv(t, nil)
	oc := e.callPhone(t, "shutdown-out", true)
	out := e.answer(t, oc)
	ic := e.callBob(t)
	e.shutdown()
	if e.b.Active() != 0 {
		t.Errorf("%d calls live after Run returned", e.b.Active())
	}
	out.WaitHangup(t)
	if end := e.x.WaitJingle(t, jingle.SessionTerminate, alice.String()); end.Reason() != jingle.GeneralError {
		t.Errorf("session-terminate: %s", end.Raw)
	}
	if r := e.st.WaitCDRFor(t, oc.sid); r.Reason != "general-error" {
		t.Errorf("call record %+v", r)
	}
	if ret := e.x.WaitJMI(t, "retract", bobBare); ret.Reason() != jingle.GeneralError {
		t.Errorf("retract: %s", ret.Raw)
	}
	if r := e.st.WaitCDRFor(t, ic.sid); r.Reason != "general-error" {
		t.Errorf("call record %+v", r)
	}
	ic.onlyFinal(t, 503)
}
