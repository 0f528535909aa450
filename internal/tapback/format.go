package tapback

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-gw/switchboard/internal/sms"
)

// QuoteLimit is how many characters of the quoted message Format and Reply
// keep; a longer quote is cut there and ends with "…". Phones show the
// reaction on the message they find by the quote, so a short quote costs
// little.
const QuoteLimit = 40

// minQuote is the shortest Text cuts a quote to so that a reaction fits one
// SMS: phones find the message by the quote's start, which must tell it
// from the conversation's other messages.
const minQuote = 20

// Text returns r as an iPhone writes it: a classic tapback as its verb
// (Loved “see you at 6”, Removed a heart from “see you at 6”), any other
// emoji as Reacted 🎉 to “see you at 6” or Removed 🎉 from “see you at 6”.
// A Media reaction names "an image"; otherwise the quote is r.Quoted on one
// line, cut to QuoteLimit characters, and further, down to 20, while the
// text would take more than one SMS (the curly quotes make it UCS-2, 70
// units, and an emoji is two of them).
func (r Reaction) Text() string {
	text := r.text(QuoteLimit)
	for limit := QuoteLimit - 1; limit >= minQuote && sms.Count(text).Segments > 1; limit-- {
		text = r.text(limit)
	}
	return text
}

// text is Text with the quote cut to limit characters.
func (r Reaction) text(limit int) string {
	obj := mediaName
	if !r.Media {
		obj = "“" + shorten(r.Quoted, limit) + "”"
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
	q := shorten(quoted, QuoteLimit)
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
// cuts it to limit characters, ending "…" when cut.
func shorten(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit {
			return strings.TrimRightFunc(s[:i], unicode.IsSpace) + "…"
		}
		n++
	}
	return s
}
