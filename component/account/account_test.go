package account

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// TestOffered: without billing only the commands that make sense are
// offered; admins see theirs only with billing.
func TestOffered(t *testing.T) {
	for _, tt := range []struct {
		name    string
		billing bool
		who     string
		want    []string
	}{
		{"off, user", false, alice, []string{NodeChange, NodeAccept, NodeCancel}},
		{"off, admin", false, root, []string{NodeChange, NodeAccept, NodeCancel}},
		{"off, stranger", false, mallory, []string{NodeAccept}},
		{"on, user", true, alice, []string{NodeBalance, NodeUsage, NodeTopUp, NodeChange, NodeAccept, NodeCancel}},
		{"on, admin", true, root, []string{NodeBalance, NodeUsage, NodeTopUp, NodeChange, NodeAccept, NodeCancel, NodeCredit, NodeSuspend, NodeResume}},
		{"on, stranger", true, mallory, []string{NodeAccept}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t, setupOptions{billing: tt.billing})
			cs, err := f.srv.Visible(context.Background(), jid.MustParse(tt.who))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.Node)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("offered %v, want %v", got, tt.want)
			}
			if !tt.billing {
				if _, _, e := f.run(t, alice, NodeBalance, "", "", nil); e == nil || e.Condition != "item-not-found" {
					t.Fatalf("balance without billing: %v", e)
				}
			}
		})
	}
}

// TestBalanceUsageTopUp: balance and usage as a command UI and as chat
// text; a top-up's link pays through the sandbox, and shows in usage.
func TestBalanceUsageTopUp(t *testing.T) {
	f := setup(t, setupOptions{billing: true, plan: "basic"})
	out, _, e := f.run(t, alice+"/r", NodeBalance, "", "", nil)
	if e != nil {
		t.Fatal(e)
	}
	for _, w := range []string{`status="completed"`, "<value>6.00 USD</value>", "<value>basic</value>", "<value>allowed</value>"} {
		if !strings.Contains(out, w) {
			t.Errorf("balance lacks %s: %s", w, out)
		}
	}
	if got := f.chat(t, alice, "balance"); !strings.Contains(got, "6.00 USD") || !strings.Contains(got, "basic") {
		t.Errorf("chat balance: %s", got)
	}

	// Hostile top-up answers.
	for _, tt := range []struct {
		name   string
		fields []field
	}{
		{"not offered", []field{{"amount", "7.00"}}},
		{"negative", []field{{"amount", "-5.00"}}},
		{"huge", []field{{"amount", "99999999999999999999"}}},
		{"empty", []field{{"amount", ""}}},
		{"duplicated", []field{{"amount", "5.00"}, {"amount", "10.00"}}},
		{"unknown field", []field{{"amount", "5.00"}, {"credit", "100.00"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if out, e := f.twoStep(t, alice, NodeTopUp, tt.fields); e == nil {
				t.Fatalf("accepted: %s", out)
			}
		})
	}
	out, e = f.twoStep(t, alice+"/r", NodeTopUp, []field{{"amount", "10.00"}})
	if e != nil {
		t.Fatal(e)
	}
	i := strings.Index(out, "http://gw.example.org/sandbox/pay/")
	if i < 0 || !strings.Contains(out, `xmlns="jabber:x:oob"`) {
		t.Fatalf("top-up has no payment link: %s", out)
	}
	u := out[i:]
	u = u[:strings.IndexByte(u, '<')]
	hs := httptest.NewServer(f.pay.Handler())
	defer hs.Close()
	for range 2 { // the second is a replay
		res, err := hs.Client().Post(hs.URL+strings.TrimPrefix(u, "http://gw.example.org"), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	if b := f.balance(t, alice); b != "16.00 USD" {
		t.Fatalf("balance %s after a 10.00 top-up, want 16.00 USD", b)
	}

	out, _, e = f.run(t, alice+"/r", NodeUsage, "", "", nil)
	if e != nil {
		t.Fatal(e)
	}
	if strings.Count(out, "<item>") != 3 || !strings.Contains(out, "top-up") || !strings.Contains(out, "plan basic until") || !strings.Contains(out, "-4.00") {
		t.Errorf("usage: %s", out)
	}
	if got := f.chat(t, alice, "usage"); !strings.Contains(got, "top-up") || !strings.Contains(got, "10.00") {
		t.Errorf("chat usage: %s", got)
	}
	if got := f.chat(t, alice, "top up"); !strings.Contains(got, "1. 5.00 USD") {
		t.Errorf("chat top-up: %s", got)
	}
	if got := f.chat(t, alice, "2"); !strings.Contains(got, "/sandbox/pay/") {
		t.Errorf("chat top-up link: %s", got)
	}
}

// TestAdminCredit: only admins credit; hostile forms are refused with the
// field at fault; a credit is told to the user.
func TestAdminCredit(t *testing.T) {
	f := setup(t, setupOptions{billing: true})
	if _, _, e := f.run(t, alice, NodeCredit, "", "", nil); e == nil || e.Condition != "forbidden" {
		t.Fatalf("a user ran credit: %v", e)
	}
	if _, _, e := f.run(t, mallory, NodeSuspend, "", "", nil); e == nil || e.Condition != "forbidden" {
		t.Fatalf("a stranger ran suspend: %v", e)
	}
	for _, tt := range []struct {
		name   string
		fields []field
		bad    string // the field refused; "" for a malformed form
	}{
		{"zero", []field{{"jid", alice}, {"amount", "0.00"}, {"reason", "x"}}, "amount"},
		{"huge", []field{{"jid", alice}, {"amount", "1000000.01"}, {"reason", "x"}}, "amount"},
		{"huge debit", []field{{"jid", alice}, {"amount", "-99999999999.00"}, {"reason", "x"}}, "amount"},
		{"too precise", []field{{"jid", alice}, {"amount", "1.001"}, {"reason", "x"}}, "amount"},
		{"float", []field{{"jid", alice}, {"amount", "1e3"}, {"reason", "x"}}, "amount"},
		{"words", []field{{"jid", alice}, {"amount", "five"}, {"reason", "x"}}, "amount"},
		{"no account", []field{{"jid", mallory}, {"amount", "1.00"}, {"reason", "x"}}, "jid"},
		{"a domain", []field{{"jid", "example.org"}, {"amount", "1.00"}, {"reason", "x"}}, "jid"},
		{"empty reason", []field{{"jid", alice}, {"amount", "1.00"}, {"reason", "  "}}, "reason"},
		{"long reason", []field{{"jid", alice}, {"amount", "1.00"}, {"reason", strings.Repeat("x", 201)}}, "reason"},
		{"missing amount", []field{{"jid", alice}, {"reason", "x"}}, "amount"},
		{"duplicated amount", []field{{"jid", alice}, {"amount", "1.00"}, {"amount", "100.00"}, {"reason", "x"}}, ""},
		{"bad jid", []field{{"jid", "a@b@c"}, {"amount", "1.00"}, {"reason", "x"}}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, e := f.twoStep(t, root, NodeCredit, tt.fields)
			if e == nil {
				t.Fatalf("accepted: %s", out)
			}
			if tt.bad != "" && e.Field != tt.bad {
				t.Fatalf("refused %q (%v), want %q", e.Field, e, tt.bad)
			}
		})
	}
	if b := f.balance(t, alice); b != "10.00 USD" {
		t.Fatalf("refused credits changed the balance: %s", b)
	}
	out, e := f.twoStep(t, root+"/r", NodeCredit, []field{{"jid", alice}, {"amount", "-2.50"}, {"reason", "refund of a refund"}})
	if e != nil || !strings.Contains(out, "Debited 2.50 USD") {
		t.Fatalf("debit: %v %s", e, out)
	}
	_, sid, e := f.run(t, root+"/r", NodeCredit, "", "", nil)
	if e != nil {
		t.Fatal(e)
	}
	goodwill := []field{{"jid", alice + "/phone"}, {"amount", "5.00"}, {"reason", "goodwill"}}
	out, _, e = f.run(t, root+"/r", NodeCredit, sid, "complete", goodwill)
	if e != nil || !strings.Contains(out, "Credited 5.00 USD to alice@example.org") || !strings.Contains(out, "12.50 USD") {
		t.Fatalf("credit: %v %s", e, out)
	}
	// The same request again (a client's retry) credits nothing more.
	if _, _, e := f.run(t, root+"/r", NodeCredit, sid, "complete", goodwill); e == nil {
		t.Fatal("a completed credit was answered again")
	}
	if msgs := f.told.to(alice); len(msgs) != 2 || !strings.Contains(msgs[1], "goodwill") {
		t.Errorf("alice was told %q", msgs)
	}
	ps, err := f.ledger.Usage(context.Background(), alice, 5)
	if err != nil || len(ps) != 3 || ps[0].Description() != "credit: goodwill" || ps[1].Description() != "debit: refund of a refund" {
		t.Fatalf("postings %+v %v", ps, err)
	}
	// As chat text.
	if got := f.chat(t, root, "credit"); !strings.Contains(got, "Account") {
		t.Fatalf("chat credit: %s", got)
	}
	for _, a := range []string{alice, "1.00", "chat"} {
		f.chat(t, root, a)
	}
	if b := f.balance(t, alice); b != "13.50 USD" {
		t.Fatalf("chat credit: balance %s", b)
	}
}

// TestSuspendResume: a suspended account may not send (the ledger refuses
// with a readable reason) until resumed.
func TestSuspendResume(t *testing.T) {
	f := setup(t, setupOptions{billing: true})
	ctx := context.Background()
	if _, e := f.twoStep(t, root, NodeSuspend, []field{{"jid", alice}, {"reason", ""}}); e == nil || e.Field != "reason" {
		t.Fatalf("suspend without a reason: %v", e)
	}
	if out, e := f.twoStep(t, root, NodeSuspend, []field{{"jid", alice}, {"reason", "unpaid invoice"}}); e != nil || !strings.Contains(out, "is suspended") {
		t.Fatalf("suspend: %v %s", e, out)
	}
	ev := billing.Event{Account: alice, ID: "s1", Kind: billing.SMS, Remote: "+12015550123", Quantity: 1}
	d, err := f.ledger.Reserve(ctx, ev)
	if err != nil || d.Allowed || d.Reason != billing.Suspended || !strings.Contains(d.Text(), "suspended") {
		t.Fatalf("a suspended account's send: %+v %v", d, err)
	}
	if out, _, _ := f.run(t, alice, NodeBalance, "", "", nil); !strings.Contains(out, "suspended by the operator") {
		t.Errorf("balance does not say suspended: %s", out)
	}
	if msgs := f.told.to(alice); len(msgs) != 1 || !strings.Contains(msgs[0], "unpaid invoice") {
		t.Errorf("alice was told %q", msgs)
	}
	if out, e := f.twoStep(t, root, NodeResume, []field{{"jid", alice}}); e != nil || !strings.Contains(out, "is resumed") {
		t.Fatalf("resume: %v %s", e, out)
	}
	if a, _ := f.ledger.Account(ctx, alice); a.State != billing.Active {
		t.Fatalf("after resume %+v", a)
	}
	if out, e := f.twoStep(t, root, NodeResume, []field{{"jid", alice}}); e != nil || !strings.Contains(out, "not suspended") {
		t.Fatalf("resume again: %v %s", e, out)
	}
}

// TestChangeJID: numbers, balance, postings and settings move only once
// both JIDs confirmed; strangers and wrong codes move nothing.
func TestChangeJID(t *testing.T) {
	f := setup(t, setupOptions{billing: true})
	ctx := context.Background()
	if err := f.st.SetSettings(ctx, alice, store.UserSettings{LowBalance: "300"}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Assign(ctx, store.Binding{Number: "+12015550177", JID: "carol@example.org", Carrier: "sandbox"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ledger.Open(ctx, "dave@example.org", ""); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, to string }{
		{"itself", alice + "/other"},
		{"holds a number", "carol@example.org"},
		{"has an account", "dave@example.org"},
		{"the gateway", "+12015550100@" + domain},
		{"a domain", "example.org"},
		{"empty", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if out, e := f.twoStep(t, alice, NodeChange, []field{{"jid", tt.to}}); e == nil {
				t.Fatalf("accepted: %s", out)
			}
		})
	}
	// A stranger cannot start one: they hold no number.
	if _, _, e := f.run(t, mallory, NodeChange, "", "", nil); e == nil || e.Condition != "forbidden" {
		t.Fatalf("a stranger ran change-jid: %v", e)
	}
	out, e := f.twoStep(t, alice+"/r", NodeChange, []field{{"jid", bob}})
	if e != nil || !strings.Contains(out, "A code went to "+bob) {
		t.Fatalf("change: %v %s", e, out)
	}
	msgs := f.told.to(bob)
	if len(msgs) != 1 || !strings.Contains(msgs[0], aliceNo) {
		t.Fatalf("bob was told %q", msgs)
	}
	i := strings.Index(msgs[0], "the code ")
	code := msgs[0][i+len("the code ") : i+len("the code ")+6]

	// Mallory tries to take it: nothing waits for her, whatever she says.
	if out, _, e := f.run(t, mallory, NodeAccept, "", "", nil); e != nil || !strings.Contains(out, "No change of Jabber ID waits for you") {
		t.Fatalf("mallory's accept: %v %s", e, out)
	}
	if got := f.chat(t, mallory, "accept"); !strings.Contains(got, "No change") {
		t.Fatalf("mallory's chat accept: %s", got)
	}
	// Bob with the wrong code, then a missing one.
	if _, e := f.twoStep(t, bob, NodeAccept, []field{{"code", "000000x"}}); e == nil || e.Field != "code" {
		t.Fatalf("wrong code: %v", e)
	}
	if _, e := f.twoStep(t, bob, NodeAccept, []field{}); e == nil {
		t.Fatal("missing code accepted")
	}
	if bs, _ := f.st.Numbers(ctx, alice); len(bs) != 1 {
		t.Fatal("the number moved before the new JID accepted")
	}
	// Bob accepts as chat text.
	if got := f.chat(t, bob, "accept"); !strings.Contains(got, alice+" asks") {
		t.Fatalf("chat accept: %s", got)
	}
	if got := f.chat(t, bob, code); !strings.Contains(got, "Done: "+aliceNo+" is yours now") {
		t.Fatalf("chat code: %s", got)
	}
	if bs, _ := f.st.Numbers(ctx, bob); len(bs) != 1 || bs[0].Number != aliceNo {
		t.Fatalf("bob holds %+v", bs)
	}
	if bs, _ := f.st.Numbers(ctx, alice); len(bs) != 0 {
		t.Fatalf("alice still holds %+v", bs)
	}
	if b := f.balance(t, bob); b != "10.00 USD" {
		t.Fatalf("bob's balance %s", b)
	}
	if u, _ := f.st.Settings(ctx, bob); u.LowBalance != "300" {
		t.Fatalf("bob's settings %+v", u)
	}
	if _, err := f.ledger.Account(ctx, alice); !errors.Is(err, billing.ErrAccount) {
		t.Fatalf("alice's account is still there: %v", err)
	}
	if ps, _ := f.ledger.Usage(ctx, bob, 5); len(ps) != 1 {
		t.Fatalf("postings did not move: %+v", ps)
	}
	if msgs := f.told.to(alice); len(msgs) != 1 || !strings.Contains(msgs[0], "now belongs to "+bob) {
		t.Fatalf("alice was told %q", msgs)
	}
	// Used once.
	if out, _, _ := f.run(t, bob, NodeAccept, "", "", nil); !strings.Contains(out, "No change") {
		t.Fatalf("accept again: %s", out)
	}

	t.Run("at most three an hour", func(t *testing.T) {
		for i, want := range []bool{true, true, true, false} {
			_, e := f.twoStep(t, bob, NodeChange, []field{{"jid", "frank@example.org"}})
			if (e == nil) != want {
				t.Fatalf("change %d: %v", i+1, e)
			}
		}
		if n := len(f.told.to("frank@example.org")); n != 3 {
			t.Fatalf("frank was told %d times", n)
		}
	})
	t.Run("expired", func(t *testing.T) {
		if err := f.st.Assign(ctx, store.Binding{Number: "+12015550188", JID: "erin2@example.org", Carrier: "sandbox"}); err != nil {
			t.Fatal(err)
		}
		if out, e := f.twoStep(t, "erin2@example.org", NodeChange, []field{{"jid", "erin@example.org"}}); e != nil {
			t.Fatalf("change: %v %s", e, out)
		}
		f.clk.Add(2 * time.Hour)
		if out, _, _ := f.run(t, "erin@example.org", NodeAccept, "", "", nil); !strings.Contains(out, "expired") {
			t.Fatalf("an expired change: %s", out)
		}
	})
}

// TestCancel: both policies, a no, and the chat text's yes/no.
func TestCancel(t *testing.T) {
	ctx := context.Background()
	t.Run("no", func(t *testing.T) {
		f := setup(t, setupOptions{})
		out, e := f.twoStep(t, alice, NodeCancel, []field{{"confirm", "false"}})
		if e != nil || !strings.Contains(out, "Nothing changed") {
			t.Fatalf("%v %s", e, out)
		}
		if bs, _ := f.st.Numbers(ctx, alice); len(bs) != 1 {
			t.Fatal("released after a no")
		}
		if _, e := f.twoStep(t, alice, NodeCancel, []field{{"confirm", "maybe"}}); e == nil {
			t.Fatal("a boolean of maybe was accepted")
		}
	})
	t.Run("immediate without billing, by chat", func(t *testing.T) {
		f := setup(t, setupOptions{})
		if got := f.chat(t, alice, "cancel my number"); !strings.Contains(got, "yes or no") || !strings.Contains(got, aliceNo) {
			t.Fatalf("chat: %s", got)
		}
		if got := f.chat(t, alice, "yes"); !strings.Contains(got, "is released") {
			t.Fatalf("chat yes: %s", got)
		}
		if bs, _ := f.st.Numbers(ctx, alice); len(bs) != 0 {
			t.Fatalf("still holds %+v", bs)
		}
		if got := f.rel.got(); !slices.Equal(got, []string{"PN1"}) {
			t.Fatalf("carrier released %v", got)
		}
	})
	t.Run("immediate with a plan", func(t *testing.T) {
		f := setup(t, setupOptions{billing: true, plan: "basic", cancel: billing.CancelImmediate})
		if out, e := f.twoStep(t, alice, NodeCancel, []field{{"confirm", "true"}}); e != nil || !strings.Contains(out, "is released") {
			t.Fatalf("%v %s", e, out)
		}
		a, _ := f.ledger.Account(ctx, alice)
		if a.Plan != "" || a.Balance.String() != "6.00 USD" {
			t.Fatalf("account after cancel %+v", a)
		}
	})
	t.Run("period end", func(t *testing.T) {
		f := setup(t, setupOptions{billing: true, plan: "basic", cancel: billing.CancelPeriodEnd})
		if err := f.st.StageGreeting(ctx, alice, []int16{1, 2}, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := f.st.SaveGreeting(ctx, alice); err != nil {
			t.Fatal(err)
		}
		out, e := f.twoStep(t, alice, NodeCancel, []field{{"confirm", "true"}})
		if e != nil || !strings.Contains(out, "stays yours until") {
			t.Fatalf("%v %s", e, out)
		}
		if bs, _ := f.st.Numbers(ctx, alice); len(bs) != 1 {
			t.Fatal("released before the period end")
		}
		if _, err := f.st.Greeting(ctx, alice); err != nil {
			t.Fatalf("the voicemail greeting went before the period end: %v", err)
		}
		if out, _, _ := f.run(t, alice, NodeCancel, "", "", nil); !strings.Contains(out, "already cancelled") {
			t.Fatalf("cancel again: %s", out)
		}
		// The renewal schedule, a month on: Closing instead of a charge.
		f.clk.Add(32 * 24 * time.Hour)
		rs, err := f.ledger.RenewDue(ctx, 10)
		if err != nil || len(rs) != 1 || !rs[0].Closing {
			t.Fatalf("RenewDue %+v %v", rs, err)
		}
		nums, err := f.acc.Close(ctx, rs[0].Account.ID)
		if err != nil || !slices.Equal(nums, []string{aliceNo}) {
			t.Fatalf("Close = %v %v", nums, err)
		}
		if bs, _ := f.st.Numbers(ctx, alice); len(bs) != 0 {
			t.Fatal("not released at the period end")
		}
		if _, err := f.st.Greeting(ctx, alice); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the voicemail greeting outlives the account: %v", err)
		}
		a, _ := f.ledger.Account(ctx, alice)
		if a.Plan != "" || a.Balance.String() != "6.00 USD" || a.CancelAtEnd {
			t.Fatalf("account after close %+v", a)
		}
		if rs, _ := f.ledger.RenewDue(ctx, 10); len(rs) != 0 {
			t.Fatalf("still due %+v", rs)
		}
	})
	t.Run("a number assigned by hand is only unbound", func(t *testing.T) {
		f := setup(t, setupOptions{})
		if err := f.st.Assign(ctx, store.Binding{Number: "+12015550111", JID: alice, Carrier: "twilio"}); err != nil {
			t.Fatal(err)
		}
		if out, e := f.twoStep(t, alice, NodeCancel, []field{{"confirm", "true"}}); e != nil || !strings.Contains(out, "+12015550111") {
			t.Fatalf("%v %s", e, out)
		}
		if got := f.rel.got(); !slices.Equal(got, []string{"PN1"}) {
			t.Fatalf("carrier released %v", got)
		}
	})
}

// TestSandboxPaymentPage: what the top-up link opens.
func TestSandboxPaymentPage(t *testing.T) {
	f := setup(t, setupOptions{billing: true})
	u, err := f.pay.TopUp(context.Background(), alice, billing.Money{Amount: 500, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(f.pay.Handler())
	defer hs.Close()
	res, err := hs.Client().Get(hs.URL + strings.TrimPrefix(u, "http://gw.example.org"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "5.00 USD") || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
}
