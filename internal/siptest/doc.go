// Package siptest runs SIPp (Debian package sip-tester, binary sipp) as an
// independent SIP peer in tests: a trunk that answers, rejects or
// challenges our calls, a registrar, or a caller that calls us. Scenarios
// are XML files under scenarios/, embedded in the binary.
//
// SIPp runs in the foreground as a child process on free loopback ports;
// its exit code says whether the scenario passed (0), and a failure carries
// its error and message logs.
package siptest
