package tapback

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// QuoteLimit is how many characters of the quoted message Format and Reply
// keep; a longer quote is cut there and ends with "…". Phones show the
// reaction on the message they find by the quote, so a short quote costs
// little, and it keeps a reaction to a long message to one SMS.
const QuoteLimit = 40

// Text returns r as an iPhone writes it: a classic tapback as its verb
// (Loved “see you at 6”, Removed a heart from “see you at 6”), any other
// emoji as Reacted 🎉 to “see you at 6” or Removed 🎉 from “see you at 6”.
// A Media reaction names "an image"; otherwise the quote is r.Quoted on one
// line, cut to QuoteLimit characters.
func (r Reaction) Text() string {
	obj := mediaName
	if !r.Media {
		obj = "“" + shorten(r.Quoted) + "”"
	}
	c, isClassic := classicOf(r.Emoji)
	switch {
	case isClassic && r.Remove:
		return "Removed " + c.removed + " from " + obj
	case isClassic:
		return c.verb + " " + obj
	case r.Remove:
		return "Removed " + r.Emoji + " from " + obj
	}
	return "Reacted " + r.Emoji + " to " + obj
}

// Format returns the text for a user's XEP-0444 reaction emoji to the
// message quoted: Reaction{Emoji: emoji, Quoted: quoted}.Text().
func Format(emoji, quoted string) string {
	return Reaction{Emoji: emoji, Quoted: quoted}.Text()
}

// Reply returns a XEP-0461 reply as one text: the quoted message, shortened
// as in Format, on a first line marked with "> ", then body:
//
//	> “see you at 6”
//	Running late, 6:15?
//
// With nothing to quote it returns body.
func Reply(quoted, body string) string {
	q := shorten(quoted)
	if q == "" {
		return body
	}
	return "> “" + q + "”\n" + body
}

// Correction returns a XEP-0308 correction as a text, since a phone cannot
// replace a message it has shown.
func Correction(body string) string {
	return "Correction: " + body
}

// shorten puts s on one line, its runs of white space made one space, and
// cuts it to QuoteLimit characters, ending "…" when cut.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= QuoteLimit {
		return s
	}
	n := 0
	for i := range s {
		if n == QuoteLimit {
			return strings.TrimRightFunc(s[:i], unicode.IsSpace) + "…"
		}
		n++
	}
	return s
}
