package benchcalls

import (
	"testing"

	"go.uber.org/goleak"
)

// Every call's PeerConnection, XMPP session and media goroutines must be
// gone when the tests end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
