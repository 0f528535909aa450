package carriertest

import (
	"testing"

	"go.uber.org/goleak"
)

// The helpers must not leak goroutines into packages that use goleak.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
