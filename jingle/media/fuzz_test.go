package media

import (
	"testing"

	"github.com/pion/sdp/v3"
)

func FuzzParsePortRange(f *testing.F) {
	for _, s := range []string{"", "20000-20999", "1-65535", "0-1", "5-4", "x", "1-2-3", " 7 - 9 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParsePortRange(s)
		if err != nil {
			return
		}
		if r.IsZero() {
			return
		}
		if r.Min < MinPort || r.Max > 65535 || r.Max-r.Min+1 < MinPorts {
			t.Fatalf("ParsePortRange(%q) accepted %+v", s, r)
		}
		if back, err := ParsePortRange(r.String()); err != nil || back != r {
			t.Fatalf("round trip of %+v: %+v, %v", r, back, err)
		}
	})
}

func FuzzCodecs(f *testing.F) {
	f.Add("m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 101\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n")
	f.Add("m=audio 20000 RTP/AVP 0 8 18 96\r\na=rtpmap:96 x/1/\r\n")
	f.Add("m=audio 1 RTP/AVP 127 128 -1\r\na=rtpmap:127  PCMU/8000/1\r\n")
	f.Fuzz(func(t *testing.T, media string) {
		var sd sdp.SessionDescription
		text := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" + media
		if err := sd.UnmarshalString(text); err != nil {
			return
		}
		for _, md := range sd.MediaDescriptions {
			seen := map[uint8]bool{}
			codecs := Codecs(md)
			for _, c := range codecs {
				if c.PT > 127 || c.ClockRate == 0 || c.Channels == 0 || c.Name == "" {
					t.Fatalf("bad codec %+v", c)
				}
				if seen[c.PT] {
					t.Fatalf("payload type %d twice", c.PT)
				}
				seen[c.PT] = true
			}
			for from, to := range MapCodecs(codecs, codecs) {
				if from != to {
					t.Fatalf("self map %d -> %d", from, to)
				}
			}
		}
	})
}
