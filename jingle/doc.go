// Package jingle holds the signalling side of voice calls: XML types for
// XEP-0166 Jingle with XEP-0167 RTP sessions, XEP-0176 ICE-UDP, XEP-0320
// DTLS-SRTP fingerprints, XEP-0293 RTCP feedback, XEP-0294 header
// extensions, XEP-0338 grouping, XEP-0339 sources and XEP-0353 Jingle
// Message Initiation, and a mapping between Jingle and SDP (ToSDP, FromSDP)
// for driving a WebRTC stack such as pion.
//
// The types are plain encoding/xml structs: unmarshal a <jingle/> element
// into a Jingle, marshal one to send it. Nothing here does I/O.
package jingle

// XML namespaces.
const (
	NS         = "urn:xmpp:jingle:1"                     // XEP-0166
	NSRTP      = "urn:xmpp:jingle:apps:rtp:1"            // XEP-0167
	NSRTPInfo  = "urn:xmpp:jingle:apps:rtp:info:1"       // XEP-0167 session-info
	NSAudio    = "urn:xmpp:jingle:apps:rtp:audio"        // XEP-0167 disco feature
	NSICEUDP   = "urn:xmpp:jingle:transports:ice-udp:1"  // XEP-0176
	NSDTLS     = "urn:xmpp:jingle:apps:dtls:0"           // XEP-0320
	NSRTCPFB   = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0"    // XEP-0293
	NSHdrExt   = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" // XEP-0294
	NSGrouping = "urn:xmpp:jingle:apps:grouping:0"       // XEP-0338
	NSSSMA     = "urn:xmpp:jingle:apps:rtp:ssma:0"       // XEP-0339
	NSJMI      = "urn:xmpp:jingle-message:0"             // XEP-0353
	NSErrors   = "urn:xmpp:jingle:errors:1"              // XEP-0166 error conditions
)

// Features lists the disco#info features a number JID advertises so that
// Conversations, Dino and Movim offer audio calls to it.
var Features = []string{NS, NSICEUDP, NSRTP, NSDTLS, NSAudio, NSJMI}

// Jingle-specific error conditions of XEP-0166 §10, sent as children of an
// IQ <error/> in NSErrors next to a stanza error.
const (
	ErrorOutOfOrder      = "out-of-order"
	ErrorTieBreak        = "tie-break"
	ErrorUnknownSession  = "unknown-session"
	ErrorUnsupportedInfo = "unsupported-info"
)
