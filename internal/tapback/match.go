package tapback

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Match reports whether quoted, as a phone quoted it in a reaction, is
// candidate, a message text: equal once both are normalised, or, when the
// quote ends with "…" or "..." (the phone cut it short), a prefix of it.
// Normalising makes runs of white space one space, curly quotes and
// apostrophes straight, dashes hyphens, and letters lower case, and drops
// emoji variation selectors: what phones and carriers (Twilio's Smart
// Encoding, for one) change when they pass a text on.
func Match(quoted, candidate string) bool {
	q, c := normalize(quoted), normalize(candidate)
	if q == c {
		return q != ""
	}
	prefix, cut := truncated(q)
	return cut && prefix != "" && strings.HasPrefix(c, prefix)
}

// truncated returns q without the ellipsis a phone ended it with, and
// without the white space or broken character before it; cut is false when
// q has no ellipsis. q is normalised, so "…" already reads "...".
func truncated(q string) (prefix string, cut bool) {
	prefix, cut = strings.CutSuffix(q, "...")
	if !cut {
		return q, false
	}
	prefix = strings.TrimRight(prefix, " ")
	// A phone counting UTF-16 units may have cut a surrogate pair, which
	// arrives as U+FFFD.
	if p, ok := strings.CutSuffix(prefix, string(utf8.RuneError)); ok {
		prefix = strings.TrimRight(p, " ")
	}
	return prefix, true
}

// normalize is Match's normal form. It works rune by rune, so the
// normal form of a prefix is a prefix of the normal form (but for white
// space at the cut, which truncated trims).
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		switch r {
		case 0xFE0F, 0xFE0E:
			continue
		case '“', '”', '„', '‟', '″', '«', '»':
			r = '"'
		case '‘', '’', '‚', '‛', '′':
			r = '\''
		case '‐', '‑', '‒', '–', '—', '―', '−':
			r = '-'
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if r == '…' {
			b.WriteString("...")
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// prefixLengths are the lengths, in characters of the normal form, at which
// Fingerprints also hashes a text's prefix. Phones cut quotes at lengths
// nobody documents, and some at a word's end, so a quote cut anywhere is
// looked up by the longest of these its prefix reaches. Read only.
var prefixLengths = [...]int{16, 24, 32, 48, 64, 96, 128, 192, 256}

// Fingerprints returns the keys under which to remember a message text so
// that a reaction quoting it can find it (QuoteFingerprints) without the
// text being stored: "f:" and a hash of the whole normal form (see Match),
// and, for each of prefixLengths the normal form reaches, "pN:" and a hash
// of its first N characters. A text has at most 10 keys, and one when
// shorter than 16 characters.
//
// The hashes are HMAC-SHA256 under key, cut to 96 bits: with a key the
// deployment keeps secret (the component's secret will do), someone reading
// the store cannot confirm a guess of a short text such as "ok". A nil key
// hashes without one. A caller with many texts readies its key once with
// NewKey and calls (*Key).Fingerprints.
func Fingerprints(key []byte, text string) []string { return NewKey(key).Fingerprints(text) }

// Fingerprints is the package's Fingerprints under k.
func (k *Key) Fingerprints(text string) []string {
	n := normalize(text)
	mac := k.mac()
	keys := make([]string, 1, 1+len(prefixLengths))
	next, count, from := 0, 0, 0 // next: the next of prefixLengths to reach
	for i := range n {
		if next < len(prefixLengths) && count == prefixLengths[next] {
			mac.write(n[from:i])
			from = i
			keys = append(keys, mac.fingerprint("p"+strconv.Itoa(count)))
			next++
		}
		count++
	}
	mac.write(n[from:])
	if next < len(prefixLengths) && count == prefixLengths[next] {
		keys = append(keys, mac.fingerprint("p"+strconv.Itoa(count)))
	}
	keys[0] = mac.fingerprint("f")
	return keys
}

// QuoteFingerprints returns the keys to look a reaction's quote up by, best
// first, among the keys Fingerprints gave the conversation's messages: the
// key of the whole quote, then, when the quote ends with an ellipsis (cut
// short, or a text that ends so), the key of the longest of prefixLengths
// its prefix reaches. The first key found wins. A quote cut shorter than 16
// characters has only its whole key, which finds a message only if it
// really ended with "..."; an empty quote has none.
//
// Several messages can share a key (two texts "ok", two long texts that
// start alike): the most recent is the likely one. A reaction whose keys
// find nothing is best delivered as the text it is.
func QuoteFingerprints(key []byte, quoted string) []string {
	return NewKey(key).QuoteFingerprints(quoted)
}

// QuoteFingerprints is the package's QuoteFingerprints under k.
func (k *Key) QuoteFingerprints(quoted string) []string {
	q := normalize(quoted)
	if q == "" {
		return nil
	}
	keys := []string{k.macOf("f", q)}
	prefix, cut := truncated(q)
	if !cut {
		return keys
	}
	count := utf8.RuneCountInString(prefix)
	for i := len(prefixLengths) - 1; i >= 0; i-- {
		if l := prefixLengths[i]; l <= count {
			return append(keys, k.macOf("p"+strconv.Itoa(l), firstRunes(prefix, l)))
		}
	}
	return keys
}

// macOf is the fingerprint of s alone.
func (k *Key) macOf(kind, s string) string {
	m := k.mac()
	m.write(s)
	return m.fingerprint(kind)
}

// firstRunes returns the first n characters of s.
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
