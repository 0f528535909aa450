// Package benchcalls measures the voice bridge under N concurrent G.711
// calls: CPU per call and per packet, packet loss, added jitter and memory
// per call of the gateway process, against a bare Go UDP relay
// (./barerelay) moving the same packets.
//
// Everything lives in BenchmarkCalls, which runs only with -bench:
//
//	go test -run '^$' -bench Calls -timeout 30m ./internal/benchcalls
//
// BENCH_CALLS (default 200) and BENCH_SECONDS (default 20) size the run;
// README.md lists the other knobs. TestSmoke runs the same harness with two
// calls for a few seconds so that `go test` keeps it working.
package benchcalls
