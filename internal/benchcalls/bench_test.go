package benchcalls

import (
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkCalls runs BENCH_CALLS concurrent bridged calls through the
// gateway for BENCH_SECONDS, and the same packets through a bare UDP
// relay, and prints both. It runs once whatever -benchtime says.
func BenchmarkCalls(b *testing.B) {
	o := loadOptions(b)
	load := loadAverage()
	e := setup(b, o)
	clk := clock{base: time.Now()}
	var bare *result
	if o.baseline {
		bare = runBaseline(b, e, clk)
	}
	gw := runGateway(b, e, clk)
	e.stopGateway() // now, so a CPU profile is complete before the report
	report(os.Stdout, o, load, gw, bare)
	b.ReportMetric(float64(gw.up), "calls-up")
	b.ReportMetric(gw.lossPct(), "loss-%")
	b.ReportMetric(ms(percentile(gw.jitters(), 99)), "jitter-p99-ms")
	b.ReportMetric(gw.msPerCallSecond(), "cpu-ms/call-s")
	b.ReportMetric(gw.usPerPacket(), "cpu-µs/packet")
	b.ReportMetric(gw.mbPerCall(), "MB/call")
	if bare != nil && bare.usPerPacket() > 0 {
		b.ReportMetric(gw.usPerPacket()/bare.usPerPacket(), "x-bare")
	}
	if o.cpuProfile != "" {
		b.Logf("gateway CPU profile: %s (go tool pprof %s %s)", o.cpuProfile, e.gwBin, o.cpuProfile)
	}
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
