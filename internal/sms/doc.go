// Package sms works out, locally, how a text travels as SMS: which encoding
// it needs, how many segments (parts of a concatenated message) it takes,
// and the exact text of each segment.
//
// # Encodings
//
// A text whose every character is in the GSM 03.38 default alphabet or its
// extension table is sent as GSM-7: one septet a character, two for the
// extension characters (€ [ ] { } \ ~ ^ | and form feed), which are an
// escape septet followed by the character's code. Any other character makes
// the whole text UCS-2, counted in UTF-16 code units: a character outside the
// Basic Multilingual Plane, such as most emoji, is a surrogate pair of two
// units.
//
// # Segments
//
// One SMS holds 140 octets: 160 septets or 70 UTF-16 units. A longer text is
// concatenated, and each part gives 6 octets to the user data header that
// numbers it (GSM 03.40), leaving 153 septets or 67 units a part. Parts are
// filled greedily, and a part never ends in the middle of an escape sequence
// or a surrogate pair, since a receiver decodes each part on its own; such a
// character moves whole to the next part, so a part may hold one unit less
// than the limit, and a text can need one segment more than its units
// divided by 153 or 67.
//
// An empty text is one empty segment, as carriers send it and as the
// reference calculator (npm sms-segments-calculator, Twilio's) counts it.
//
// # Where this differs from the reference calculator
//
// The calculator keeps a Unicode grapheme cluster (a ZWJ emoji sequence, a
// flag, a letter with combining marks) whole within one part. GSM 03.40 asks
// no such thing, the receiving phone reassembles the parts before it shows
// them, and carriers and SMPP libraries split by code unit; this package
// follows the standard and splits between the code points of a cluster, so
// for such texts it may count one segment fewer than the calculator. The
// oracle test checks that this is the only difference.
//
// Bytes that are not valid UTF-8 are read as U+FFFD, one UCS-2 unit each,
// which makes the text UCS-2; Split still cuts the original bytes, so parts
// rejoin to the input.
package sms
