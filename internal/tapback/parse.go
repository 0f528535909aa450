package tapback

import (
	"strings"
	"unicode/utf8"
)

// Reaction is a reaction a phone sent, or one to send, as text.
type Reaction struct {
	// Emoji is the reaction: the classic tapbacks' emoji for iOS verbs
	// ("Liked" is 👍), else the emoji the text names.
	Emoji string
	// Quoted is the reacted-to text as the phone quoted it, possibly cut
	// short with "…" or "..."; empty when Media.
	Quoted string
	// Media is true when the reaction is to an attachment ("Loved an
	// image"), which phones name instead of quoting.
	Media bool
	// Remove is true when the sender takes the reaction away ("Removed a
	// heart from …").
	Remove bool
}

// Parse reports whether text is a reaction in one of the forms the package
// doc lists, and which. Surrounding white space is ignored; everything else
// must fit the form, so an ordinary text is never taken for a reaction
// because of its first word.
func Parse(text string) (Reaction, bool) {
	s := strings.TrimSpace(text)
	if rest, ok := cutPrefixFold(s, "Removed "); ok {
		return parseRemoved(rest)
	}
	if rest, ok := cutPrefixFold(s, "Reacted "); ok {
		rest, _ = cutPrefixFold(rest, "with ")
		if r, ok := parseEmojiForm(rest, " to "); ok {
			return r, true
		}
	}
	for _, c := range classics {
		if rest, ok := cutPrefixFold(s, c.verb+" "); ok {
			return parseObject(rest, Reaction{Emoji: c.emoji})
		}
	}
	if rest, ok := cutPrefixFold(s, emphasised+" "); ok {
		return parseObject(rest, Reaction{Emoji: classics[4].emoji})
	}
	return parseEmojiForm(s, " to ")
}

// parseRemoved reads what follows "Removed ": "a heart from “…”" or
// "🎉 from “…”".
func parseRemoved(rest string) (Reaction, bool) {
	for _, c := range classics {
		if obj, ok := cutPrefixFold(rest, c.removed+" from "); ok {
			return parseObject(obj, Reaction{Emoji: c.emoji, Remove: true})
		}
	}
	r, ok := parseEmojiForm(rest, " from ")
	r.Remove = true
	return r, ok
}

// parseEmojiForm reads "🎉" + sep + object.
func parseEmojiForm(s, sep string) (Reaction, bool) {
	emoji, obj, ok := strings.Cut(s, sep)
	if !ok || !isEmoji(emoji) {
		return Reaction{}, false
	}
	if c, ok := classicOf(emoji); ok {
		emoji = c.emoji // one spelling of ❤️ whatever the phone sent
	}
	return parseObject(obj, Reaction{Emoji: emoji})
}

// parseObject reads what a reaction is to: a quote in quotation marks
// running to the end of s, or an attachment's name.
func parseObject(s string, r Reaction) (Reaction, bool) {
	for _, m := range mediaNames {
		if strings.EqualFold(s, m) {
			r.Media = true
			return r, true
		}
	}
	open, n := utf8.DecodeRuneInString(s)
	end, m := utf8.DecodeLastRuneInString(s)
	if len(s) < n+m || !isOpenQuote(open) || !isCloseQuote(end) {
		return Reaction{}, false
	}
	r.Quoted = s[n : len(s)-m]
	return r, true
}

// isOpenQuote and isCloseQuote accept the quotation marks phones write:
// “…” on iPhones in English, "…" on many Android phones, and the
// mismatched pairs keyboards produce.
func isOpenQuote(r rune) bool  { return r == '“' || r == '"' || r == '”' || r == '„' }
func isCloseQuote(r rune) bool { return r == '”' || r == '"' || r == '“' }

// cutPrefixFold is strings.CutPrefix ignoring ASCII and Unicode case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
