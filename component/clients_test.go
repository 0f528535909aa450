package component

import (
	"context"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"time"
)

// answerIQ feeds the component the answer to its IQ id, as receive does.
func answerIQ(t *testing.T, c *Component, id, typ, inner string) {
	t.Helper()
	start := xml.StartElement{Name: xml.Name{Local: "iq"}, Attr: []xml.Attr{{Name: xml.Name{Local: "id"}, Value: id}, {Name: xml.Name{Local: "type"}, Value: typ}}}
	if !c.takeAnswer(xml.NewDecoder(strings.NewReader(inner)), &start) {
		t.Fatalf("answer %s not taken", id)
	}
}

// TestOnlineClients: the presence users' servers send to number JIDs tells
// which resources are online; their disco#info features are asked once,
// when a call needs them; an unavailable presence forgets the resource.
func TestOnlineClients(t *testing.T) {
	c, w := testComponent(t, true)
	const gajim = "alice@example.org/gajim"
	w.in(t, `<presence from="`+gajim+`" to="`+testNumber+`"/>`)
	w.in(t, `<presence from="bob@example.org/x" to="`+testFull+`"/>`)
	w.none(t) // nothing to answer

	got := make(chan map[string][]string, 1)
	go func() { got <- c.OnlineClients(context.Background(), "alice@example.org", testFull) }()
	q := w.next(t)
	if q.Name != "iq" || q.Type != "get" || q.To != gajim || q.From != testFull || !q.has(`http://jabber.org/protocol/disco#info`) {
		t.Fatalf("disco query: %s", q.Raw)
	}
	answerIQ(t, c, q.ID, "result", `<query xmlns="http://jabber.org/protocol/disco#info"><identity category="client" type="pc"/>`+
		`<feature var="urn:xmpp:jingle:1"/><feature var="urn:xmpp:jingle:apps:rtp:1"/><feature var="urn:xmpp:jingle:transports:ice-udp:1"/></query>`)
	var res map[string][]string
	select {
	case res = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("OnlineClients did not return")
	}
	want := []string{"urn:xmpp:jingle:1", "urn:xmpp:jingle:apps:rtp:1", "urn:xmpp:jingle:transports:ice-udp:1"}
	if len(res) != 1 || !slices.Equal(res[gajim], want) {
		t.Fatalf("OnlineClients = %v, want %s with %v", res, gajim, want)
	}
	// Known now: not asked again.
	if res := c.OnlineClients(context.Background(), "alice@example.org", testFull); !slices.Equal(res[gajim], want) {
		t.Fatalf("second OnlineClients = %v", res)
	}
	w.none(t)

	w.in(t, `<presence from="`+gajim+`" to="`+testNumber+`" type="unavailable"/>`)
	if res := c.OnlineClients(context.Background(), "alice@example.org", testFull); len(res) != 0 {
		t.Fatalf("after unavailable: %v", res)
	}
}

// TestOnlineClientsNoAnswer: a resource that answers with an error, or
// not in time, has unknown (nil) features.
func TestOnlineClientsNoAnswer(t *testing.T) {
	c, w := testComponent(t, true)
	w.in(t, `<presence from="carol@example.org/a" to="`+testNumber+`"/>`)
	got := make(chan map[string][]string, 1)
	go func() { got <- c.OnlineClients(context.Background(), "carol@example.org", testFull) }()
	q := w.next(t)
	answerIQ(t, c, q.ID, "error", `<error type="cancel"><service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>`)
	if res := <-got; len(res) != 1 || res["carol@example.org/a"] != nil {
		t.Fatalf("OnlineClients = %v, want carol's resource with nil features", res)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if res := c.OnlineClients(ctx, "carol@example.org", testFull); res["carol@example.org/a"] != nil {
		t.Fatalf("unanswered: %v", res)
	}
	w.next(t) // the second query
}

// FuzzReadFeatures: any IQ result payload gives a list of features and
// never panics or loops; a well-formed query gives each var once per
// <feature/>.
func FuzzReadFeatures(f *testing.F) {
	f.Add(`<query xmlns="http://jabber.org/protocol/disco#info"><feature var="urn:xmpp:jingle:1"/></query>`)
	f.Add(`<query xmlns="http://jabber.org/protocol/disco#info"><identity category="client"/><feature/><feature var=""/></query>`)
	f.Add(`<jingle xmlns="urn:xmpp:jingle:1"><feature var="x"/></jingle>`)
	f.Add(`<query xmlns="http://jabber.org/protocol/disco#info"><feature var="a"`)
	f.Fuzz(func(t *testing.T, payload string) {
		fs := readFeatures(xml.NewDecoder(strings.NewReader(payload)))
		if n := strings.Count(payload, "<"); len(fs) > n {
			t.Fatalf("%d features from %d elements", len(fs), n)
		}
	})
}
