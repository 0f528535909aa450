package app

import (
	"os"
	"runtime/debug"
)

// gcPercent is the gateway's GOGC when the environment sets none. The live
// heap is small (tens of MB: sessions, caches, messages in flight) and
// churns fast, so Go's default of 100 collects many times a second under
// load; 400 cut the collector's share of the gateway's CPU from about 9 %
// to about 3 % in `make bench` for a few more MB of heap.
const gcPercent = 400

// TuneGC sets the collector's target to gcPercent unless GOGC is set,
// which an operator may use to choose otherwise. Mains call it: it sets
// process-wide state.
func TuneGC() {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(gcPercent)
	}
}
