// Package tapback turns phone reactions, replies and corrections into SMS
// text and back, for a gateway whose XMPP side speaks XEP-0444 (reactions),
// XEP-0461 (replies) and XEP-0308 (corrections) while the phone side has only
// plain text.
//
// # Reactions phones send as text
//
// An iPhone reacting to an SMS ("tapback") sends a text naming the reaction
// and quoting the message: Liked “see you at 6”, Loved an image, Removed a
// heart from “see you at 6”. The six classic tapbacks are verbs (Liked 👍,
// Disliked 👎, Loved ❤️, Laughed at 😂, Emphasized ‼️, Questioned ❓); any
// other emoji, on iOS 18 and in Google Messages' SMS fallback, reads
// Reacted 🎉 to “see you at 6” and Removed 🎉 from “see you at 6”. Parse also
// takes the bare form 🎉 to “see you at 6”, which some Android versions are
// reported to send; the wordings were gathered from public parsers of these
// texts (BlueBubbles, Winnow) and Apple's IMCore strings, not from a phone.
// Only English is recognised.
//
// Parse is strict so that ordinary texts stay texts: the whole message must
// be one of those forms, the quote must be in quotation marks (curly or
// straight) running to the end of the text, and an unquoted object must be
// one of the names phones give attachments ("an image", "a movie", ...).
// "Liked it" and Loved “Dune” and the sequel are messages, not reactions.
// Strict is not proof: Loved “Dune” and “Arrival” still reads as a reaction
// (to the quote Dune” and “Arrival), so a reaction whose quote finds no
// remembered message is best delivered as the text it is.
//
// # Finding the quoted message
//
// Phones may shorten a long quote and end it with "…" or "...". Match
// compares a quote with a message text. Fingerprints and QuoteFingerprints
// do the same without keeping message bodies: the gateway stores each
// message's Fingerprints (keyed hashes of its normalised text and of a few
// of its prefixes) against the stanza id for a short while, and looks up a
// quote's QuoteFingerprints in turn. See Fingerprints for the scheme.
//
// # Outbound
//
// Format writes a user's XEP-0444 reaction the way an iPhone would, so that
// iPhones and Google Messages show it as a reaction on the message rather
// than as a text; Reply prefixes a XEP-0461 reply with a short quote;
// Correction marks a XEP-0308 correction.
package tapback
