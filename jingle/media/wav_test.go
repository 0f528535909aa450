package media

import (
	"errors"
	"slices"
	"testing"
)

func TestWAVRoundTrip(t *testing.T) {
	in := []int16{0, 1, -1, 32767, -32768, 1234}
	out, rate, err := DecodeWAV(EncodeWAV(in, 8000))
	if err != nil || rate != 8000 || !slices.Equal(in, out) {
		t.Fatalf("got %v %d %v", out, rate, err)
	}
}

func TestDecodeWAVErrors(t *testing.T) {
	stereo := EncodeWAV([]int16{1, 2}, 8000)
	stereo[22] = 2
	truncated := EncodeWAV([]int16{1, 2, 3}, 8000)
	truncated = truncated[:len(truncated)-3]
	for name, b := range map[string][]byte{
		"empty": nil, "not riff": []byte("RIFX0000WAVE"), "stereo": stereo, "truncated": truncated,
		"no data": EncodeWAV(nil, 8000)[:36],
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := DecodeWAV(b); !errors.Is(err, ErrBadWAV) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(EncodeWAV([]int16{1, -1}, 8000))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _, err := DecodeWAV(b)
		if err == nil && len(s)*2 > len(b) {
			t.Fatalf("%d samples from %d bytes", len(s), len(b))
		}
	})
}
