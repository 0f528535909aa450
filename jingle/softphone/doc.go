// Package softphone is the sandbox's phone network for voice: a person on
// the sandbox web page holds a phone number in the browser, calls the
// gateway's users and answers their calls, with no SIP trunk anywhere.
//
// Towards the bridge (package voice) it behaves like a trunk: it takes and
// places calls with plain RTP/AVP descriptions (bridge.Incoming,
// bridge.PhoneCall). Towards the browser it is a pion/webrtc peer, signalled
// over a small JSON API with complete (not trickled) descriptions. Between
// the two it relays RTP untouched (G.711 and telephone-event).
package softphone
