package sms

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSplit checks Split's promises on any input: parts rejoin to the text,
// match Count, stay within a part's units and cut no character (a cut escape
// or surrogate pair would change the parts' units or encoding).
func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"", "hello", strings.Repeat("a", 161), strings.Repeat("€", 81),
		strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152),
		strings.Repeat("ê", 66) + "😀" + strings.Repeat("ê", 66),
		strings.Repeat("👨\u200d👩\u200d👧", 20), "a\xffb\xed\xa0\x80",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		info := Count(text)
		enc, parts := Split(text)
		if enc != info.Encoding || len(parts) != info.Segments {
			t.Fatalf("Split: %v in %d parts, Count: %+v", enc, len(parts), info)
		}
		single := len(parts) == 1
		var joined strings.Builder
		units := 0
		for i, p := range parts {
			joined.WriteString(p.Text)
			units += p.Units
			limit := enc.Part()
			if single {
				limit = enc.Single()
			}
			if p.Units > limit {
				t.Errorf("part %d holds %d units, limit %d", i, p.Units, limit)
			}
			if p.Text == "" && !single {
				t.Errorf("part %d is empty", i)
			}
			if i == len(parts)-1 && info.Remaining != info.PerSegment-p.Units {
				t.Errorf("Remaining %d, last part %d of %d", info.Remaining, p.Units, info.PerSegment)
			}
			// A part measured alone has the units Split gave it: no
			// character was cut.
			switch enc {
			case GSM7:
				septets, ok := EncodeGSM7(p.Text)
				if !ok || len(septets) != p.Units {
					t.Errorf("part %d: %d septets (ok %v), Split says %d", i, len(septets), ok, p.Units)
				}
			case UCS2:
				if n := len(UTF16BE(p.Text)) / 2; n != p.Units {
					t.Errorf("part %d: %d UTF-16 units, Split says %d", i, n, p.Units)
				}
				if utf8.ValidString(text) && !utf8.ValidString(p.Text) {
					t.Errorf("part %d cuts a character", i)
				}
			}
		}
		if joined.String() != text {
			t.Errorf("parts do not rejoin to the text")
		}
		if units != info.Units {
			t.Errorf("parts hold %d units, Count says %d", units, info.Units)
		}
		if (info.Encoding == GSM7) != IsGSM7(text) {
			t.Errorf("Count says %v, IsGSM7 %v", info.Encoding, IsGSM7(text))
		}
		if w := Warning(text); (w == "") != single {
			t.Errorf("Warning %q for %d parts", w, len(parts))
		}
	})
}
