package tapback

import (
	"strings"
	"unicode"
)

// classic is one of the six iOS tapbacks: the emoji it stands for, the verb
// an iPhone writes when adding it and the noun it writes when removing it
// ("Removed a heart from").
type classic struct {
	emoji, verb, removed string
}

// classics lists the tapbacks in the order iPhones show them. Read only.
var classics = [...]classic{
	{"❤️", "Loved", "a heart"},
	{"👍", "Liked", "a like"},
	{"👎", "Disliked", "a dislike"},
	{"😂", "Laughed at", "a laugh"},
	{"‼️", "Emphasized", "an exclamation"},
	{"❓", "Questioned", "a question mark"},
}

// emphasised is the British spelling iPhones set to en-GB write.
const emphasised = "Emphasised"

// mediaNames are what phones write for an attachment instead of a quote
// ("Loved an image"). Read only.
var mediaNames = [...]string{
	"an image", "a photo", "a movie", "a video", "an audio message",
	"an attachment", "a GIF", "a sticker", "a contact", "a location",
}

// mediaName is what Format writes for an attachment.
const mediaName = "an image"

// classicOf returns the tapback whose emoji is e, ignoring the variation
// selectors that phones add or drop (❤ and ❤️ are one heart).
func classicOf(e string) (classic, bool) {
	e = stripVS(e)
	for _, c := range classics {
		if stripVS(c.emoji) == e {
			return c, true
		}
	}
	return classic{}, false
}

// stripVS removes the emoji and text variation selectors U+FE0F and U+FE0E.
func stripVS(s string) string {
	if !strings.ContainsAny(s, "\ufe0f\ufe0e") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == 0xFE0F || r == 0xFE0E {
			return -1
		}
		return r
	}, s)
}

// maxEmoji bounds an emoji token: the longest ZWJ sequences (families,
// flags of subdivisions) are under 40 bytes.
const maxEmoji = 64

// isEmoji reports whether s can be the emoji of a "Reacted 🎉 to" text: one
// short token with no letters, digits outside a keycap (1️⃣), spaces or
// quotation marks, holding at least one pictographic character. It is a
// plausibility test, not Unicode's emoji grammar: enough to keep "Reacted
// quickly to" and ":) to" out.
func isEmoji(s string) bool {
	if s == "" || len(s) > maxEmoji {
		return false
	}
	pictographic, keycap := false, false // keycap: a 0-9 # * awaits U+20E3
	for _, r := range s {
		switch {
		case r == 0xFE0F || r == 0xFE0E || r == 0x200D: // selectors, ZWJ
		case keycap:
			if r != 0x20E3 {
				return false
			}
			keycap, pictographic = false, true
		case ('0' <= r && r <= '9') || r == '#' || r == '*':
			keycap = true
		case unicode.IsSpace(r), unicode.IsControl(r), unicode.IsLetter(r), unicode.IsDigit(r),
			isOpenQuote(r), isCloseQuote(r), r == 0x20E3:
			return false
		case r >= 0x1F000, unicode.Is(unicode.So, r), r == '‼', r == '⁉', r == '〰', r == '〽':
			pictographic = true
		}
	}
	return pictographic && !keycap
}
