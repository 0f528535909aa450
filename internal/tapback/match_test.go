package tapback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor"

func TestMatch(t *testing.T) {
	tests := []struct {
		quoted, candidate string
		want              bool
	}{
		{"see you at 6", "see you at 6", true},
		{"see you at 6", "See you at 6", true},
		{"see you at 6", "see you at 7", false},
		{"see you at 6", "see you at 6 tomorrow", false},
		{"see you at 6", " see  you\nat 6 ", true},
		{"it’s “fine”", `it's "fine"`, true},
		{"it's \"fine\"", "it’s “fine”", true},
		{"2–3 pm", "2-3 pm", true},
		{"I ❤ you", "I ❤️ you", true},
		{"wait…", "wait...", true},
		{"wait...", "wait...", true},
		{"Lorem ipsum dolor sit amet, consectetur adipiscing…", long, true},
		{"Lorem ipsum dolor sit amet, consectetur adipiscing...", long, true},
		{"Lorem ipsum dolor sit amet, consectetur …", long, true},
		{"Lorem ipsum dolor sit amet, consectetur adipi…", long, true},
		{"Lorem ipsum dolor sit amet, consectetur adipiscing…", "Lorem ipsum dolor", false},
		{"Lorem ipsum dolor sit amet, consectetur elit…", long, false},
		{"I ❤ you 😀\ufffd…", "I ❤ you 😀😀 more", true}, // a surrogate pair cut
		{"…", "anything", false},
		{"", "", false},
		{"", "hi", false},
		{"hi", "", false},
	}
	for _, tt := range tests {
		if got := Match(tt.quoted, tt.candidate); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.quoted, tt.candidate, got, tt.want)
		}
	}
}

func TestFingerprints(t *testing.T) {
	key := []byte("component secret")
	if n := len(Fingerprints(key, "ok")); n != 1 {
		t.Errorf("a short text has %d keys, want 1", n)
	}
	if n := len(Fingerprints(key, strings.Repeat("word ", 200))); n != 1+len(prefixLengths) {
		t.Errorf("a long text has %d keys, want %d", n, 1+len(prefixLengths))
	}
	// Exactly 16 characters: the whole and the 16-character prefix.
	if n := len(Fingerprints(key, "sixteen chars ok")); n != 2 {
		t.Errorf("a 16-character text has %d keys, want 2", n)
	}
	if a, b := Fingerprints(key, "ok"), Fingerprints([]byte("other"), "ok"); slices.Equal(a, b) {
		t.Errorf("the key does not change the fingerprint: %v", a)
	}
	if a := Fingerprints(nil, "ok")[0]; len(a) != len("f:")+16 || !strings.HasPrefix(a, "f:") {
		t.Errorf("fingerprint %q is not f: and 16 characters", a)
	}

	tests := []struct {
		quoted, text string
		found        bool
	}{
		{"see you at 6", "See you at 6", true},
		{"see you at 6", "see you at 7", false},
		{"Lorem ipsum dolor sit amet, consectetur adipiscing…", long, true},
		{"Lorem ipsum dolor sit amet…", long, true},
		{"Lorem ipsum dolo…", long, true}, // 16 characters
		{"Lorem ipsum dol…", long, false}, // 15: too short to look up
		// Less exact than Match: the keys compare the prefix's first 32
		// characters only.
		{"Lorem ipsum dolor sit amet, consectetur elit…", long, true},
		{"Lorem ipsum dolor sit amet, conse…", long, true},
		{"Lorem ipsum dolor sit amet, cxnse…", long, false},
		{"wait...", "wait...", true},     // a whole text that ends in an ellipsis
		{"wait…", "wait... what", false}, // cut too short
		{"I ❤ you", "I ❤️ you", true},
		{"", "", false},
	}
	for _, tt := range tests {
		if found := findsByFingerprint(key, tt.quoted, tt.text); found != tt.found {
			t.Errorf("quote %q finds %q: %v, want %v (keys %v, stored %v)", tt.quoted, tt.text, found, tt.found,
				QuoteFingerprints(key, tt.quoted), Fingerprints(key, tt.text))
		}
	}
}

// findsByFingerprint reports whether one of the quote's keys is among the
// text's, as the gateway's look-up would find it.
func findsByFingerprint(key []byte, quoted, text string) bool {
	stored := Fingerprints(key, text)
	for _, k := range QuoteFingerprints(key, quoted) {
		if slices.Contains(stored, k) {
			return true
		}
	}
	return false
}

func BenchmarkFingerprints(b *testing.B) {
	key := []byte("component secret")
	text := strings.Repeat("see you at 6 ", 20)
	b.ReportAllocs()
	for b.Loop() {
		Fingerprints(key, text)
	}
}

// TestFingerprintsEqualHMAC: the single-pass MAC of every prefix gives
// what crypto/hmac gives for each prefix on its own.
func TestFingerprintsEqualHMAC(t *testing.T) {
	ref := func(key []byte, text string) []string {
		n := normalize(text)
		mac := hmac.New(sha256.New, key)
		keys := []string{fingerprint(mac, "f", n)}
		next, count := 0, 0
		for i := range n {
			if next < len(prefixLengths) && count == prefixLengths[next] {
				keys = append(keys, fingerprint(mac, "p"+strconv.Itoa(count), n[:i]))
				next++
			}
			count++
		}
		if next < len(prefixLengths) && count == prefixLengths[next] {
			keys = append(keys, fingerprint(mac, "p"+strconv.Itoa(count), n))
		}
		return keys
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abc XYZ 0123 ,.!? éü 👋🏽 “”…—")
	for _, key := range [][]byte{nil, []byte("k"), make([]byte, 32), make([]byte, 100)} {
		for range 300 {
			r := make([]rune, rnd.IntN(300))
			for i := range r {
				r[i] = alphabet[rnd.IntN(len(alphabet))]
			}
			if got, want := Fingerprints(key, string(r)), ref(key, string(r)); !slices.Equal(got, want) {
				t.Fatalf("key %d bytes, %q:\n got %v\nwant %v", len(key), string(r), got, want)
			}
		}
	}
}

// fingerprint is the reference: kind + ":" + crypto/hmac of s.
func fingerprint(mac hash.Hash, kind, s string) string {
	mac.Reset()
	io.WriteString(mac, s)
	var sum [sha256.Size]byte
	return kind + ":" + base64.RawURLEncoding.EncodeToString(mac.Sum(sum[:0])[:12])
}
