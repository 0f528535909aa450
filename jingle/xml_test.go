package jingle

import (
	"bytes"
	"encoding/xml"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestJingleXMLRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			j := readJingle(t, path)
			x1, err := xml.Marshal(j)
			if err != nil {
				t.Fatal(err)
			}
			var j2 Jingle
			if err := xml.Unmarshal(x1, &j2); err != nil {
				t.Fatalf("re-read: %v\n%s", err, x1)
			}
			x2, _ := xml.Marshal(&j2)
			if !bytes.Equal(x1, x2) {
				t.Errorf("unstable:\n%s\n%s", x1, x2)
			}
		})
	}
}

func TestParseConversations(t *testing.T) {
	j := readJingle(t, "testdata/conversations-initiate.xml")
	if j.Action != SessionInitiate || j.SID != "Ua3YoXrCp0s9hZvEqkT5Jg" || j.Initiator != "alice@example.org/Conversations.Xy1z" {
		t.Fatalf("header: %+v", j)
	}
	c := j.Content("0")
	if c == nil || c.Creator != CreatorInitiator || c.Senders != SendersBoth {
		t.Fatalf("content: %+v", c)
	}
	d := c.Description
	if d.Media != "audio" || len(d.PayloadTypes) != 8 || d.RTCPMux == nil || d.ExtmapAllowMixed == nil {
		t.Fatalf("description: %+v", d)
	}
	opus := d.PayloadTypes[0]
	want := PayloadType{ID: 111, Name: "opus", ClockRate: 48000, Channels: 2,
		Parameters:   []Parameter{{"minptime", "10"}, {"useinbandfec", "1"}},
		RTCPFeedback: []RTCPFeedback{{Type: "transport-cc"}}}
	if !reflect.DeepEqual(opus, want) {
		t.Errorf("opus = %+v, want %+v", opus, want)
	}
	if len(d.HeaderExtensions) != 4 || d.HeaderExtensions[3].URI != "urn:ietf:params:rtp-hdrext:sdes:mid" {
		t.Errorf("hdrext: %+v", d.HeaderExtensions)
	}
	if len(d.Sources) != 1 || d.Sources[0].SSRC != 3735928559 || d.Sources[0].Parameters[1].Value != "my-media-stream my-audio-track" {
		t.Errorf("sources: %+v", d.Sources)
	}
	tr := c.Transport
	if tr.Ufrag != "Ab3d" || len(tr.Fingerprints) != 1 || tr.Fingerprints[0].Setup != SetupActpass || tr.Fingerprints[0].Hash != "sha-256" {
		t.Errorf("transport: %+v", tr)
	}
	wantCand := Candidate{Component: 1, Foundation: "842163049", ID: "ihdm0lkm1x", IP: "203.0.113.7", Network: 1, Port: 49203,
		Priority: 1686052607, Protocol: "udp", RelAddr: "192.168.1.23", RelPort: 49203, Type: CandidateSrflx}
	if len(tr.Candidates) != 4 || tr.Candidates[1] != wantCand {
		t.Errorf("candidates: %+v", tr.Candidates)
	}
	if len(j.Groups) != 1 || j.Groups[0].Semantics != SemanticsBundle || !reflect.DeepEqual(j.Groups[0].Names(), []string{"0"}) {
		t.Errorf("groups: %+v", j.Groups)
	}
}

func TestMarshalNamespaces(t *testing.T) {
	j := readJingle(t, "testdata/conversations-initiate.xml")
	b, err := xml.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate"`,
		`<description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio">`,
		`<transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="Ab3d"`,
		`<fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash="sha-256" setup="actpass">8F:4E`,
		`<rtcp-fb xmlns="urn:xmpp:jingle:apps:rtp:rtcp-fb:0" type="transport-cc"></rtcp-fb>`,
		`<rtp-hdrext xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" id="1"`,
		`<source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="3735928559"><parameter name="cname"`,
		`<group xmlns="urn:xmpp:jingle:apps:grouping:0" semantics="BUNDLE"><content name="0"></content></group>`,
		`<rtcp-mux></rtcp-mux>`,
	} {
		if !strings.Contains(string(b), s) {
			t.Errorf("marshalled Jingle lacks %s\n%s", s, b)
		}
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Reason
	}{
		{"busy", `<reason><busy/></reason>`, Reason{Condition: Busy}},
		{"decline", `<reason><decline/><text>not now</text></reason>`, Reason{Condition: Decline, Text: "not now"}},
		{"cancel", `<reason xmlns="urn:xmpp:jingle:1"><cancel/><text>Retracted</text></reason>`, Reason{Condition: Cancel, Text: "Retracted"}},
		{"timeout", `<reason><timeout/></reason>`, Reason{Condition: Timeout}},
		{"general-error", `<reason><general-error/></reason>`, Reason{Condition: GeneralError}},
		{"success", `<reason><success/></reason>`, Reason{Condition: Success}},
		{"text first", `<reason><text>bye</text><success/></reason>`, Reason{Condition: Success, Text: "bye"}},
		{"app condition skipped", `<reason><failed-application/><x xmlns="urn:example:app"><y/></x></reason>`, Reason{Condition: FailedApplication}},
		{"alternative", `<reason><alternative-session><sid>b84tkkwlmb48kgfb</sid></alternative-session></reason>`, Reason{Condition: AlternativeSession, SID: "b84tkkwlmb48kgfb"}},
		{"empty", `<reason/>`, Reason{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Reason
			if err := xml.Unmarshal([]byte(tt.in), &r); err != nil {
				t.Fatal(err)
			}
			if r != tt.want {
				t.Fatalf("got %+v, want %+v", r, tt.want)
			}
			b, err := xml.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(b), `<reason xmlns="urn:xmpp:jingle:1">`) {
				t.Errorf("marshal: %s", b)
			}
			var r2 Reason
			if err := xml.Unmarshal(b, &r2); err != nil || r2 != r {
				t.Errorf("round trip %s: %+v, %v", b, r2, err)
			}
		})
	}
	if !Busy.Known() || Condition("nope").Known() {
		t.Error("Known")
	}
	if s := NewReason(Decline, "x").String(); s != "decline (x)" {
		t.Errorf("String = %q", s)
	}
}

func TestSessionTerminate(t *testing.T) {
	in := `<jingle xmlns="urn:xmpp:jingle:1" action="session-terminate" sid="a73sjjvkla37jfea"><reason><busy/><text>on another call</text></reason></jingle>`
	var j Jingle
	if err := xml.Unmarshal([]byte(in), &j); err != nil {
		t.Fatal(err)
	}
	if j.Action != SessionTerminate || j.Reason == nil || j.Reason.Condition != Busy || j.Reason.Text != "on another call" || len(j.Info) != 0 {
		t.Fatalf("%+v", j)
	}
	b, _ := xml.Marshal(&j)
	want := `<jingle xmlns="urn:xmpp:jingle:1" action="session-terminate" sid="a73sjjvkla37jfea"><reason xmlns="urn:xmpp:jingle:1"><busy></busy><text>on another call</text></reason></jingle>`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestSessionInfo(t *testing.T) {
	for _, name := range []string{InfoRinging, InfoHold, InfoActive, InfoMute} {
		t.Run(name, func(t *testing.T) {
			j := Jingle{Action: SessionInfoAction, SID: "s1", Info: []Info{NewInfo(name)}}
			b, err := xml.Marshal(&j)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `<`+name+` xmlns="urn:xmpp:jingle:apps:rtp:info:1">`) {
				t.Errorf("marshal: %s", b)
			}
			var j2 Jingle
			if err := xml.Unmarshal(b, &j2); err != nil {
				t.Fatal(err)
			}
			if got := j2.SessionInfo(); got != name {
				t.Errorf("SessionInfo = %q", got)
			}
		})
	}
	var j Jingle
	_ = xml.Unmarshal([]byte(`<jingle xmlns="urn:xmpp:jingle:1" action="session-info" sid="x"><foo xmlns="urn:example"/></jingle>`), &j)
	if j.SessionInfo() != "" {
		t.Error("foreign payload read as session-info")
	}
}

func TestJMI(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want JMI
	}{
		{"propose", `<propose xmlns="urn:xmpp:jingle-message:0" id="ca3cf894-5325-482f-a412-a6e9f832298d"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"/></propose>`,
			&Propose{XMLName: xml.Name{Space: NSJMI, Local: "propose"}, ID: "ca3cf894-5325-482f-a412-a6e9f832298d",
				Descriptions: []RTPDescription{{XMLName: xml.Name{Space: NSRTP, Local: "description"}, Media: "audio"}}}},
		{"ringing", `<ringing xmlns="urn:xmpp:jingle-message:0" id="s1"/>`, &Ringing{XMLName: xml.Name{Space: NSJMI, Local: "ringing"}, ID: "s1"}},
		{"proceed", `<proceed xmlns="urn:xmpp:jingle-message:0" id="s1"/>`, &Proceed{XMLName: xml.Name{Space: NSJMI, Local: "proceed"}, ID: "s1"}},
		{"reject", `<reject xmlns="urn:xmpp:jingle-message:0" id="s1"><reason xmlns="urn:xmpp:jingle:1"><busy/><text>Busy</text></reason></reject>`,
			&Reject{XMLName: xml.Name{Space: NSJMI, Local: "reject"}, ID: "s1", Reason: &Reason{Condition: Busy, Text: "Busy"}}},
		{"retract", `<retract xmlns="urn:xmpp:jingle-message:0" id="s1"><reason xmlns="urn:xmpp:jingle:1"><cancel/><text>Retracted</text></reason></retract>`,
			&Retract{XMLName: xml.Name{Space: NSJMI, Local: "retract"}, ID: "s1", Reason: &Reason{Condition: Cancel, Text: "Retracted"}}},
		{"finish", `<finish xmlns="urn:xmpp:jingle-message:0" id="s1"><reason xmlns="urn:xmpp:jingle:1"><success/><text>Success</text></reason></finish>`,
			&Finish{XMLName: xml.Name{Space: NSJMI, Local: "finish"}, ID: "s1", Reason: &Reason{Condition: Success, Text: "Success"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UnmarshalJMI([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			b, err := xml.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			again, err := UnmarshalJMI(b)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("round trip %s: %+v %v", b, again, err)
			}
			if again.SessionID() == "" {
				t.Error("no session id")
			}
		})
	}
	for _, in := range []string{``, `<propose xmlns="urn:other" id="x"/>`, `<accept xmlns="urn:xmpp:jingle-message:0" id="x"/>`, `<propose xmlns="urn:xmpp:jingle-message:0" id="x">`} {
		if _, err := UnmarshalJMI([]byte(in)); !errors.Is(err, ErrUnknownJMI) {
			t.Errorf("UnmarshalJMI(%q) = %v, want ErrUnknownJMI", in, err)
		}
	}
	p := NewAudioPropose("abc")
	b, _ := xml.Marshal(p)
	if want := `<propose xmlns="urn:xmpp:jingle-message:0" id="abc"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"></description></propose>`; string(b) != want {
		t.Errorf("NewAudioPropose: %s", b)
	}
	if !reflect.DeepEqual(p.Media(), []string{"audio"}) || ProposeMessageID("abc") != "jm-propose-abc" {
		t.Error("Media / ProposeMessageID")
	}
}
