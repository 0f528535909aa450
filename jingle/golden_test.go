package jingle

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

var update = flag.Bool("update", false, "rewrite the golden testdata/*.sdp files")

// roleOf gives the writer of a golden file's description from its action.
func roleOf(a Action) Role {
	if a.IsAnswer() {
		return Responder
	}
	return Initiator
}

func readJingle(t testing.TB, path string) *Jingle {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j Jingle
	if err := xml.Unmarshal(b, &j); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &j
}

// summary is what must survive Jingle -> SDP -> Jingle.
type summary struct {
	Mids         []string
	Senders      []Senders
	PayloadTypes [][]PayloadType
	HdrExts      [][]HeaderExtension
	Sources      [][]Source
	Fingerprints [][]Fingerprint
	Candidates   [][]Candidate
	Ufrags       []string
	RTCPMux      []bool
	Groups       []Group
}

func summarize(j *Jingle, addBundle bool) summary {
	var s summary
	for _, c := range j.Contents {
		s.Mids = append(s.Mids, c.Name)
		snd := c.Senders
		if snd == "" {
			snd = SendersBoth
		}
		s.Senders = append(s.Senders, snd)
		var pts []PayloadType
		for _, pt := range c.Description.PayloadTypes {
			pt.PTime, pt.MaxPTime = 0, 0 // media-level in SDP
			if pt.Channels == 1 {
				pt.Channels = 0
			}
			pts = append(pts, pt)
		}
		s.PayloadTypes = append(s.PayloadTypes, pts)
		s.HdrExts = append(s.HdrExts, c.Description.HeaderExtensions)
		s.Sources = append(s.Sources, c.Description.Sources)
		var fps []Fingerprint
		for _, fp := range c.Transport.Fingerprints {
			fp.Value = strings.TrimSpace(fp.Value)
			fps = append(fps, fp)
		}
		s.Fingerprints = append(s.Fingerprints, fps)
		var cands []Candidate
		for _, cd := range c.Transport.Candidates {
			if cd.Supported() {
				cd.ID = ""
				cands = append(cands, cd)
			}
		}
		s.Candidates = append(s.Candidates, cands)
		s.Ufrags = append(s.Ufrags, c.Transport.Ufrag+":"+c.Transport.Pwd)
		s.RTCPMux = append(s.RTCPMux, c.Description.RTCPMux != nil)
	}
	s.Groups = j.Groups
	if addBundle && len(s.Groups) == 0 {
		s.Groups = []Group{NewGroup(SemanticsBundle, s.Mids...)}
	}
	return s
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".xml")
		t.Run(name, func(t *testing.T) {
			j := readJingle(t, path)
			role := roleOf(j.Action)
			sd, err := ToSDP(j, role)
			if err != nil {
				t.Fatalf("ToSDP: %v", err)
			}
			got, err := sd.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(path, ".xml") + ".sdp"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./jingle -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("ToSDP mismatch with %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}

			// Back: parse the golden SDP text, as pion would hand it over.
			var back sdp.SessionDescription
			if err := back.Unmarshal(want); err != nil {
				t.Fatalf("pion cannot parse %s: %v", golden, err)
			}
			j2, err := FromSDP(&back, j.Action, role)
			if err != nil {
				t.Fatalf("FromSDP: %v", err)
			}
			if a, b := summarize(j, j.Action.IsOffer()), summarize(j2, false); !reflect.DeepEqual(a, b) {
				t.Errorf("round trip changed the session:\n got %+v\nwant %+v", b, a)
			}

			checkXMLRoundTrip(t, j2) // the result survives XML
		})
	}
}

// checkXMLRoundTrip fails t unless j marshals, reads back and marshals to
// the same XML.
func checkXMLRoundTrip(t *testing.T, j *Jingle) {
	t.Helper()
	x, err := xml.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	var j2 Jingle
	if err := xml.Unmarshal(x, &j2); err != nil {
		t.Fatalf("re-read %s: %v", x, err)
	}
	if x2, _ := xml.Marshal(&j2); !bytes.Equal(x, x2) {
		t.Fatalf("XML round trip:\n got %s\nwant %s", x2, x)
	}
}

// TestGoldenDrops checks what the notes say must not reach SDP.
func TestGoldenDrops(t *testing.T) {
	for _, tt := range []struct {
		file    string
		absent  []string
		present []string
	}{
		{"conversations-initiate", []string{" tcp ", "x5m8z2ulx2"}, []string{"a=setup:actpass", "a=group:BUNDLE 0", "a=rtpmap:126 telephone-event/8000", "raddr 203.0.113.7 rport 49203"}},
		{"dino-initiate", []string{"a=crypto", "inline:", "candidate:1 2 "}, []string{"a=group:BUNDLE audio", "a=mid:audio", "a=rtcp-fb:99 nack"}},
		{"dino-accept", []string{"actpass", "a=group"}, []string{"a=setup:active", "a=sendrecv"}},
		{"conversations-accept", []string{"actpass"}, []string{"a=setup:active", "a=fmtp:101 0-16"}},
		{"movim-initiate", nil, []string{".local 56123 typ host", "a=extmap:2/sendonly urn:ietf:params:rtp-hdrext:csrc-audio-level", "a=maxptime:120"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			j := readJingle(t, "testdata/"+tt.file+".xml")
			sd, err := ToSDP(j, roleOf(j.Action))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := sd.Marshal()
			for _, s := range tt.absent {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("SDP contains %q", s)
				}
			}
			for _, s := range tt.present {
				if !bytes.Contains(b, []byte(s)) {
					t.Errorf("SDP lacks %q:\n%s", s, b)
				}
			}
		})
	}
}
