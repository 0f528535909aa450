package bridge

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/jingle"
)

func TestJMIMessageXML(t *testing.T) {
	tests := []struct {
		name string
		msg  jmiMessage
		want []string
	}{
		{
			name: "propose asks for a receipt and storage",
			msg: jmiMessage{ID: jingle.ProposeMessageID("s1"), Type: "chat", From: "+15551234567@sms.example.org", To: "alice@example.org",
				JMI: jingle.NewAudioPropose("s1"), Request: &receiptRequest{}, Store: &storeHint{}},
			want: []string{`<message id="jm-propose-s1" type="chat" from="+15551234567@sms.example.org" to="alice@example.org">`,
				`<propose xmlns="urn:xmpp:jingle-message:0" id="s1"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"`,
				`<request xmlns="urn:xmpp:receipts"></request>`, `<store xmlns="urn:xmpp:hints"></store>`},
		},
		{
			name: "reject carries its reason",
			msg:  jmiMessage{ID: "x", Type: "chat", From: "n@d", To: "u@d/r", JMI: &jingle.Reject{ID: "s1", Reason: jingle.NewReason(jingle.Busy, "")}},
			want: []string{`<reject xmlns="urn:xmpp:jingle-message:0" id="s1"><reason xmlns="urn:xmpp:jingle:1"><busy></busy></reason></reject>`},
		},
		{
			name: "receipt",
			msg:  jmiMessage{ID: "x", Type: "chat", From: "n@d", To: "u@d/r", Received: &received{ID: "jm-propose-s1"}},
			want: []string{`<received xmlns="urn:xmpp:receipts" id="jm-propose-s1"></received>`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := xml.Marshal(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("missing %s in\n%s", w, b)
				}
			}
			if tt.msg.JMI == nil && strings.Contains(string(b), "jingle-message") {
				t.Errorf("empty JMI marshalled: %s", b)
			}
		})
	}
}
