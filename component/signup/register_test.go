package signup

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/carriers/twilio"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// submitted is a submitted XEP-0077 form with fields.
func submitted(t *testing.T, fields map[string]string) []*adhoc.Form {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE" type="hidden"><value>jabber:iq:register</value></field>`)
	for k, v := range fields {
		b.WriteString(`<field var="` + k + `"><value>` + v + `</value></field>`)
	}
	b.WriteString(`</x>`)
	f, err := adhoc.ParseForm([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return []*adhoc.Form{f}
}

// TestRegisterIQ: XEP-0077 on the gateway: get offers numbers in a form,
// set takes one, and refusals are stanza errors with a text.
func TestRegisterIQ(t *testing.T) {
	f := newFixture(t, setup{billing: true})
	ctx := context.Background()
	who := jid.MustParse(alice + "/phone")
	res, e := f.sg.RegisterIQ(ctx, who, false, nil, false)
	if e != nil {
		t.Fatal(e)
	}
	out, err := xml.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`<query xmlns="jabber:iq:register"><instructions>Pick a phone number`, `<x xmlns="jabber:x:data" type="form">`,
		`<field var="FORM_TYPE" type="hidden"><value>jabber:iq:register</value>`, `<field var="number" type="list-single" label="Number"><required></required><option label="+12015550100 (Sandbox)"><value>+12015550100</value>`} {
		if !strings.Contains(string(out), w) {
			t.Fatalf("get lacks %s: %s", w, out)
		}
	}
	refusals := []struct {
		name   string
		forms  []*adhoc.Form
		remove bool
		cond   string
		text   string
	}{
		{"no form", nil, false, "bad-request", "submit the registration form"},
		{"no number", submitted(t, map[string]string{}), false, "bad-request", `"number": is required`},
		{"not a number", submitted(t, map[string]string{"number": "call me"}), false, "not-acceptable", "choose one of the numbers"},
		{"unknown field", submitted(t, map[string]string{"number": "+12015550100", "plan": "free"}), false, "bad-request", "not a field"},
		{"bad invite", submitted(t, map[string]string{"number": "+12015550100", "invite": "NOPE"}), false, "not-acceptable", "unknown or has expired"},
		{"unpaid", submitted(t, map[string]string{"number": "+12015550100"}), false, "policy-violation", "payment required: The first month costs 5.99 USD"},
		{"remove", nil, true, "feature-not-implemented", "Cancel command"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			_, e := f.sg.RegisterIQ(ctx, who, true, tt.forms, tt.remove)
			if e == nil || string(e.Condition) != tt.cond || !strings.Contains(e.Text["en"], tt.text) {
				t.Fatalf("got %+v, want %s with %q", e, tt.cond, tt.text)
			}
		})
	}
	// The unpaid answer carried a payment link; once paid, set buys.
	f.pay.pay(t, "https://pay.example.org/0?account=alice@example.org", alice)
	if res, e := f.sg.RegisterIQ(ctx, who, true, submitted(t, map[string]string{"number": "+12015550100"}), false); e != nil || res != nil {
		t.Fatalf("set: %v %v", res, e)
	}
	if b, ok := f.binding(t, alice); !ok || b.Number != "+12015550100" {
		t.Fatalf("binding %+v", b)
	}
	if _, e := f.sg.RegisterIQ(ctx, who, true, submitted(t, map[string]string{"number": "+12015550101"}), false); e == nil || e.Condition != "conflict" {
		t.Fatalf("second set: %v", e)
	}
	res, _ = f.sg.RegisterIQ(ctx, who, false, nil, false)
	if out, _ := xml.Marshal(res); !strings.Contains(string(out), "<registered></registered>") {
		t.Fatalf("get when registered: %s", out)
	}
	// Bob, once paid, asks for alice's number: it is gone.
	if _, e := f.sg.RegisterIQ(ctx, jid.MustParse(bob), true, submitted(t, map[string]string{"number": "+12015550100"}), false); e == nil || !strings.Contains(e.Text["en"], "https://pay.example.org/1?account=bob@example.org") {
		t.Fatalf("bob unpaid: %v", e)
	}
	f.pay.pay(t, "https://pay.example.org/1?account=bob@example.org", bob)
	if _, e := f.sg.RegisterIQ(ctx, jid.MustParse(bob), true, submitted(t, map[string]string{"number": "+12015550100"}), false); e == nil || e.Condition != "conflict" || !strings.Contains(e.Text["en"], "just taken") {
		t.Fatalf("bob: %v", e)
	}
}

// TestSignupTwilio: search and purchase through Twilio's API, at Prism
// serving Twilio's own definition.
func TestSignupTwilio(t *testing.T) {
	prism := carriertest.StartTwilioPrism(t)
	tw, err := twilio.New(twilio.Settings{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef",
		APIURL: prism.URL, PublicURL: "https://gw.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, setup{options: func(o *Options) { o.Numbers, o.Carrier = tw, "twilio" }})
	_, sid := f.must(t, alice, "", "execute", nil)
	// Prism answers with the definition's examples: one number to pick,
	// and a purchase of another (+18089255327) with sid PNaaa….
	f.must(t, alice, sid, "next", map[string]string{"area_code": "808"}, `<option label="+18089251571 (Hilo, HI)"><value>+18089251571</value>`)
	f.must(t, alice, sid, "next", map[string]string{"number": "+18089251571"}, "Take +18089251571?")
	f.must(t, alice, sid, "complete", nil, `status="completed"`, "<value>+18089255327</value>")
	b, ok := f.binding(t, alice)
	if !ok || b.Carrier != "twilio" || b.CarrierID != "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
		t.Fatalf("binding %+v", b)
	}
}
