package jingle

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/pion/sdp/v3"
)

var roles = []struct {
	action Action
	role   Role
}{
	{SessionInitiate, Initiator},
	{SessionAccept, Responder},
	{ContentAdd, Responder},
}

// checkStable converts j to SDP text and back twice: the second SDP text
// must equal the first, and the Jingle must survive XML.
func checkStable(t *testing.T, j *Jingle, role Role) {
	t.Helper()
	sd, err := ToSDP(j, role)
	if err != nil {
		t.Fatalf("ToSDP refused what FromSDP made: %v", err)
	}
	s1, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var back sdp.SessionDescription
	if err := back.Unmarshal(s1); err != nil {
		t.Fatalf("pion cannot read our SDP: %v\n%s", err, s1)
	}
	j2, err := FromSDP(&back, j.Action, role)
	if err != nil {
		t.Fatalf("FromSDP of our own SDP: %v\n%s", err, s1)
	}
	j2.SID = j.SID
	sd2, err := ToSDP(j2, role)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := sd2.Marshal()
	if !bytes.Equal(s1, s2) {
		t.Fatalf("unstable round trip:\n%s\n---\n%s", s1, s2)
	}
	checkXMLRoundTrip(t, j2)
}

func FuzzParseJingle(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<jingle xmlns="urn:xmpp:jingle:1" action="session-terminate" sid="x"><reason><busy/></reason></jingle>`))
	// Line injection through an attribute must be refused, not emitted.
	f.Add([]byte(`<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="x"><content creator="initiator" name="0">` +
		`<description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"><payload-type id="0" name="PCMU" clockrate="8000"/></description>` +
		`<transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="u&#13;&#10;a=setup:active" pwd="p">` +
		`<fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash="sha-256">AA:BB</fingerprint></transport></content></jingle>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var j Jingle
		if xml.Unmarshal(data, &j) != nil {
			return
		}
		_ = j.SessionInfo()
		for _, r := range []Role{Initiator, Responder} {
			sd, err := ToSDP(&j, r)
			if err != nil {
				continue
			}
			s, err := sd.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			var back sdp.SessionDescription
			if err := back.Unmarshal(s); err != nil {
				t.Fatalf("pion cannot read our SDP: %v\n%s", err, s)
			}
			j2, err := FromSDP(&back, j.Action, r)
			if err != nil {
				t.Fatalf("FromSDP of our own SDP: %v\n%s", err, s)
			}
			j2.SID = j.SID
			checkStable(t, j2, r)
		}
	})
}

func FuzzFromSDP(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sdp")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(pionAnswer)
	f.Fuzz(func(t *testing.T, text string) {
		var sd sdp.SessionDescription
		if sd.UnmarshalString(text) != nil {
			return
		}
		for _, r := range roles {
			j, err := FromSDP(&sd, r.action, r.role)
			if err != nil {
				continue
			}
			j.SID = "fuzz"
			checkStable(t, j, r.role)
		}
	})
}

func FuzzParseJMI(f *testing.F) {
	f.Add([]byte(`<propose xmlns="urn:xmpp:jingle-message:0" id="x"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"/></propose>`))
	f.Add([]byte(`<finish xmlns="urn:xmpp:jingle-message:0" id="x"><reason xmlns="urn:xmpp:jingle:1"><success/><text>bye</text></reason></finish>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := UnmarshalJMI(data)
		if err != nil {
			return
		}
		b, err := xml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := UnmarshalJMI(b); err != nil {
			t.Fatalf("cannot re-read %s: %v", b, err)
		}
	})
}
