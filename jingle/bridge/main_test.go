package bridge

import (
	"testing"

	"go.uber.org/goleak"
)

// The bridge starts a goroutine per call and per watched leg: every test
// must leave none behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
