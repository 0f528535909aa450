package component

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine the component starts must end when Run returns.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
