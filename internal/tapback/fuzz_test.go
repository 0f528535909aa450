package tapback

import (
	"strings"
	"testing"
	"unicode/utf8"
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
			want.Quoted = shorten(r.Quoted)
			if !ok || back != want {
				t.Errorf("Parse(%q) = %+v; its Text %q parses to %+v, %v", text, r, r.Text(), back, ok)
			}
		}

		for _, emoji := range []string{"👍", "❤️", "‼", "🎉", "👨‍👩‍👧"} {
			formatted := Format(emoji, text)
			r, ok := Parse(formatted)
			if !ok || r.Media || r.Remove || r.Quoted != shorten(text) {
				t.Fatalf("Format(%q, %q) = %q parses to %+v, %v", emoji, text, formatted, r, ok)
			}
			if c, ok := classicOf(emoji); ok {
				emoji = c.emoji
			}
			if r.Emoji != emoji {
				t.Errorf("Format(%q, …) parses to emoji %q", emoji, r.Emoji)
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
