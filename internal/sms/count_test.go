package sms

import (
	"strings"
	"testing"
)

func TestCount(t *testing.T) {
	r := strings.Repeat
	tests := []struct {
		name string
		text string
		want Info
	}{
		{"empty is one segment", "", Info{GSM7, 0, 1, 160, 160}},
		{"short", "see you at 6", Info{GSM7, 12, 1, 160, 148}},
		{"160 GSM fits one", r("a", 160), Info{GSM7, 160, 1, 160, 0}},
		{"161 GSM takes two", r("a", 161), Info{GSM7, 161, 2, 153, 145}},
		{"306 GSM takes two", r("a", 306), Info{GSM7, 306, 2, 153, 0}},
		{"307 GSM takes three", r("a", 307), Info{GSM7, 307, 3, 153, 152}},
		{"80 euro signs are 160 septets", r("€", 80), Info{GSM7, 160, 1, 160, 0}},
		{"81 euro signs take two", r("€", 81), Info{GSM7, 162, 2, 153, 143}},
		{"every extension character is two septets", "€[]{}\\~^|\f", Info{GSM7, 20, 1, 160, 140}},
		{"Greek capitals and accents of the alphabet", "ΔΦΓΛΩΠΨΣΘΞ àèéìòùÇÄÖÑÜäöñüÅåÆæßÉØø¿¡§¤£¥@$_", Info{GSM7, 43, 1, 160, 117}},
		{"CR LF are two GSM characters", "a\r\nb", Info{GSM7, 4, 1, 160, 156}},
		{"70 ê fit one UCS-2 SMS", r("ê", 70), Info{UCS2, 70, 1, 70, 0}},
		{"71 ê take two", r("ê", 71), Info{UCS2, 71, 2, 67, 63}},
		{"ç is not GSM-7 (only Ç is)", "ça va", Info{UCS2, 5, 1, 70, 65}},
		{"backtick is not GSM-7", "`", Info{UCS2, 1, 1, 70, 69}},
		{"one emoji in 70 code points takes two", r("a", 69) + "😀", Info{UCS2, 71, 2, 67, 63}},
		{"emoji are two units", "👍", Info{UCS2, 2, 1, 70, 68}},
		{"BMP symbol is one unit", "❤", Info{UCS2, 1, 1, 70, 69}},
		{"CJK", r("中", 67), Info{UCS2, 67, 1, 70, 3}},
		{"ZWJ family is 8 units", "👨\u200d👩\u200d👧", Info{UCS2, 8, 1, 70, 62}},
		{"134 UCS-2 units take two", r("中", 134), Info{UCS2, 134, 2, 67, 0}},
		// The escape that does not fit in the first part moves whole, leaving
		// one septet of it empty: 152 + (2+152) + 1.
		{"escape not split at 153", r("a", 152) + "€" + r("a", 152), Info{GSM7, 306, 3, 153, 152}},
		{"escape ending a part", r("a", 151) + "€" + r("a", 153), Info{GSM7, 306, 2, 153, 0}},
		// Likewise a surrogate pair: 66 + (2+65) + 1.
		{"surrogate pair not split at 67", r("中", 66) + "😀" + r("中", 66), Info{UCS2, 134, 3, 67, 66}},
		{"invalid UTF-8 is U+FFFD", "a\xffb", Info{UCS2, 3, 1, 70, 67}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Count(tt.text); got != tt.want {
				t.Errorf("Count = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	r := strings.Repeat
	tests := []struct {
		name string
		text string
		enc  Encoding
		want []Part
	}{
		{"empty", "", GSM7, []Part{{"", 0}}},
		{"one part", "hello", GSM7, []Part{{"hello", 5}}},
		{"161", r("a", 161), GSM7, []Part{{r("a", 153), 153}, {r("a", 8), 8}}},
		{"escape moves whole", r("a", 152) + "€" + r("a", 9), GSM7,
			[]Part{{r("a", 152), 152}, {"€" + r("a", 9), 11}}},
		{"escape fits exactly", r("a", 151) + "€" + r("a", 9), GSM7,
			[]Part{{r("a", 151) + "€", 153}, {r("a", 9), 9}}},
		{"surrogate pair moves whole", r("ê", 66) + "😀" + r("ê", 3), UCS2,
			[]Part{{r("ê", 66), 66}, {"😀" + r("ê", 3), 5}}},
		// GSM 03.40 splits a ZWJ sequence like any other characters.
		{"cluster split between code points", r("ê", 65) + "👍🏽" + "êêê", UCS2,
			[]Part{{r("ê", 65) + "👍", 67}, {"🏽êêê", 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, got := Split(tt.text)
			if enc != tt.enc {
				t.Errorf("encoding %v, want %v", enc, tt.enc)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d parts %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("part %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestEncodingString(t *testing.T) {
	for _, tt := range []struct {
		e    Encoding
		want string
	}{{GSM7, "GSM-7"}, {UCS2, "UCS-2"}, {Encoding(7), "Encoding(?)"}} {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", int(tt.e), got, tt.want)
		}
	}
}

func TestWarning(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"", ""},
		{strings.Repeat("a", 160), ""},
		{strings.Repeat("a", 161), "This will be sent as 2 messages (153 characters per message)."},
		{strings.Repeat("ê", 70), ""},
		{strings.Repeat("ê", 250), "This will be sent as 4 messages (unicode text: 67 characters per message)."},
	}
	for _, tt := range tests {
		if got := Warning(tt.text); got != tt.want {
			t.Errorf("Warning(%d runes) = %q, want %q", len([]rune(tt.text)), got, tt.want)
		}
	}
}

func TestCountDoesNotAllocate(t *testing.T) {
	text := strings.Repeat("Ünïcødé 😀 ", 30)
	var info Info
	if n := testing.AllocsPerRun(100, func() { info = Count(text) }); n != 0 || info.Segments != 5 {
		t.Errorf("Count allocates %v times (and counts %+v)", n, info)
	}
}

func BenchmarkCount(b *testing.B) {
	text := strings.Repeat("See you at 6, bring the map! ", 6)[:160]
	if info := Count(text); info.Units != 160 || info.Segments != 1 {
		b.Fatalf("benchmark text: %+v, want 160 septets in one segment", info)
	}
	b.ReportAllocs()
	for b.Loop() {
		Count(text)
	}
}
