package sms

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// The GSM 03.38 default alphabet in code order, transcribed from the
// standard's table apart from septet's switch; U+FFFF stands for the escape
// at 0x1B.
const basicTable = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\uffffÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// The extension table: character -> code after the escape.
var extTable = map[rune]byte{
	'\f': 0x0A, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2F,
	'[': 0x3C, '~': 0x3D, ']': 0x3E, '|': 0x40, '€': 0x65,
}

func TestSeptetTable(t *testing.T) {
	if n := utf8.RuneCountInString(basicTable); n != 128 {
		t.Fatalf("basic table has %d characters", n)
	}
	code := 0
	for _, r := range basicTable {
		got, ext, ok := septet(r)
		if r == 0xFFFF {
			if ok {
				t.Errorf("U+FFFF has code %#x", got)
			}
		} else if !ok || ext || int(got) != code {
			t.Errorf("septet(%q) = %#x, %v, %v; want %#x in the default alphabet", r, got, ext, ok, code)
		}
		code++
	}
	for r, want := range extTable {
		if got, ext, ok := septet(r); !ok || !ext || got != want {
			t.Errorf("septet(%q) = %#x, %v, %v; want %#x in the extension table", r, got, ext, ok, want)
		}
	}
	// Nothing else in the BMP has a code.
	known := map[rune]bool{}
	for _, r := range basicTable {
		known[r] = true
	}
	for r := range extTable {
		known[r] = true
	}
	for r := rune(0); r < 0x10000; r++ {
		if _, _, ok := septet(r); ok && !known[r] {
			t.Errorf("septet(%U) has a code but is not in GSM 03.38", r)
		}
	}
}

func TestEncodeGSM7(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
		ok   bool
	}{
		{"", []byte{}, true},
		{"Hi @6", []byte{'H', 'i', ' ', 0x00, '6'}, true},
		{"£$¥", []byte{0x01, 0x02, 0x03}, true},
		{"€5 [x]", []byte{0x1B, 0x65, '5', ' ', 0x1B, 0x3C, 'x', 0x1B, 0x3E}, true},
		{"à\f", []byte{0x7F, 0x1B, 0x0A}, true},
		{"ça", nil, false},
		{"ok 👍", nil, false},
	}
	for _, tt := range tests {
		got, ok := EncodeGSM7(tt.in)
		if ok != tt.ok || !bytes.Equal(got, tt.want) {
			t.Errorf("EncodeGSM7(%q) = % x, %v; want % x, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUTF16BE(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
	}{
		{"", []byte{}},
		{"Aé", []byte{0x00, 0x41, 0x00, 0xE9}},
		{"中", []byte{0x4E, 0x2D}},
		{"😀", []byte{0xD8, 0x3D, 0xDE, 0x00}},
		{"\xff", []byte{0xFF, 0xFD}},
	}
	for _, tt := range tests {
		if got := UTF16BE(tt.in); !bytes.Equal(got, tt.want) {
			t.Errorf("UTF16BE(%q) = % x, want % x", tt.in, got, tt.want)
		}
	}
}
