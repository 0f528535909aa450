package bridge

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// TestClientOffersReachPion feeds the session-initiates real clients send
// (jingle/testdata: Conversations, Dino without BUNDLE, Movim) through
// what acceptOffer does: Jingle -> SDP -> pion, and checks that pion
// answers G.711 with a DTLS role, and that its answer maps back to Jingle.
func TestClientOffersReachPion(t *testing.T) {
	rtc, err := media.NewWebRTC(media.WebRTCSettings{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../testdata/*-initiate.xml")
	if len(files) < 3 {
		t.Fatalf("golden offers missing: %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var j jingle.Jingle
			if err := xml.Unmarshal(raw, &j); err != nil {
				t.Fatal(err)
			}
			sd, err := jingle.ToSDP(&j, jingle.Initiator)
			if err != nil {
				t.Fatal(err)
			}
			bundle(sd)
			text, err := sd.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			leg, err := rtc.NewLeg()
			if err != nil {
				t.Fatal(err)
			}
			defer leg.Close()
			pc := leg.PC()
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(text)}); err != nil {
				t.Fatalf("pion refused the offer: %v\n%s", err, text)
			}
			ans, err := pc.CreateAnswer(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !answersAudio(ans.SDP) {
				t.Fatalf("no G.711 audio in the answer:\n%s", ans.SDP)
			}
			if !strings.Contains(ans.SDP, "a=setup:active") && !strings.Contains(ans.SDP, "a=setup:passive") {
				t.Errorf("answer without a DTLS role:\n%s", ans.SDP)
			}
			var asd sdp.SessionDescription
			if err := asd.UnmarshalString(ans.SDP); err != nil {
				t.Fatal(err)
			}
			acc, err := jingle.FromSDP(&asd, jingle.SessionAccept, jingle.Responder)
			if err != nil {
				t.Fatalf("answer does not map to Jingle: %v", err)
			}
			if len(acc.Contents) != 1 || acc.Contents[0].Name != j.Contents[0].Name {
				t.Errorf("accept contents %+v do not answer %q", acc.Contents, j.Contents[0].Name)
			}
		})
	}
}
