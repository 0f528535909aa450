package trunk

import (
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/siptest"
)

// waitFor polls cond until it holds or waitLong passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRegister: SIPp as registrar challenges with 401 and verifies the
// digest; it grants 2s so a refresh follows, and expects the un-REGISTER
// (Expires: 0) when Run stops.
func TestRegister(t *testing.T) {
	s := siptest.Start(t, siptest.Options{Scenario: "registrar.xml",
		Replace: map[string]string{"USER": "gw", "PASS": "s3cret"}})
	tr := startTrunk(t, Settings{Trunk: "sip:" + s.Addr, Username: "gw", Password: "s3cret", Register: true}, nil)
	waitFor(t, "Registered", tr.Registered)
	waitFor(t, "a refresh", func() bool { return tr.logs.count("registration refreshed") >= 1 })
	if !tr.Registered() {
		t.Error("not Registered after the refresh")
	}
	tr.stop(t)
	if tr.Registered() {
		t.Error("Registered after Run returned")
	}
	s.MustPass(t)
}

// TestRegisterWrongPassword: the registrar refuses the digest; Registered
// stays false and Run keeps retrying instead of returning.
func TestRegisterWrongPassword(t *testing.T) {
	s := siptest.Start(t, siptest.Options{Scenario: "registrar_reject.xml",
		Replace: map[string]string{"USER": "gw", "PASS": "s3cret"}})
	tr := startTrunk(t, Settings{Trunk: "sip:" + s.Addr, Username: "gw", Password: "wrong", Register: true}, nil)
	s.MustPass(t) // two rounds: the second one is the retry
	if tr.Registered() {
		t.Error("Registered with a wrong password")
	}
	select {
	case err := <-tr.done:
		t.Fatalf("Run returned %v while registration failed; want it to keep retrying", err)
	default:
	}
}

// TestRegisteredWithoutRegister: without Register the trunk counts as
// registered.
func TestRegisteredWithoutRegister(t *testing.T) {
	tr, err := New(Settings{Listen: "127.0.0.1:0", Trunk: "sip:127.0.0.1:5070"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Registered() {
		t.Error("Registered() = false with Register off")
	}
}
