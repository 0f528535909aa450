package bridge

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/jingle/media"
)

func TestPlainSDPRoundTrip(t *testing.T) {
	ip := netip.MustParseAddr("192.0.2.10")
	b := PlainSDP(ip, 20002, sipCodecs, "sendonly")
	for _, want := range []string{"c=IN IP4 192.0.2.10\r\n", "m=audio 20002 RTP/AVP 0 8 101\r\n", "a=rtpmap:101 telephone-event/8000\r\n", "a=fmtp:101 0-16\r\n", "a=sendonly\r\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("SDP lacks %q:\n%s", want, b)
		}
	}
	m, err := ParsePlainSDP(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Addr != netip.MustParseAddrPort("192.0.2.10:20002") || m.Dir != "sendonly" || len(m.Codecs) != 3 {
		t.Errorf("parsed %+v", m)
	}
}

func TestParsePlainSDP(t *testing.T) {
	const head = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
	tests := []struct {
		name   string
		sdp    string
		addr   string
		codecs []string
		dir    string
		err    error
	}{
		{name: "pcma and dtmf", sdp: head + "m=audio 4000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n",
			addr: "10.0.0.1:4000", codecs: []string{"PCMA/8", "telephone-event/101"}, dir: "sendrecv"},
		{name: "static payload types without rtpmap", sdp: head + "m=audio 4000 RTP/AVP 0 8\r\n",
			addr: "10.0.0.1:4000", codecs: []string{"PCMU/0", "PCMA/8"}, dir: "sendrecv"},
		{name: "media-level address and hold", sdp: "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\nc=IN IP4 10.0.0.9\r\na=sendonly\r\n",
			addr: "10.0.0.9:5000", codecs: []string{"PCMU/0"}, dir: "sendonly"},
		{name: "g729 only", sdp: head + "m=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n", err: ErrNoG711},
		{name: "no audio", sdp: head + "m=video 4000 RTP/AVP 96\r\n"},
		{name: "rejected audio", sdp: head + "m=audio 0 RTP/AVP 0\r\n"},
		{name: "hostname address", sdp: "v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nc=IN IP4 trunk.example.net\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"},
		{name: "garbage", sdp: "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParsePlainSDP([]byte(tt.sdp))
			if tt.addr == "" {
				if err == nil {
					t.Fatalf("no error for %q", tt.sdp)
				}
				if tt.err != nil && !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range m.Codecs {
				got = append(got, c.Name+"/"+itoa(c.PT))
			}
			if m.Addr.String() != tt.addr || strings.Join(got, ",") != strings.Join(tt.codecs, ",") || m.Dir != tt.dir {
				t.Errorf("got %v %v %s, want %s %v %s", m.Addr, got, m.Dir, tt.addr, tt.codecs, tt.dir)
			}
		})
	}
}

func itoa(pt uint8) string { return strconv.Itoa(int(pt)) }

func TestAnswerDirection(t *testing.T) {
	for offer, want := range map[string]string{"sendrecv": "sendrecv", "sendonly": "recvonly", "recvonly": "sendonly", "inactive": "inactive", "": "sendrecv"} {
		if got := answerDirection(offer); got != want {
			t.Errorf("answerDirection(%q) = %q, want %q", offer, got, want)
		}
	}
}

func TestHasG711(t *testing.T) {
	if hasG711([]media.Codec{{Name: "telephone-event", ClockRate: 8000}}) {
		t.Error("telephone-event alone counted as G.711")
	}
	if !hasG711([]media.Codec{{Name: "pcma", ClockRate: 8000}}) {
		t.Error("lower-case pcma not recognised")
	}
}

func FuzzParsePlainSDP(f *testing.F) {
	f.Add(string(PlainSDP(netip.MustParseAddr("127.0.0.1"), 4000, sipCodecs, "sendrecv")))
	f.Add("v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio 1 RTP/AVP 8\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParsePlainSDP([]byte(s))
		if err == nil && (!m.Addr.IsValid() || !hasG711(m.Codecs)) {
			t.Fatalf("accepted unusable SDP: %+v", m)
		}
	})
}
