// Package signup is the gateway's self-service sign-up: a person with any
// XMPP account picks a phone number, pays for it when billing is on, and
// the gateway buys it at the carrier and binds it to their JID. It is
// served as the ad-hoc command jabber:iq:register (chat text "register")
// and as XEP-0077 registration on the gateway's JID, the two ways
// Cheogram's SGX contract knows, and it issues invite codes (the admins'
// invite-codes command). README.md in this folder is its manual.
package signup
