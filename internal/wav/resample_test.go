package wav

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"
)

func tone(hz float64, rate int, seconds float64) []int16 {
	return Tone(hz, rate, time.Duration(seconds*float64(time.Second)), 10000)
}

func level(s []int16, hz float64) float64 { return Level(s, Rate, hz) }

func TestTo8k(t *testing.T) {
	for _, rate := range Rates {
		t.Run("1 kHz at "+itoa(rate), func(t *testing.T) {
			out, err := To8k(tone(1000, rate, 1), rate)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) < 7990 || len(out) > 8000 {
				t.Errorf("%d samples for one second", len(out))
			}
			// The tone keeps its pitch and most of its level.
			if l := level(out, 1000); l < 8000 || l > 10500 {
				t.Errorf("1 kHz at %.0f, want about 10000", l)
			}
			if l := level(out, 1500); l > 500 {
				t.Errorf("1.5 kHz at %.0f: the pitch moved", l)
			}
		})
	}
	t.Run("8 kHz unchanged", func(t *testing.T) {
		in := []int16{1, 2, 3}
		out, err := To8k(in, 8000)
		if err != nil || !slices.Equal(in, out) {
			t.Errorf("got %v %v", out, err)
		}
	})
	t.Run("above the band is cut", func(t *testing.T) {
		// 7 kHz at 48 kHz would fold to 1 kHz; the filter takes most of it.
		out, err := To8k(tone(7000, 48000, 1), 48000)
		if err != nil {
			t.Fatal(err)
		}
		if l := level(out, 1000); l > 2500 {
			t.Errorf("7 kHz aliased to 1 kHz at %.0f", l)
		}
	})
	for _, rate := range []int{0, -1, 7999, 96000, 12345} {
		t.Run("refuses "+itoa(rate), func(t *testing.T) {
			if _, err := To8k([]int16{1}, rate); !errors.Is(err, ErrRate) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	out, err := Load(Encode(tone(440, 16000, 0.5), 16000))
	if err != nil || len(out) != 4000 {
		t.Fatalf("got %d samples, %v", len(out), err)
	}
	if _, err := Load([]byte("nope")); !errors.Is(err, ErrBadWAV) {
		t.Errorf("err = %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
