package testenv

import "testing"

// TestParseDiscoInfo: XEP-0115 §5.2's example, written in another order.
func TestParseDiscoInfo(t *testing.T) {
	d, err := ParseDiscoInfo(`<iq type="result" id="1"><query xmlns="http://jabber.org/protocol/disco#info" node="n#v">` +
		`<feature var="http://jabber.org/protocol/muc"/><identity type="pc" name="Exodus 0.9.1" category="client"/>` +
		`<feature var="http://jabber.org/protocol/disco#info"/><feature var="http://jabber.org/protocol/caps"/>` +
		`<feature var="http://jabber.org/protocol/disco#items"/></query></iq>`)
	if err != nil {
		t.Fatal(err)
	}
	if d.Ver != "QgayPKawpkPSDYmwT/WM94uAlu0=" || d.Node != "n#v" || len(d.Identities) != 1 || d.Identities[0] != "client/pc" || len(d.Features) != 4 {
		t.Errorf("got %+v", d)
	}
	if _, err := ParseDiscoInfo(`<iq type="result"/>`); err == nil {
		t.Error("no error without a query")
	}
}
