package app

import (
	"testing"

	"go.uber.org/goleak"
)

// A stopped gateway leaves no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
