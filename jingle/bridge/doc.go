// Package voice bridges Jingle calls of XMPP users to phone calls over a
// SIP trunk. It drives the signalling of both sides (XEP-0353 Jingle
// Message Initiation and XEP-0166/0167 Jingle on one, SIP through package
// trunk on the other) and joins their media with package media: a
// pion/webrtc leg towards the XMPP client and plain RTP towards the trunk,
// G.711 passed through untouched.
//
// The bridge knows nothing of carriers. It records who owns each live
// call, and a call detail record for each ended one, through Store, and
// has calls priced through Meter (package billing's ledger) when billing
// is on.
package bridge
