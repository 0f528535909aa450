// Package jinglepeer is a test peer: an independent XMPP Jingle client
// (Python aiortc and slixmpp from Debian) that logs in to a test server like
// a user and makes or answers audio calls with ICE, DTLS-SRTP and a tone,
// driven from Go tests through JSON-line commands and events.
package jinglepeer
