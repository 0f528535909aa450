package app

import (
	"regexp"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestAccountMoveAndInvites drives from real client sessions the commands
// the other end-to-end tests leave out: an admin issues an invite code with
// a bonus, a newcomer signs up with it (a wrong code and a second use are
// refused), a user moves her number, balance and settings to another
// Jabber ID (a stranger cannot accept, a wrong code moves nothing), and an
// admin suspends and resumes the account.
func TestAccountMoveAndInvites(t *testing.T) {
	e := billedEnv(t, billing.Config{Enabled: true, Rates: []billing.RateConfig{{Prefix: "+1", SMS: "0.01"}}},
		envOptions{env: []string{"SWITCHBOARD_COMPONENT_ADMINS=root@localhost"}})
	e.cfg.Signup.Enabled = true
	e.cfg.Signup.InviteOnly = true
	if err := e.cfg.Signup.Check(); err != nil {
		t.Fatal(err)
	}
	e.launch(t, nil)
	gw, domain := e.prosody.ComponentDomain, e.prosody.Domain
	ctx := ctxT(t)
	root := e.user(t, "root", "", "")
	alice := e.user(t, "alice", "+12015550100", "sandbox")
	e.credit(t, "alice@"+domain, "alice-start", 300)

	var code string
	t.Run("invite codes", func(t *testing.T) {
		if _, r := runCommand(t, alice, gw, "invite-codes", "", "execute", ""); r.Type != "error" || !strings.Contains(r.Raw, "forbidden") {
			t.Fatalf("a user issued invite codes: %s", r.Raw)
		}
		a, _ := runCommand(t, root, gw, "invite-codes", "", "execute", "")
		a, raw := runCommand(t, root, gw, "invite-codes", a.Command.SessionID, "complete", submit(map[string]string{"count": "1", "uses": "1", "bonus": "2.00"}))
		code, _ = a.value("codes")
		if a.Command.Status != "completed" || code == "" {
			t.Fatalf("invite-codes: %s", raw.Raw)
		}

		erin := e.user(t, "erin", "", "")
		a, raw = runCommand(t, erin, gw, "jabber:iq:register", "", "execute", "")
		if _, ok := a.value("code"); !ok {
			t.Fatalf("sign-up asks no invite code: %s", raw.Raw)
		}
		sid := a.Command.SessionID
		if _, r := runCommand(t, erin, gw, "jabber:iq:register", sid, "next", submit(map[string]string{"code": "not-a-code"})); r.Type != "error" {
			t.Fatalf("a wrong invite code passed: %s", r.Raw)
		}
		a, raw = runCommand(t, erin, gw, "jabber:iq:register", sid, "next", submit(map[string]string{"code": code}))
		if _, ok := a.value("area_code"); !ok {
			t.Fatalf("after the code: %s", raw.Raw)
		}
		a, _ = runCommand(t, erin, gw, "jabber:iq:register", sid, "next", submit(map[string]string{"area_code": "201"}))
		a, raw = runCommand(t, erin, gw, "jabber:iq:register", sid, "next", submit(map[string]string{"number": "+12015550101"}))
		if a.Command.Actions.Complete == nil {
			t.Fatalf("no confirmation: %s", raw.Raw)
		}
		a, raw = runCommand(t, erin, gw, "jabber:iq:register", sid, "complete", "")
		if tel, _ := a.value("tel"); tel != "+12015550101" {
			t.Fatalf("sign-up with the code: %s", raw.Raw)
		}
		if acct, err := e.gw.ledger.Account(ctx, "erin@"+domain); err != nil || acct.Balance.String() != "2.00 USD" {
			t.Fatalf("erin's bonus: %+v %v", acct, err)
		}

		frank := e.user(t, "frank", "", "")
		a, _ = runCommand(t, frank, gw, "jabber:iq:register", "", "execute", "")
		if _, r := runCommand(t, frank, gw, "jabber:iq:register", a.Command.SessionID, "next", submit(map[string]string{"code": code})); r.Type != "error" {
			t.Fatalf("a single-use code was used twice: %s", r.Raw)
		}
	})

	dave := e.user(t, "dave", "", "")
	t.Run("change jid", func(t *testing.T) {
		carol := e.user(t, "carol", "", "")
		a, _ := runCommand(t, alice, gw, "change-jid", "", "execute", "")
		a, raw := runCommand(t, alice, gw, "change-jid", a.Command.SessionID, "complete", submit(map[string]string{"jid": "dave@" + domain}))
		if a.Command.Status != "completed" {
			t.Fatalf("change-jid: %s", raw.Raw)
		}
		m, err := dave.Expect(ctx, func(s testenv.Stanza) bool {
			return s.Name == "message" && s.From == gw && strings.Contains(s.Body(), "give the code")
		})
		if err != nil {
			t.Fatal(err)
		}
		code := regexp.MustCompile(`code (\d{6})`).FindStringSubmatch(m.Body())
		if code == nil {
			t.Fatalf("no code in %q", m.Body())
		}
		if a, _ := runCommand(t, carol, gw, "accept-jid", "", "execute", ""); !strings.Contains(a.text(), "No change of Jabber ID waits for you") {
			t.Fatalf("a stranger could accept: %+v", a)
		}
		a, _ = runCommand(t, dave, gw, "accept-jid", "", "execute", "")
		sid := a.Command.SessionID
		wrong := "000000"
		if code[1] == wrong {
			wrong = "111111"
		}
		if _, r := runCommand(t, dave, gw, "accept-jid", sid, "complete", submit(map[string]string{"code": wrong})); r.Type != "error" {
			t.Fatalf("a wrong code was taken: %s", r.Raw)
		}
		if bs, _ := e.store.Numbers(ctx, "alice@"+domain); len(bs) != 1 {
			t.Fatal("a wrong code moved the number")
		}
		a, raw = runCommand(t, dave, gw, "accept-jid", sid, "complete", submit(map[string]string{"code": code[1]}))
		if a.Command.Status != "completed" {
			t.Fatalf("accept-jid: %s", raw.Raw)
		}
		if from := e.textsFrom(t, dave, "mv1"); from != "+12015550100" {
			t.Fatalf("dave texts from %q", from)
		}
		if err := alice.Send(ctx, `<message type="chat" id="mv2" to="`+e.numberJID("+12015550123")+`"><body>mine?</body></message>`); err != nil {
			t.Fatal(err)
		}
		if r, err := alice.Expect(ctx, errorFor("mv2")); err != nil || !strings.Contains(r.Raw, "registration-required") {
			t.Fatalf("alice after the move: %v %s", err, r.Raw)
		}
		if acct, err := e.gw.ledger.Account(ctx, "dave@"+domain); err != nil || acct.Balance.String() != "2.99 USD" {
			t.Fatalf("dave's account after the move: %+v %v", acct, err)
		}
		if _, err := e.gw.ledger.Account(ctx, "alice@"+domain); err == nil {
			t.Fatal("alice's account is still there")
		}
	})

	t.Run("suspend and resume", func(t *testing.T) {
		for _, step := range []struct{ node, reason string }{{"suspend", "unpaid invoice"}, {"resume", ""}} {
			a, _ := runCommand(t, root, gw, step.node, "", "execute", "")
			fields := map[string]string{"jid": "dave@" + domain}
			if step.reason != "" {
				fields["reason"] = step.reason
			}
			if a, raw := runCommand(t, root, gw, step.node, a.Command.SessionID, "complete", submit(fields)); a.Command.Status != "completed" {
				t.Fatalf("%s: %s", step.node, raw.Raw)
			}
			if step.node == "suspend" {
				if err := dave.Send(ctx, `<message type="chat" id="mv3" to="`+e.numberJID("+12015550123")+`"><body>now?</body></message>`); err != nil {
					t.Fatal(err)
				}
				if r, err := dave.Expect(ctx, errorFor("mv3")); err != nil || !strings.Contains(r.Raw, "suspended") {
					t.Fatalf("suspended dave's text: %v %s", err, r.Raw)
				}
			}
		}
		if from := e.textsFrom(t, dave, "mv4"); from != "+12015550100" {
			t.Fatalf("resumed dave texts from %q", from)
		}
	})
}
