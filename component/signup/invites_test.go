package signup

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

var codeRE = regexp.MustCompile(`[A-Z2-9]{5}-[A-Z2-9]{5}`)

// issue runs the admins' command and returns the codes.
func (f *fixture) issue(t *testing.T, fields map[string]string) []string {
	t.Helper()
	_, sid, e := f.run(t, root, NodeInvites, "", "execute", nil)
	if e != nil {
		t.Fatal(e)
	}
	out, _, e := f.run(t, root, NodeInvites, sid, "complete", fields)
	if e != nil {
		t.Fatal(e)
	}
	return codeRE.FindAllString(out, -1)
}

// TestInviteOnly: the code comes first; a code admits as many JIDs as it
// has uses, each once, and its bonus is credited once per JID.
func TestInviteOnly(t *testing.T) {
	f := newFixture(t, setup{billing: true, inviteOnly: true})
	ctx := context.Background()
	codes := f.issue(t, map[string]string{"count": "1", "uses": "1", "bonus": "7.50", "days": "30"})
	if len(codes) != 1 {
		t.Fatalf("codes %v", codes)
	}
	code := codes[0]
	_, sid := f.must(t, alice, "", "execute", nil, `var="code"`, "by invitation")
	if _, _, e := f.run(t, alice, NodeRegister, sid, "next", map[string]string{"code": "WRONG-CODE"}); e == nil || e.Field != "code" {
		t.Fatalf("a wrong code: %v", e)
	}
	if _, _, e := f.run(t, alice, NodeRegister, sid, "next", map[string]string{"code": strings.Repeat("A", 3000)}); e == nil || e.Field != "code" {
		t.Fatalf("a huge code: %v", e)
	}
	f.must(t, alice, sid, "next", map[string]string{"code": strings.ToLower(code)}, "Invite code accepted.", `var="area_code"`)
	// Redeeming again (back, then the same code) uses nothing more and
	// credits nothing more.
	_, sid2 := f.must(t, alice, "", "execute", nil)
	f.must(t, alice, sid2, "next", map[string]string{"code": code}, "Invite code accepted.")
	a, err := f.ledger.Account(ctx, alice)
	if err != nil || a.Balance.Amount != 750 {
		t.Fatalf("bonus: %+v %v", a, err)
	}
	// Its one use is gone for anyone else.
	_, sid = f.must(t, bob, "", "execute", nil)
	if _, _, e := f.run(t, bob, NodeRegister, sid, "next", map[string]string{"code": code}); e == nil || e.Field != "code" || !strings.Contains(e.Text, "used up") {
		t.Fatalf("reuse beyond its uses: %v", e)
	}
	// A multi-use code admits several.
	multi := f.issue(t, map[string]string{"count": "2", "uses": "2"})
	if len(multi) != 2 || multi[0] == multi[1] {
		t.Fatalf("codes %v", multi)
	}
	for _, who := range []string{bob, "carol@example.org"} {
		_, sid := f.must(t, who, "", "execute", nil)
		f.must(t, who, sid, "next", map[string]string{"code": multi[0]}, "Invite code accepted.")
	}
	_, sid = f.must(t, "dave@example.org", "", "execute", nil)
	if _, _, e := f.run(t, "dave@example.org", NodeRegister, sid, "next", map[string]string{"code": multi[0]}); e == nil {
		t.Fatal("a third JID used a two-use code")
	}
	invs, err := f.st.Invites(ctx)
	if err != nil || len(invs) != 3 || invs[0].Left != 0 || invs[0].Bonus != 750 || invs[0].Expires.IsZero() {
		t.Fatalf("invites %+v %v", invs, err)
	}
}

// TestInviteCodesAdminOnly: only admins issue codes, and the command
// refuses bad counts.
func TestInviteCodesAdminOnly(t *testing.T) {
	f := newFixture(t, setup{})
	if _, _, e := f.run(t, alice, NodeInvites, "", "execute", nil); e == nil || e.Condition != "forbidden" {
		t.Fatalf("a user ran invite-codes: %v", e)
	}
	if got, _ := f.srv.Chat(context.Background(), jid.MustParse(alice), NodeInvites); !strings.Contains(got, "You may not run") {
		t.Fatalf("chat: %q", got)
	}
	for _, bad := range []map[string]string{{"count": "0"}, {"count": "101"}, {"uses": "-1"}, {"days": "x"}, {"count": "1e3"}} {
		_, sid, _ := f.run(t, root, NodeInvites, "", "execute", nil)
		if _, _, e := f.run(t, root, NodeInvites, sid, "complete", bad); e == nil || e.Condition != "bad-request" {
			t.Errorf("%v: %v", bad, e)
		}
	}
}
