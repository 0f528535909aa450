// Package bench measures the gateway's throughput, latency and CPU cost per
// message through a real Prosody and a real Redis, against a baseline
// component that only echoes (internal/bench/echo) on the same server.
//
// Everything lives in BenchmarkGateway, which runs only with -bench:
//
//	go test -run '^$' -bench . -benchtime 10000x -timeout 30m ./internal/bench
//
// -benchtime Nx is the number of messages per phase. See bench_test.go for
// the phases and the BENCH_* environment variables that tune them.
package bench
