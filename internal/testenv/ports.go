package testenv

import (
	"testing"

	"github.com/switchboard-gw/switchboard/internal/launch"
)

// FreePort returns a free TCP port on 127.0.0.1.
//
// The port is only free at the time of the call: servers that cannot be
// handed a listener (Redis, Prosody) must bind it themselves, so a tiny race
// with other processes remains.
func FreePort(t testing.TB) int {
	t.Helper()
	return freePorts(t, 1)[0]
}

// freePorts returns n distinct free ports.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports, err := launch.FreePorts(n)
	if err != nil {
		t.Fatal(err)
	}
	return ports
}
