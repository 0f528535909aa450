// Package bridgetest has in-memory fakes of the interfaces the call bridge
// (jingle/bridge) depends on, so that its call flows can be tested in
// milliseconds without Prosody, Redis or SIPp:
//
//   - XMPP records the stanzas the bridge sends and answers its IQs;
//   - Dialer, Dial, Call and Incoming play the phone side (a trunk's
//     INVITEs in and out, BYE, CANCEL, re-INVITE);
//   - Store keeps numbers, call ownership, call records and media;
//   - Meter prices calls and Clock is moved by hand, for billing;
//   - Client is a user's WebRTC endpoint (a pion leg on loopback) that
//     turns the bridge's Jingle offers into answers and makes offers.
//
// Every Wait method fails the test after Timeout, listing what was seen
// instead, so a broken flow fails fast with a useful message.
package bridgetest

import "time"

// Timeout bounds every Wait: the flows under test take milliseconds, so
// anything slower is a failure, not a slow machine.
const Timeout = 5 * time.Second
