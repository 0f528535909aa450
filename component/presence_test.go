package component

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

const (
	testNumber = "+15551234567@sms.example.org"
	testFull   = testNumber + "/" + Resource
)

// TestSubscriptions: a number JID (and the gateway's) answers a
// subscription like a phone contact: subscribed, its available presence
// from the full JID with caps, and a subscription request back.
func TestSubscriptions(t *testing.T) {
	for _, voice := range []bool{false, true} {
		c, w := testComponent(t, voice)
		tests := []struct {
			name, to string
			info     entity
			nick     string
		}{
			{"number", testNumber, c.numberInfo, ""},
			{"number at its full JID", testFull, c.numberInfo, ""},
			{"gateway", "sms.example.org", c.gatewayInfo, `<nick xmlns="http://jabber.org/protocol/nick">Switchboard</nick>`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w.in(t, `<presence from="alice@example.org" to="`+tt.to+`" type="subscribe"/>`)
				bare := strings.TrimSuffix(tt.to, "/"+Resource)
				if p := w.next(t); p.Name != "presence" || p.Type != "subscribed" || p.From != bare || p.To != "alice@example.org" {
					t.Errorf("first answer: %s", p.Raw)
				}
				p := w.next(t)
				caps := `<c xmlns="http://jabber.org/protocol/caps" hash="sha-1" node="` + capsNode + `" ver="` + tt.info.ver + `">`
				if p.Type != "" || p.From != bare+"/"+Resource || p.To != "alice@example.org" || !p.has(caps) {
					t.Errorf("available presence: %s", p.Raw)
				}
				if p := w.next(t); p.Type != "subscribe" || p.From != bare || !p.has(tt.nick) {
					t.Errorf("subscription back: %s", p.Raw)
				}
				w.none(t)
			})
		}
	}
}

func TestPresenceAnswers(t *testing.T) {
	c, w := testComponent(t, true)
	tests := []struct {
		typ  string
		want []string // type:from of each answer
	}{
		{"probe", []string{":" + testFull}},
		{"unsubscribe", []string{"unsubscribed:" + testNumber, "unavailable:" + testFull}},
		{"unsubscribed", []string{"unsubscribe:" + testNumber}},
		{"subscribed", nil},
		{"", nil}, // the user's own available presence
		{"unavailable", nil},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			typ := ""
			if tt.typ != "" {
				typ = ` type="` + tt.typ + `"`
			}
			w.in(t, `<presence from="alice@example.org/laptop" to="`+testNumber+`"`+typ+`/>`)
			for _, want := range tt.want {
				p := w.next(t)
				if p.Type+":"+p.From != want || p.To != "alice@example.org" {
					t.Errorf("got %s, want %s to alice@example.org", p.Raw, want)
				}
				if p.Type == "" && !p.has(`ver="`+c.numberInfo.ver+`"`) {
					t.Errorf("available presence without caps: %s", p.Raw)
				}
			}
			w.none(t)
		})
	}
	t.Run("not a number", func(t *testing.T) {
		w.in(t, `<presence from="alice@example.org" to="+1555@sms.example.org" type="subscribe"/>`)
		w.none(t)
	})
}

// TestSubscriptionNick: a name a carrier gave for the number travels in
// its subscription request (XEP-0172), cleaned.
func TestSubscriptionNick(t *testing.T) {
	c, w := testComponent(t, false)
	c.RememberName("+15551234567", "  JANE\u202e  DOE\n")
	w.in(t, `<presence from="alice@example.org" to="`+testNumber+`" type="subscribe"/>`)
	w.next(t)
	w.next(t)
	if p := w.next(t); p.Type != "subscribe" || !p.has(`<nick xmlns="http://jabber.org/protocol/nick">JANE DOE</nick>`) {
		t.Errorf("subscription request: %s", p.Raw)
	}
}

// TestAnnounce: when the stream comes up, every user holding a number
// (once, however many numbers) gets the gateway's available presence.
func TestAnnounce(t *testing.T) {
	r := testenv.StartRedis(t)
	st, err := store.Open(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for _, b := range []store.Binding{
		{Number: "+12015550100", JID: "alice@example.org", Carrier: "sandbox"},
		{Number: "+12015550101", JID: "alice@example.org", Carrier: "sandbox"},
		{Number: "+12015550111", JID: "bob@example.org", Carrier: "sandbox"},
	} {
		if err := st.Assign(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	c, w := testComponent(t, true)
	c.store = st
	c.announce(ctx)
	got := map[string]bool{}
	for range 2 {
		p := w.next(t)
		if p.Name != "presence" || p.Type != "" || p.From != "sms.example.org/"+Resource || !p.has(`ver="`+c.gatewayInfo.ver+`"`) {
			t.Errorf("announcement: %s", p.Raw)
		}
		got[p.To] = true
	}
	if !got["alice@example.org"] || !got["bob@example.org"] {
		t.Errorf("announced to %v", got)
	}
	w.none(t)
}
