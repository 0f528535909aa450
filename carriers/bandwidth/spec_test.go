package bandwidth

import (
	"testing"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// TestAgainstBandwidthSpec runs everything that needs Prism serving
// Bandwidth's definition under one Prism, which takes seconds to start.
func TestAgainstBandwidthSpec(t *testing.T) {
	prism := carriertest.StartBandwidthPrism(t)
	t.Run("send", func(t *testing.T) { testSend(t, prism) })
	t.Run("invalid send", func(t *testing.T) { testSpecValidates(t, prism) })
	t.Run("callbacks", func(t *testing.T) { testCallbacks(t, prism) })
	t.Run("delete media", func(t *testing.T) { testDeleteMedia(t, prism) })
	t.Run("find", func(t *testing.T) { testFind(t, prism) })
}
