// Package trunk is the SIP leg of Switchboard's voice bridge: it places
// calls to a SIP trunk, takes calls from it, keeps a registration alive and
// carries re-INVITEs (hold/resume) both ways. It uses github.com/emiago/sipgo
// over UDP.
//
// Media is not handled here: callers pass SDP bytes in and get SDP bytes out.
// The package knows nothing about XMPP. See README.md for the manual page.
package trunk
