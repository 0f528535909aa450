package component

import (
	"bytes"
	"encoding/xml"
	"testing"
	"unicode"
	"unicode/utf8"

	"mellium.im/xmlstream"
)

func TestCleanNick(t *testing.T) {
	long := "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ"
	tests := map[string]string{
		"JANE DOE":               "JANE DOE",
		"  Jane \t\n Doe  ":      "Jane Doe",
		"Jane\u202eeoD":          "JaneeoD", // a bidi override would turn the name around
		"\x00\x07Bob\x1b[31m":    "Bob[31m",
		"\xff\xfeAl":             "Al",
		"":                       "",
		"   ":                    "",
		"Zoë 🙂 <b>&amp;":         "Zoë 🙂 <b>&amp;",
		long:                     long[:maxNick],
		long[:maxNick-1] + " xy": long[:maxNick-1],
	}
	for in, want := range tests {
		if got := cleanNick(in); got != want {
			t.Errorf("cleanNick(%q) = %q, want %q", in, got, want)
		}
	}
	if nickElement(" \n") != nil {
		t.Error("nickElement of nothing is not nil")
	}
}

func FuzzCleanNick(f *testing.F) {
	for _, s := range []string{"JANE DOE", "  a  b ", "\u202e\x00", "\xff", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := cleanNick(in)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > maxNick || got != cleanNick(got) {
			t.Fatalf("cleanNick(%q) = %q", in, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || (unicode.IsSpace(r) && r != ' ') {
				t.Fatalf("cleanNick(%q) = %q keeps %U", in, got, r)
			}
		}
		if n := nickElement(in); n != nil {
			var b bytes.Buffer
			e := xml.NewEncoder(&b)
			if _, err := xmlstream.Copy(e, n); err != nil {
				t.Fatal(err)
			}
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
			var back struct {
				Nick string `xml:",chardata"`
			}
			if err := xml.Unmarshal(b.Bytes(), &back); err != nil || back.Nick != got {
				t.Fatalf("nick %q does not survive XML: %q %v", got, b.String(), err)
			}
		}
	})
}
