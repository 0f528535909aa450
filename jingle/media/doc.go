// Package media is the media plane of the voice bridge: the SIP leg's plain
// RTP/AVP socket (RTPConn), the Jingle leg's pion/webrtc PeerConnection
// (Leg), payload-type mapping from SDP (Codecs, MapCodecs) and the Relay
// that copies RTP between two legs without transcoding.
//
// Only 8 kHz audio passes: PCMU, PCMA and RFC 4733 telephone-event/8000.
// Packets of any other payload type are dropped by the Relay.
package media
