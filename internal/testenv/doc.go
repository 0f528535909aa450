// Package testenv starts real servers (Redis, Prosody, ejabberd, stripe-mock) for integration tests
// and gives tests a real XMPP client to drive them.
//
// Every server runs from a fresh t.TempDir() on free loopback ports and is
// stopped by t.Cleanup, also when the test fails; internal/launch does the
// starting and stopping. Nothing is mocked: a test
// that needs a binary that is not installed fails and names the Debian package
// to install (`make test` installs them). stripe-mock is built from its Go
// module on first use, into the user's cache directory.
package testenv
