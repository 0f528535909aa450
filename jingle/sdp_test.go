package jingle

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

func TestToSDPErrors(t *testing.T) {
	tests := []struct {
		name   string
		role   Role
		mutate func(j *Jingle)
		err    error
	}{
		{"nil contents", Initiator, func(j *Jingle) { j.Contents = nil }, ErrNoContent},
		{"terminate", Initiator, func(j *Jingle) { j.Action = SessionTerminate }, ErrAction},
		{"initiate by responder", Responder, func(j *Jingle) {}, ErrRole},
		{"bad role", Role("x"), func(j *Jingle) {}, ErrRole},
		{"no description", Initiator, func(j *Jingle) { j.Contents[0].Description = nil }, ErrNoDescription},
		{"no transport", Initiator, func(j *Jingle) { j.Contents[0].Transport = nil }, ErrNoTransport},
		{"application media", Initiator, func(j *Jingle) { j.Contents[0].Description.Media = "application" }, ErrUnknownMedia},
		{"empty media", Initiator, func(j *Jingle) { j.Contents[0].Description.Media = "" }, ErrUnknownMedia},
		{"no payload types", Initiator, func(j *Jingle) { j.Contents[0].Description.PayloadTypes = nil }, ErrNoPayloadTypes},
		{"duplicate payload type", Initiator, func(j *Jingle) {
			d := j.Contents[0].Description
			d.PayloadTypes = append(d.PayloadTypes, d.PayloadTypes[0])
		}, ErrBadPayloadType},
		{"payload id 200", Initiator, func(j *Jingle) { j.Contents[0].Description.PayloadTypes[0].ID = 200 }, ErrBadPayloadType},
		{"nameless dynamic", Initiator, func(j *Jingle) { j.Contents[0].Description.PayloadTypes[0].Name = "" }, ErrBadPayloadType},
		{"no clockrate", Initiator, func(j *Jingle) { j.Contents[0].Description.PayloadTypes[0].ClockRate = 0 }, ErrBadPayloadType},
		{"name with slash", Initiator, func(j *Jingle) { j.Contents[0].Description.PayloadTypes[0].Name = "op/us" }, ErrBadPayloadType},
		{"parameter injection", Initiator, func(j *Jingle) {
			j.Contents[0].Description.PayloadTypes[0].Parameters[0].Value = "10\r\na=setup:active"
		}, ErrBadParameter},
		{"parameter semicolon", Initiator, func(j *Jingle) { j.Contents[0].Description.PayloadTypes[0].Parameters[0].Value = "1;x=2" }, ErrBadParameter},
		{"nameless parameter with =", Initiator, func(j *Jingle) {
			j.Contents[0].Description.PayloadTypes[0].Parameters[0] = Parameter{Value: "a=b"}
		}, ErrBadParameter},
		{"no ufrag", Initiator, func(j *Jingle) { j.Contents[0].Transport.Ufrag = "" }, ErrNoICECredentials},
		{"pwd with space", Initiator, func(j *Jingle) { j.Contents[0].Transport.Pwd = "a b" }, ErrNoICECredentials},
		{"no fingerprint", Initiator, func(j *Jingle) { j.Contents[0].Transport.Fingerprints = nil }, ErrNoFingerprint},
		{"bad setup", Initiator, func(j *Jingle) { j.Contents[0].Transport.Fingerprints[0].Setup = "both" }, ErrBadFingerprint},
		{"fingerprint value missing", Initiator, func(j *Jingle) { j.Contents[0].Transport.Fingerprints[0].Value = " " }, ErrBadFingerprint},
		{"answer actpass", Responder, func(j *Jingle) { j.Action = SessionAccept }, ErrActpassInAnswer},
		{"candidate no ip", Initiator, func(j *Jingle) { j.Contents[0].Transport.Candidates[0].IP = "" }, ErrBadCandidate},
		{"candidate port 0", Initiator, func(j *Jingle) { j.Contents[0].Transport.Candidates[0].Port = 0 }, ErrBadCandidate},
		{"candidate bad type", Initiator, func(j *Jingle) { j.Contents[0].Transport.Candidates[0].Type = "local" }, ErrBadCandidate},
		{"candidate no foundation", Initiator, func(j *Jingle) { j.Contents[0].Transport.Candidates[0].Foundation = "" }, ErrBadCandidate},
		{"bad senders", Initiator, func(j *Jingle) { j.Contents[0].Senders = "everyone" }, ErrBadSenders},
		{"bad content name", Initiator, func(j *Jingle) { j.Contents[0].Name = "a b" }, ErrBadName},
		{"duplicate content", Initiator, func(j *Jingle) { j.Contents = append(j.Contents, j.Contents[0]) }, ErrDuplicateContent},
		{"group unknown content", Initiator, func(j *Jingle) { j.Groups[0].Contents[0].Name = "video" }, ErrBadGroup},
		{"empty group", Initiator, func(j *Jingle) { j.Groups[0].Contents = nil }, ErrBadGroup},
		{"hdrext id 0", Initiator, func(j *Jingle) { j.Contents[0].Description.HeaderExtensions[0].ID = 0 }, ErrBadExtension},
		{"hdrext bad senders", Initiator, func(j *Jingle) { j.Contents[0].Description.HeaderExtensions[0].Senders = "x" }, ErrBadSenders},
		{"rtcp-fb empty", Initiator, func(j *Jingle) { j.Contents[0].Description.PayloadTypes[0].RTCPFeedback[0].Type = "" }, ErrBadFeedback},
		{"source param newline", Initiator, func(j *Jingle) {
			j.Contents[0].Description.Sources[0].Parameters[0].Value = "x\ny"
		}, ErrBadSource},
		{"ssrc-group empty", Initiator, func(j *Jingle) {
			j.Contents[0].Description.SSRCGroups = []SSRCGroup{{Semantics: "FID"}}
		}, ErrBadSource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := readJingle(t, "testdata/conversations-initiate.xml")
			tt.mutate(j)
			sd, err := ToSDP(j, tt.role)
			if !errors.Is(err, tt.err) {
				t.Fatalf("ToSDP error = %v, want %v", err, tt.err)
			}
			if sd != nil {
				t.Error("description returned with error")
			}
			if !strings.HasPrefix(err.Error(), "jingle: ") && !strings.HasPrefix(err.Error(), "content ") {
				t.Errorf("error text %q", err)
			}
		})
	}
	if _, err := ToSDP(nil, Initiator); !errors.Is(err, ErrNoContent) {
		t.Errorf("ToSDP(nil) = %v", err)
	}
}

func TestToSDPDefaults(t *testing.T) {
	j := readJingle(t, "testdata/dino-accept.xml")
	j.Contents[0].Transport.Fingerprints[0].Setup = ""
	sd, err := ToSDP(j, Responder)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := sd.MediaDescriptions[0].Attribute("setup"); v != "active" {
		t.Errorf("answer without setup: a=setup:%s, want active", v)
	}
	if _, ok := sd.Attribute("group"); ok {
		t.Error("answer got a BUNDLE group")
	}
	j = readJingle(t, "testdata/dino-initiate.xml")
	j.Contents[0].Transport.Fingerprints[0].Setup = ""
	sd, err = ToSDP(j, Initiator)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := sd.MediaDescriptions[0].Attribute("setup"); v != "actpass" {
		t.Errorf("offer without setup: a=setup:%s, want actpass", v)
	}
	// A static payload type may go without name; a second content is bundled too.
	j.Contents[0].Description.PayloadTypes = []PayloadType{{ID: 0}}
	second := j.Contents[0]
	second.Name = "audio2"
	j.Contents = append(j.Contents, second)
	sd, err = ToSDP(j, Initiator)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := sd.Attribute("group"); v != "BUNDLE audio audio2" {
		t.Errorf("group = %q", v)
	}
	if _, ok := sd.MediaDescriptions[0].Attribute("rtpmap"); ok {
		t.Error("rtpmap for a nameless static payload type")
	}
}

func TestDirection(t *testing.T) {
	tests := []struct {
		senders Senders
		author  Role
		want    sdp.Direction
	}{
		{SendersBoth, Initiator, sdp.DirectionSendRecv},
		{"", Responder, sdp.DirectionSendRecv},
		{SendersNone, Initiator, sdp.DirectionInactive},
		{SendersInitiator, Initiator, sdp.DirectionSendOnly},
		{SendersInitiator, Responder, sdp.DirectionRecvOnly},
		{SendersResponder, Initiator, sdp.DirectionRecvOnly},
		{SendersResponder, Responder, sdp.DirectionSendOnly},
	}
	for _, tt := range tests {
		t.Run(string(tt.senders)+"/"+string(tt.author), func(t *testing.T) {
			got, err := direction(tt.senders, tt.author)
			if err != nil || got != tt.want {
				t.Fatalf("direction = %v, %v; want %v", got, err, tt.want)
			}
			back := senders(got, tt.author)
			want := tt.senders
			if want == "" {
				want = SendersBoth
			}
			if back != want {
				t.Errorf("senders(%v) = %q, want %q", got, back, want)
			}
		})
	}
	// Hold from the initiator's side: its answer-side view flips.
	j := readJingle(t, "testdata/conversations-accept.xml")
	j.Contents[0].Senders = SendersInitiator
	sd, err := ToSDP(j, Responder)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sd.MediaDescriptions[0].Attribute("recvonly"); !ok {
		t.Error("senders=initiator in the responder's answer is not recvonly")
	}
}

func TestParseCandidate(t *testing.T) {
	tests := []struct {
		in   string
		want Candidate
		err  bool
	}{
		{in: "candidate:2315163394 1 udp 2122260223 192.168.1.23 49203 typ host generation 0 ufrag Ab3d network-id 1 network-cost 10",
			want: Candidate{Foundation: "2315163394", Component: 1, Protocol: "udp", Priority: 2122260223, IP: "192.168.1.23", Port: 49203, Type: "host", Network: 1, ID: "c1"}},
		{in: "a=candidate:842163049 1 UDP 1686052607 203.0.113.7 49203 typ srflx raddr 192.168.1.23 rport 49203",
			want: Candidate{Foundation: "842163049", Component: 1, Protocol: "udp", Priority: 1686052607, IP: "203.0.113.7", Port: 49203, Type: "srflx", RelAddr: "192.168.1.23", RelPort: 49203, ID: "c1"}},
		{in: "1 1 udp 2122252543 3f9c1e2a.local 56123 typ host",
			want: Candidate{Foundation: "1", Component: 1, Protocol: "udp", Priority: 2122252543, IP: "3f9c1e2a.local", Port: 56123, Type: "host", ID: "c1"}},
		{in: "candidate:3517512002 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active generation 0",
			want: Candidate{Foundation: "3517512002", Component: 1, Protocol: "tcp", Priority: 1518280447, IP: "192.168.1.23", Port: 9, Type: "host", ID: "c1"}},
		{in: "", err: true},
		{in: "candidate:1 1 udp 1 192.0.2.1 5000 host", err: true},
		{in: "candidate:1 1 udp 1 192.0.2.1 5000 typ", err: true},
		{in: "candidate:1 1 udp 1 192.0.2.1 70000 typ host", err: true},
		{in: "candidate:1 300 udp 1 192.0.2.1 5000 typ host", err: true},
		{in: "candidate:1 1 udp -1 192.0.2.1 5000 typ host", err: true},
		{in: "candidate:1 1 udp 1 192.0.2.1 5000 typ local", err: true},
		{in: "candidate:1 1 udp 1 192.0.2.1 5000 typ host generation", err: true},
		{in: "candidate:1 1 udp 1 192.0.2.1 5000 typ srflx raddr 10.0.0.1 rport x", err: true},
		{in: "candidate:1 0 udp 1 192.0.2.1 5000 typ host", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCandidate(tt.in, "c1")
			if tt.err {
				if !errors.Is(err, ErrBadCandidate) {
					t.Fatalf("err = %v, want ErrBadCandidate", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
			s, err := got.SDP()
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseCandidate(s, "c1")
			if err != nil || again != got {
				t.Errorf("SDP() %q reads back as %+v, %v", s, again, err)
			}
		})
	}
	if (Candidate{Component: 2, Protocol: "udp"}).Supported() || (Candidate{Component: 1, Protocol: "tcp"}).Supported() {
		t.Error("Supported")
	}
	if _, err := (Candidate{}).SDP(); !errors.Is(err, ErrBadCandidate) {
		t.Error("SDP of empty candidate")
	}
}

// pionAnswer is the shape of a pion/webrtc v4 answer: session-level
// fingerprint, msid, ice-options, an end-of-candidates, a rejected video.
const pionAnswer = "v=0\r\n" +
	"o=- 6294520453716497498 1751234567 IN IP4 0.0.0.0\r\n" +
	"s=-\r\n" +
	"t=0 0\r\n" +
	"a=msid-semantic:WMS*\r\n" +
	"a=fingerprint:sha-256 49:66:12:17:0D:1C:91:AE:57:4C:C6:36:DD:D5:97:D2:7D:62:C9:9A:7F:B9:A3:F4:70:03:E7:43:91:73:23:5E\r\n" +
	"a=ice-lite\r\n" +
	"a=group:BUNDLE 0 1\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 0 8 101\r\n" +
	"c=IN IP4 0.0.0.0\r\n" +
	"a=setup:active\r\n" +
	"a=mid:0\r\n" +
	"a=ice-ufrag:GKzFTyGwJdWdvzWq\r\n" +
	"a=ice-pwd:vxmLqEFqWtiTTMGtzDXDvuHaaDcGNWzd\r\n" +
	"a=rtcp-mux\r\n" +
	"a=rtcp-rsize\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\n" +
	"a=fmtp:101 0-16\r\n" +
	"a=rtcp-fb:* trr-int 100\r\n" +
	"a=ssrc:2749322380 cname:pion\r\n" +
	"a=ssrc:2749322380 msid:pion audio\r\n" +
	"a=ssrc:2749322380 mslabel:pion\r\n" +
	"a=ssrc:2749322380 label:audio\r\n" +
	"a=msid:pion audio\r\n" +
	"a=sendrecv\r\n" +
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n" +
	"a=candidate:1966762133 1 udp 2130706431 192.0.2.10 20000 typ host\r\n" +
	"a=candidate:1966762133 2 udp 2130706431 192.0.2.10 20001 typ host\r\n" +
	"a=candidate:233762139 1 tcp 2130706431 192.0.2.10 9 typ host tcptype passive\r\n" +
	"a=end-of-candidates\r\n" +
	"m=video 0 UDP/TLS/RTP/SAVPF 96\r\n" +
	"a=mid:1\r\n" +
	"a=rtpmap:96 VP8/90000\r\n"

func TestFromSDPPionAnswer(t *testing.T) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(pionAnswer); err != nil {
		t.Fatal(err)
	}
	j, err := FromSDP(&sd, SessionAccept, Responder)
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Contents) != 1 {
		t.Fatalf("contents: %+v", j.Contents)
	}
	c := j.Contents[0]
	if c.Name != "0" || c.Creator != CreatorInitiator || c.Senders != SendersBoth {
		t.Errorf("content: %+v", c)
	}
	wantPT := []PayloadType{
		{ID: 0, Name: "PCMU", ClockRate: 8000},
		{ID: 8, Name: "PCMA", ClockRate: 8000},
		{ID: 101, Name: "telephone-event", ClockRate: 8000, Parameters: []Parameter{{Value: "0-16"}}},
	}
	if !reflect.DeepEqual(c.Description.PayloadTypes, wantPT) {
		t.Errorf("payload types: %+v", c.Description.PayloadTypes)
	}
	if len(c.Description.RTCPFeedback) != 0 {
		t.Errorf("trr-int kept: %+v", c.Description.RTCPFeedback)
	}
	if len(c.Description.Sources) != 1 || len(c.Description.Sources[0].Parameters) != 4 {
		t.Errorf("sources: %+v", c.Description.Sources)
	}
	tr := c.Transport
	wantFP := []Fingerprint{{Hash: "sha-256", Setup: SetupActive, Value: "49:66:12:17:0D:1C:91:AE:57:4C:C6:36:DD:D5:97:D2:7D:62:C9:9A:7F:B9:A3:F4:70:03:E7:43:91:73:23:5E"}}
	if !reflect.DeepEqual(tr.Fingerprints, wantFP) || tr.Ufrag != "GKzFTyGwJdWdvzWq" {
		t.Errorf("transport: %+v", tr)
	}
	if len(tr.Candidates) != 1 || tr.Candidates[0].Port != 20000 || tr.Candidates[0].ID != "0-0" {
		t.Errorf("candidates: %+v", tr.Candidates)
	}
	if len(j.Groups) != 1 || !reflect.DeepEqual(j.Groups[0].Names(), []string{"0"}) {
		t.Errorf("groups: %+v", j.Groups)
	}
}

func TestFromSDPErrors(t *testing.T) {
	base := strings.Replace(pionAnswer, "a=setup:active", "a=setup:actpass", 1)
	tests := []struct {
		name   string
		sdp    string
		action Action
		role   Role
		err    error
	}{
		{"actpass in answer", base, SessionAccept, Responder, ErrActpassInAnswer},
		{"terminate", pionAnswer, SessionTerminate, Responder, ErrAction},
		{"accept by initiator", pionAnswer, SessionAccept, Initiator, ErrRole},
		{"application", strings.Replace(pionAnswer, "m=audio", "m=application", 1), SessionAccept, Responder, ErrUnknownMedia},
		{"bad format", strings.Replace(pionAnswer, "SAVPF 0 8 101", "SAVPF 0 8 300", 1), SessionAccept, Responder, ErrBadPayloadType},
		{"repeated format", strings.Replace(pionAnswer, "SAVPF 0 8 101", "SAVPF 0 0", 1), SessionAccept, Responder, ErrBadPayloadType},
		{"dynamic without rtpmap", strings.Replace(pionAnswer, "a=rtpmap:101 telephone-event/8000\r\n", "", 1), SessionAccept, Responder, ErrBadPayloadType},
		{"bad rtpmap", strings.Replace(pionAnswer, "telephone-event/8000", "telephone-event", 1), SessionAccept, Responder, ErrBadPayloadType},
		{"bad candidate", strings.Replace(pionAnswer, "20000 typ host", "20000 typ", 1), SessionAccept, Responder, ErrBadCandidate},
		{"no fingerprint", strings.Replace(pionAnswer, "a=fingerprint:", "a=x-fingerprint:", 1), SessionAccept, Responder, ErrNoFingerprint},
		{"bad fingerprint", strings.Replace(pionAnswer, "a=fingerprint:sha-256 ", "a=fingerprint:sha-256", 1), SessionAccept, Responder, ErrBadFingerprint},
		{"no ufrag", strings.Replace(pionAnswer, "a=ice-ufrag:GKzFTyGwJdWdvzWq\r\n", "", 1), SessionAccept, Responder, ErrNoICECredentials},
		{"bad ssrc", strings.Replace(pionAnswer, "a=ssrc:2749322380 cname", "a=ssrc:x cname", 1), SessionAccept, Responder, ErrBadSource},
		{"bad extmap", strings.Replace(pionAnswer, "a=sendrecv\r\n", "a=sendrecv\r\na=extmap:0 urn:x\r\n", 1), SessionAccept, Responder, ErrBadExtension},
		{"all rejected", strings.Replace(pionAnswer, "m=audio 9", "m=audio 0", 1), SessionAccept, Responder, ErrNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sd sdp.SessionDescription
			if err := sd.UnmarshalString(tt.sdp); err != nil {
				t.Fatal(err)
			}
			j, err := FromSDP(&sd, tt.action, tt.role)
			if !errors.Is(err, tt.err) {
				t.Fatalf("FromSDP error = %v, want %v", err, tt.err)
			}
			if j != nil {
				t.Error("Jingle returned with error")
			}
		})
	}
	if _, err := FromSDP(nil, SessionAccept, Responder); !errors.Is(err, ErrBadSDP) {
		t.Errorf("FromSDP(nil) = %v", err)
	}
}

func TestFromSDPContentAdd(t *testing.T) {
	sdpText := strings.Replace(pionAnswer, "a=setup:active", "a=setup:actpass", 1)
	sdpText = strings.Replace(sdpText, "a=sendrecv", "a=sendonly", 1)
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(sdpText); err != nil {
		t.Fatal(err)
	}
	j, err := FromSDP(&sd, ContentAdd, Responder)
	if err != nil {
		t.Fatal(err)
	}
	if c := j.Contents[0]; c.Creator != CreatorResponder || c.Senders != SendersResponder {
		t.Errorf("content-add by responder: %+v", c)
	}
}

func TestFromSDPSessionDirection(t *testing.T) {
	text := strings.Replace(pionAnswer, "a=sendrecv\r\n", "", 1)
	text = strings.Replace(text, "a=ice-lite\r\n", "a=ice-lite\r\na=recvonly\r\n", 1)
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(text); err != nil {
		t.Fatal(err)
	}
	j, err := FromSDP(&sd, SessionAccept, Responder)
	if err != nil {
		t.Fatal(err)
	}
	if s := j.Contents[0].Senders; s != SendersInitiator {
		t.Errorf("session-level recvonly from the responder: senders = %q, want initiator", s)
	}
}
