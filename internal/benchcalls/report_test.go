package benchcalls

import (
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"
)

// report prints the phases as a table, the ratio against the bare relay
// and notes on what the figures include.
func report(w io.Writer, o options, load string, gw, bare *result) {
	fmt.Fprintf(w, "\n=== Switchboard bench-calls: %d concurrent bridged G.711 calls, %v window ===\n", o.calls, o.window)
	fmt.Fprintf(w, "%d CPUs, GOMAXPROCS %d; load average before the run: %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), load)
	fmt.Fprintf(w, "every packet crosses the relay twice (load generator -> relay -> SIPp -rtp_echo -> relay -> load generator); 50 packets/s per call each way\n\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "relay\tcalls up\tsetup s\tsent\techoed\tloss %%\tjitter p50 ms\tjitter p99 ms\tRTT p50 ms\tRTT p99 ms\trelay CPU %%\tms CPU/call-s\tµs CPU/packet\tMB RSS/call\tmachine busy %% (all CPUs)\tsteal %%\t\n")
	for _, r := range []*result{gw, bare} {
		if r == nil {
			continue
		}
		js, rtts := r.jitters(), r.rtts()
		mem := "-"
		if r == gw {
			mem = fmt.Sprintf("%.2f", r.mbPerCall())
		}
		busy, steal := 0.0, 0.0
		if r.machine.total > 0 {
			busy = 100 * float64(r.machine.busy) / float64(r.machine.total)
			steal = 100 * float64(r.machine.steal) / float64(r.machine.total)
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%.1f\t%d\t%d\t%.3f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%.2f\t%.1f\t%s\t%.0f\t%.1f\t\n",
			r.name, r.up, r.calls, r.setup.Seconds(), r.sent(), r.received(), r.lossPct(),
			ms(percentile(js, 50)), ms(percentile(js, 99)),
			float64(percentile(rtts, 50))/1000, float64(percentile(rtts, 99))/1000,
			100*float64(r.relayCPU())/float64(r.window),
			r.msPerCallSecond(), r.usPerPacket(), mem, busy, steal)
	}
	_ = tw.Flush()
	if gw != nil && bare != nil && bare.usPerPacket() > 0 {
		fmt.Fprintf(w, "\ngateway CPU per packet / bare relay CPU per packet = %.1f / %.1f µs = %.2fx (target: <= 3x)\n",
			gw.usPerPacket(), bare.usPerPacket(), gw.usPerPacket()/bare.usPerPacket())
	}
	if gw != nil {
		verdict := "met"
		if gw.up < 200 || gw.lossPct() >= 1 {
			verdict = "NOT met"
		}
		fmt.Fprintf(w, "target of >= 200 concurrent calls under 1%% loss: %s (%d calls up, %.3f%% loss)\n", verdict, gw.up, gw.lossPct())
	}
	fmt.Fprintf(w, "\nNotes\n")
	fmt.Fprintf(w, "  The gateway's WebRTC leg does ICE, DTLS-SRTP (encrypt and decrypt every packet) and RTCP reports; the bare relay\n")
	fmt.Fprintf(w, "  only reads and writes UDP. Both figures are raw: the ratio includes the SRTP cost.\n")
	fmt.Fprintf(w, "  Jitter: RFC 3550 estimator per call against the actual send times (the path's added jitter); RTT: send to echo.\n")
	fmt.Fprintf(w, "  CPU from /proc/PID/task/*/schedstat within the window; MB RSS/call = (peak VmRSS in the window - VmRSS before the calls) / calls up.\n")
	for _, r := range []*result{gw, bare} {
		if r == nil {
			continue
		}
		var other []string
		for _, name := range slices.Sorted(maps.Keys(r.cpu)) {
			if name != "relay" {
				other = append(other, fmt.Sprintf("%s %.0f%%", name, 100*float64(r.cpu[name])/float64(r.window)))
			}
		}
		fmt.Fprintf(w, "  %s phase, other processes' CPU: %v\n", r.name, other)
		fmt.Fprintf(w, "  %s phase, machine UDP: %d datagrams in, %d receive errors (%d receive-buffer overflows), %d send-buffer errors\n",
			r.name, r.udp.inDatagrams, r.udp.inErrors, r.udp.rcvbufErrors, r.udp.sndbufErrors)
		if len(r.drops) > 0 {
			fmt.Fprintf(w, "  %s phase, receive-buffer drops by socket owner (/proc/net/udp):", r.name)
			for _, name := range slices.Sorted(maps.Keys(r.drops)) {
				fmt.Fprintf(w, " %s %d;", name, r.drops[name])
			}
			fmt.Fprintln(w)
		}
		var dups, foreign int64
		for _, s := range r.snaps {
			dups += s.dups
			foreign += s.foreign
		}
		if dups+foreign > 0 {
			fmt.Fprintf(w, "  %s phase: %d duplicate and %d foreign packets\n", r.name, dups, foreign)
		}
		if r == gw {
			fmt.Fprintf(w, "  gateway: %d call detail records after hanging up %d calls\n", r.recorded, r.up)
		}
		for _, msg := range slices.Sorted(maps.Keys(r.failures)) {
			fmt.Fprintf(w, "  %s phase: %d x %s\n", r.name, r.failures[msg], msg)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
