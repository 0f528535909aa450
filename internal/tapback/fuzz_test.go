package tapback

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/switchboard-gw/switchboard/internal/sms"
)

// FuzzParse checks, on any text, that Parse does not panic and that what it
// reads writes back to the same reaction; and, taking the text as a message
// to react to, that Format's text parses to a quote that Match and the
// fingerprints find the message by.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Liked “see you at 6”", "Loved an image", "Removed a heart from “x”",
		"Reacted 🎉 to “we won”", "Removed 😂 from “x”", "👍 to “ok”", "Reacted with 🤞 to “x”",
		"Liked “he said “hi” to me”", "Emphasised “x”", "Reacted 1️⃣ to “x”",
		long, "wait...", "  line one\n\nline two  ", "", "“", "\xff\xfe",
	} {
		f.Add(s)
	}
	key := []byte("fuzz")
	f.Fuzz(func(t *testing.T, text string) {
		if r, ok := Parse(text); ok {
			back, ok := Parse(r.Text())
			want := r
			want.Quoted = back.Quoted
			if !ok || back != want || !shortenedFrom(back.Quoted, r.Quoted) {
				t.Errorf("Parse(%q) = %+v; its Text %q parses to %+v, %v", text, r, r.Text(), back, ok)
			}
		}

		for _, emoji := range []string{"👍", "❤️", "‼", "🎉", "👨‍👩‍👧"} {
			formatted := Format(emoji, text)
			r, ok := Parse(formatted)
			if !ok || r.Media || r.Remove || !shortenedFrom(r.Quoted, text) {
				t.Fatalf("Format(%q, %q) = %q parses to %+v, %v", emoji, text, formatted, r, ok)
			}
			if c, ok := classicOf(emoji); ok {
				emoji = c.emoji
			}
			if r.Emoji != emoji {
				t.Errorf("Format(%q, …) parses to emoji %q", emoji, r.Emoji)
			}
			// A reaction fits one SMS unless its emoji is long.
			if n := sms.Count(formatted).Segments; n > 1 && len(emoji) <= 8 {
				t.Errorf("Format(%q, %q) = %q takes %d SMS", emoji, text, formatted, n)
			}
			if normalize(text) == "" {
				continue
			}
			if !Match(r.Quoted, text) {
				t.Errorf("quote %q does not match its message %q", r.Quoted, text)
			}
			prefix, cut := truncated(normalize(r.Quoted))
			if cut && utf8.RuneCountInString(prefix) < prefixLengths[0] && normalize(r.Quoted) != normalize(text) {
				continue // cut too short to look up
			}
			if !findsByFingerprint(key, r.Quoted, text) {
				t.Errorf("quote %q does not find its message %q by fingerprint", r.Quoted, text)
			}
		}

		reply := Reply(text, "ok")
		if !strings.HasSuffix(reply, "ok") || strings.Count(reply, "\n") > 1 {
			t.Errorf("Reply(%q, ok) = %q", text, reply)
		}
	})
}

// shortenedFrom reports whether q is orig shortened as Text may shorten it.
func shortenedFrom(q, orig string) bool {
	for limit := minQuote; limit <= QuoteLimit; limit++ {
		if q == shorten(orig, limit) {
			return true
		}
	}
	return false
}
