// Package fault holds the gateway's crash tests: real processes (the
// switchboard binary, redis-server, Prosody) are killed with SIGKILL in the
// middle of a flow of messages in each direction, and every message is
// counted at the far end. Nothing may be lost and nothing doubled.
//
// The package has no code of its own; see fault_test.go.
package fault
