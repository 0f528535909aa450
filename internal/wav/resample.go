package wav

import (
	"errors"
	"fmt"
)

// Rate is the telephone side's sample rate.
const Rate = 8000

// ErrRate is returned for sample rates To8k does not convert.
var ErrRate = errors.New("wav: unsupported sample rate")

// Rates are the sample rates To8k converts: those recorders and phones
// write.
var Rates = []int{8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000}

// To8k converts mono samples at rate Hz to 8 kHz.
//
// Going down, it first averages each output sample's share of input
// samples (a box filter as wide as one output period), a low-pass that
// keeps most of what lies above 4 kHz from folding back into the band as
// aliases, then reads the filtered signal at the output's instants by
// linear interpolation. A box filter is not a sharp low-pass (some
// aliasing is left, and the top of the band is softened a little) but for
// a spoken greeting played over G.711 that cannot be heard, and it is
// short, exact in integers where it can be, and without state.
func To8k(in []int16, rate int) ([]int16, error) {
	ok := false
	for _, r := range Rates {
		ok = ok || r == rate
	}
	if !ok {
		return nil, fmt.Errorf("%w: %d Hz", ErrRate, rate)
	}
	if rate == Rate || len(in) == 0 {
		return append([]int16(nil), in...), nil
	}
	// The box filter: a centred moving mean over w input samples, where
	// w is the number of input samples in one output period.
	w := (rate + Rate - 1) / Rate
	f := in
	if w > 1 {
		f = make([]int16, len(in))
		var sum int64
		lo, hi := 0, 0 // window [lo, hi)
		for i := range in {
			for hi < len(in) && hi <= i+w/2 {
				sum += int64(in[hi])
				hi++
			}
			for lo < i-(w-1)/2 {
				sum -= int64(in[lo])
				lo++
			}
			f[i] = int16(sum / int64(hi-lo))
		}
	}
	n := int(int64(len(in)) * Rate / int64(rate))
	if n == 0 {
		n = 1
	}
	out := make([]int16, n)
	for i := range out {
		// Position i/8000 s in input samples, as a whole part and a
		// remainder over Rate.
		num := int64(i) * int64(rate)
		j, frac := int(num/Rate), num%Rate
		a := int64(f[min(j, len(f)-1)])
		b := int64(f[min(j+1, len(f)-1)])
		out[i] = int16(a + (b-a)*frac/Rate)
	}
	return out, nil
}

// Load decodes a WAV file (Decode) and converts it to 8 kHz (To8k).
func Load(b []byte) ([]int16, error) {
	pcm, rate, err := Decode(b)
	if err != nil {
		return nil, err
	}
	return To8k(pcm, rate)
}
