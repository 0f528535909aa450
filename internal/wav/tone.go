package wav

import (
	"math"
	"time"
)

// Tone is d of a sine of hz at rate Hz, of amplitude amp: the gateway's
// beep, and test signals.
func Tone(hz float64, rate int, d time.Duration, amp float64) []int16 {
	s := make([]int16, int(int64(rate)*int64(d)/int64(time.Second)))
	for i := range s {
		s[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return s
}

// Level is the amplitude of the hz component of samples at rate Hz (the
// Goertzel algorithm): it tells which tone was heard.
func Level(s []int16, rate int, hz float64) float64 {
	k := 2 * math.Cos(2*math.Pi*hz/float64(rate))
	var s1, s2 float64
	for _, x := range s {
		s1, s2 = float64(x)+k*s1-s2, s1
	}
	return 2 * math.Sqrt(math.Max(s1*s1+s2*s2-k*s1*s2, 0)) / float64(max(len(s), 1))
}
