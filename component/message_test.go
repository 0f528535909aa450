package component

import (
	"bytes"
	"encoding/xml"
	"testing"

	"mellium.im/xmlstream"
)

func TestOutMessageTokens(t *testing.T) {
	tests := []struct {
		name string
		m    outMessage
		want string
	}{
		{"chat", outMessage{ID: "1", Type: "chat", From: "+12015550123@sms.example.org", To: "alice@example.org", Body: `a <b> & "c" ✓`},
			`<message from="+12015550123@sms.example.org" to="alice@example.org" id="1" type="chat"><body>a &lt;b&gt; &amp; &#34;c&#34; ✓</body></message>`},
		{"receipt", outMessage{From: "+1@sms.example.org", To: "a@example.org/r", Received: &receiptInfo{ID: "m1"}},
			`<message from="+1@sms.example.org" to="a@example.org/r"><received xmlns="urn:xmpp:receipts" id="m1"></received></message>`},
		{"media", outMessage{From: "f@d", To: "t@d", Body: "u", OOB: []oobInfo{{URL: "https://x/a?b=1&c=2"}}},
			`<message from="f@d" to="t@d"><body>u</body><x xmlns="jabber:x:oob"><url>https://x/a?b=1&amp;c=2</url></x></message>`},
		{"nick", outMessage{Type: "chat", From: "+1@sms.example.org", To: "a@example.org", Body: "hi", Nick: " Jane\nDoe "},
			`<message from="+1@sms.example.org" to="a@example.org" type="chat"><body>hi</body><nick xmlns="http://jabber.org/protocol/nick">Jane Doe</nick></message>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			e := xml.NewEncoder(&b)
			if _, err := xmlstream.Copy(e, tt.m.tokens()); err != nil {
				t.Fatal(err)
			}
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}
