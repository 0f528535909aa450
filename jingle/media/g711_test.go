package media

import (
	"math"
	"testing"
)

func TestG711KnownValues(t *testing.T) {
	tests := []struct {
		name string
		got  int16
		want int16
	}{
		{"ulaw silence", DecodeULaw(0xFF), 0},
		{"ulaw negative silence", DecodeULaw(0x7F), 0},
		{"ulaw max", DecodeULaw(0x80), 32124},
		{"ulaw min", DecodeULaw(0x00), -32124},
		{"alaw smallest positive", DecodeALaw(0xD5), 8},
		{"alaw smallest negative", DecodeALaw(0x55), -8},
		{"alaw max", DecodeALaw(0xAA), 32256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}

// Every code word survives decode then encode, and encoding is close to
// the signal (G.711's error is at most half a quantisation step, under 4%
// of the magnitude above the smallest segments).
func TestG711RoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		dec  func(byte) int16
		enc  func(int16) byte
	}{{"ulaw", DecodeULaw, EncodeULaw}, {"alaw", DecodeALaw, EncodeALaw}} {
		t.Run(c.name, func(t *testing.T) {
			for b := 0; b < 256; b++ {
				v := c.dec(byte(b))
				if got := c.dec(c.enc(v)); got != v {
					t.Errorf("code %#02x: %d re-encodes to %d", b, v, got)
				}
			}
			for s := -32768; s <= 32767; s += 7 {
				d := float64(c.dec(c.enc(int16(s))))
				if err := math.Abs(d - float64(s)); err > 1100 || (math.Abs(float64(s)) > 1024 && err/math.Abs(float64(s)) > 0.04) {
					t.Fatalf("sample %d comes back as %v", s, d)
				}
			}
		})
	}
}

func FuzzG711(f *testing.F) {
	f.Add(int16(0))
	f.Add(int16(-32768))
	f.Fuzz(func(t *testing.T, s int16) {
		for _, v := range []int16{DecodeULaw(EncodeULaw(s)), DecodeALaw(EncodeALaw(s))} {
			if (s > 2000 && v < 0) || (s < -2000 && v > 0) {
				t.Fatalf("%d changed sign: %d", s, v)
			}
		}
	})
}
