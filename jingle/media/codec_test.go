package media

import (
	"reflect"
	"testing"

	"github.com/pion/sdp/v3"
)

func mediaOf(t *testing.T, body string) *sdp.MediaDescription {
	t.Helper()
	text := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + body
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(text); err != nil {
		t.Fatalf("bad test SDP: %v", err)
	}
	if len(sd.MediaDescriptions) != 1 {
		t.Fatalf("test SDP has %d media", len(sd.MediaDescriptions))
	}
	return sd.MediaDescriptions[0]
}

func TestCodecs(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []Codec
	}{
		{
			name: "conversations offer",
			body: "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n" +
				"a=rtpmap:111 opus/48000/2\r\na=rtpmap:63 red/48000/2\r\na=rtpmap:9 G722/8000\r\n" +
				"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:13 CN/8000\r\n" +
				"a=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\n",
			want: []Codec{
				{"opus", 48000, 2, 111}, {"red", 48000, 2, 63}, {"G722", 8000, 1, 9},
				{"PCMU", 8000, 1, 0}, {"PCMA", 8000, 1, 8}, {"CN", 8000, 1, 13},
				{"telephone-event", 48000, 1, 110}, {"telephone-event", 8000, 1, 126},
			},
		},
		{
			name: "sip trunk static types without rtpmap",
			body: "m=audio 20000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n",
			want: []Codec{{"PCMA", 8000, 1, 8}, {"PCMU", 8000, 1, 0}, {"telephone-event", 8000, 1, 101}},
		},
		{
			name: "dynamic without rtpmap, junk formats and bad rtpmaps skipped",
			body: "m=audio 20000 RTP/AVP 96 x 200 0 0 97 98 99\r\n" +
				"a=rtpmap:97 foo\r\na=rtpmap:98 bar/0\r\na=rtpmap:99 baz/8000/0\r\na=rtpmap:300 PCMU/8000\r\n",
			want: []Codec{{"PCMU", 8000, 1, 0}},
		},
		{
			name: "rtpmap overrides static name",
			body: "m=audio 20000 RTP/AVP 0\r\na=rtpmap:0 pcmu/8000\r\n",
			want: []Codec{{"pcmu", 8000, 1, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Codecs(mediaOf(t, tt.body))
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Codecs:\n got  %+v\n want %+v", got, tt.want)
			}
		})
	}
	if Codecs(nil) != nil {
		t.Error("Codecs(nil) not nil")
	}
}

func TestMapCodecs(t *testing.T) {
	webrtcSide := []Codec{
		{"opus", 48000, 2, 111}, {"PCMU", 8000, 1, 0}, {"PCMA", 8000, 1, 8},
		{"telephone-event", 48000, 1, 110}, {"telephone-event", 8000, 1, 101},
	}
	sipSide := []Codec{{"pcma", 8000, 1, 8}, {"PCMU", 8000, 1, 0}, {"G729", 8000, 1, 18}, {"TELEPHONE-EVENT", 8000, 1, 126}}
	tests := []struct {
		name     string
		from, to []Codec
		want     PTMap
	}{
		{"webrtc to sip", webrtcSide, sipSide, PTMap{0: 0, 8: 8, 101: 126}},
		{"sip to webrtc", sipSide, webrtcSide, PTMap{8: 8, 0: 0, 126: 101}},
		{"no dtmf on the far side", webrtcSide, []Codec{{"PCMU", 8000, 1, 0}}, PTMap{0: 0}},
		{"dynamic PCMU", []Codec{{"PCMU", 8000, 1, 0}}, []Codec{{"PCMU", 8000, 1, 96}}, PTMap{0: 96}},
		{"channels differ", []Codec{{"PCMU", 8000, 2, 0}}, []Codec{{"PCMU", 8000, 1, 0}}, PTMap{}},
		{"zero channels is mono", []Codec{{"PCMU", 8000, 0, 0}}, []Codec{{"PCMU", 8000, 1, 0}}, PTMap{0: 0}},
		{"only transcodable codecs", []Codec{{"opus", 48000, 2, 111}, {"G722", 8000, 1, 9}}, []Codec{{"opus", 48000, 2, 96}, {"G722", 8000, 1, 9}}, PTMap{}},
		{"empty", nil, sipSide, PTMap{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MapCodecs(tt.from, tt.to); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("MapCodecs = %v, want %v", got, tt.want)
			}
		})
	}
}
