package wav

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []int16{0, 1, -1, 32767, -32768, 1234}
	out, rate, err := Decode(Encode(in, 8000))
	if err != nil || rate != 8000 || !slices.Equal(in, out) {
		t.Fatalf("got %v %d %v", out, rate, err)
	}
}

// stereo makes a two-channel file of frames (left, right).
func stereo(rate int, frames ...[2]int16) []byte {
	b := Encode(make([]int16, 2*len(frames)), rate)
	binary.LittleEndian.PutUint16(b[22:], 2)
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*4))
	binary.LittleEndian.PutUint16(b[32:], 4)
	for i, f := range frames {
		binary.LittleEndian.PutUint16(b[44+4*i:], uint16(f[0]))
		binary.LittleEndian.PutUint16(b[46+4*i:], uint16(f[1]))
	}
	return b
}

func TestDecode(t *testing.T) {
	extensible := Encode([]int16{5, 6}, 16000)
	binary.LittleEndian.PutUint16(extensible[20:], 0xFFFE)
	// A LIST chunk of odd size (padded) before fmt.
	withList := append([]byte("RIFF\x00\x00\x00\x00WAVELIST\x03\x00\x00\x00abc\x00"), Encode([]int16{7}, 8000)[12:]...)
	for _, tt := range []struct {
		name string
		in   []byte
		want []int16
		rate int
	}{
		{"mono", Encode([]int16{1, 2, 3}, 44100), []int16{1, 2, 3}, 44100},
		{"stereo mixed down", stereo(48000, [2]int16{100, 300}, [2]int16{-32768, -32768}, [2]int16{32767, -32768}), []int16{200, -32768, 0}, 48000},
		{"extensible", extensible, []int16{5, 6}, 16000},
		{"odd chunk skipped", withList, []int16{7}, 8000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, rate, err := Decode(tt.in)
			if err != nil || rate != tt.rate || !slices.Equal(got, tt.want) {
				t.Errorf("got %v %d %v, want %v %d", got, rate, err, tt.want, tt.rate)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	three := Encode([]int16{1, 2}, 8000)
	three[22] = 3
	eight := Encode([]int16{1, 2}, 8000)
	eight[34] = 8
	float := Encode([]int16{1, 2}, 8000)
	float[20] = 3
	truncated := Encode([]int16{1, 2, 3}, 8000)
	truncated = truncated[:len(truncated)-3]
	for _, tt := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil}, {"not riff", []byte("RIFX0000WAVE")}, {"three channels", three}, {"8 bits", eight},
		{"float", float}, {"truncated", truncated}, {"no data", Encode(nil, 8000)[:36]},
		{"data before fmt", []byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00\x01\x00")},
		{"mp3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Decode(tt.in); !errors.Is(err, ErrBadWAV) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode([]int16{1, -1}, 8000))
	f.Add(stereo(44100, [2]int16{1, 2}))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, rate, err := Decode(b)
		if err != nil {
			return
		}
		if len(s)*2 > len(b) {
			t.Fatalf("%d samples from %d bytes", len(s), len(b))
		}
		// Whatever decodes converts without failing but on the rate, and
		// to no more samples than it had.
		out, err := To8k(s, rate)
		if err != nil {
			if !errors.Is(err, ErrRate) {
				t.Fatal(err)
			}
			return
		}
		if len(out) > max(len(s), 1) {
			t.Fatalf("%d samples from %d", len(out), len(s))
		}
	})
}
