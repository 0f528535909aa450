package media

import (
	"strings"
	"testing"
)

// PreferCodecs narrows an answer to the codecs the other leg accepted.
func TestPreferCodecs(t *testing.T) {
	w, err := NewWebRTC(WebRTCSettings{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	offerer, err := w.NewLeg()
	if err != nil {
		t.Fatal(err)
	}
	defer offerer.Close()
	answerer, err := w.NewLeg()
	if err != nil {
		t.Fatal(err)
	}
	defer answerer.Close()
	offer, err := offerer.PC().CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Chrome's numbering: telephone-event on 126.
	offer.SDP = strings.ReplaceAll(offer.SDP, " 101", " 126")
	offer.SDP = strings.ReplaceAll(offer.SDP, ":101 ", ":126 ")
	if err := answerer.PC().SetRemoteDescription(offer); err != nil {
		t.Fatal(err)
	}
	if err := answerer.PreferCodecs("pcma", "telephone-event"); err != nil {
		t.Fatal(err)
	}
	ans, err := answerer.PC().CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ans.SDP, "PCMA/8000") || !strings.Contains(ans.SDP, "a=rtpmap:126 telephone-event/8000") || strings.Contains(ans.SDP, "PCMU/8000") {
		t.Errorf("answer not narrowed to PCMA and telephone-event:\n%s", ans.SDP)
	}
	// A codec the offer lacks is left out rather than refused.
	if err := answerer.PreferCodecs("PCMU", "G722"); err != nil {
		t.Errorf("PreferCodecs with a codec the offer lacks: %v", err)
	}
	if err := answerer.PreferCodecs("opus"); err == nil {
		t.Error("PreferCodecs(opus) accepted a codec legs cannot carry")
	}
}
