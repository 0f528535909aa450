package app

import (
	"encoding/xml"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// cmdAnswer is an XEP-0050 answer as a client reads it.
type cmdAnswer struct {
	Type    string `xml:"type,attr"`
	Command struct {
		Node      string `xml:"node,attr"`
		SessionID string `xml:"sessionid,attr"`
		Status    string `xml:"status,attr"`
		Actions   struct {
			Execute  string    `xml:"execute,attr"`
			Prev     *struct{} `xml:"prev"`
			Next     *struct{} `xml:"next"`
			Complete *struct{} `xml:"complete"`
		} `xml:"actions"`
		Notes []string `xml:"note"`
		Form  struct {
			Type         string   `xml:"type,attr"`
			Title        string   `xml:"title"`
			Instructions []string `xml:"instructions"`
			Fields       []struct {
				Var    string   `xml:"var,attr"`
				Type   string   `xml:"type,attr"`
				Values []string `xml:"value"`
			} `xml:"field"`
			Items []struct{} `xml:"item"`
		} `xml:"jabber:x:data x"`
	} `xml:"http://jabber.org/protocol/commands command"`
}

// text is what the answer says: its notes (a completed command) or its
// form's instructions (a step under way).
func (a cmdAnswer) text() string {
	return strings.Join(append(append([]string(nil), a.Command.Notes...), a.Command.Form.Instructions...), " ")
}

func (a cmdAnswer) value(name string) (string, bool) {
	for _, f := range a.Command.Form.Fields {
		if f.Var == name {
			return strings.Join(f.Values, ","), true
		}
	}
	return "", false
}

var cmdIDs atomic.Int64

// runCommand sends one XEP-0050 request from c to the gateway and returns
// the answer (a result or an error stanza).
func runCommand(t *testing.T, c *testenv.Client, gw, node, sid, action, form string) (cmdAnswer, testenv.Stanza) {
	t.Helper()
	ctx := ctxT(t)
	id := fmt.Sprintf("cmd%d", cmdIDs.Add(1))
	attrs := `node="` + node + `"`
	if sid != "" {
		attrs += ` sessionid="` + sid + `"`
	}
	if action != "" {
		attrs += ` action="` + action + `"`
	}
	if err := c.Send(ctx, `<iq type="set" id="`+id+`" to="`+gw+`"><command xmlns="http://jabber.org/protocol/commands" `+attrs+`>`+form+`</command></iq>`); err != nil {
		t.Fatal(err)
	}
	res, err := c.Expect(ctx, isIQ(id))
	if err != nil {
		t.Fatal(err)
	}
	var a cmdAnswer
	if err := xml.Unmarshal([]byte(res.Raw), &a); err != nil {
		t.Fatalf("%v: %s", err, res.Raw)
	}
	return a, res
}

func submit(fields map[string]string) string {
	var b strings.Builder
	b.WriteString(`<x xmlns="jabber:x:data" type="submit">`)
	for k, v := range fields {
		b.WriteString(`<field var="` + k + `"><value>` + v + `</value></field>`)
	}
	b.WriteString(`</x>`)
	return b.String()
}

// chatTo sends body to the gateway's JID and returns its answer's text.
func chatTo(t *testing.T, c *testenv.Client, gw, body string) string {
	t.Helper()
	ctx := ctxT(t)
	if err := c.Send(ctx, `<message type="chat" to="`+gw+`"><body>`+body+`</body></message>`); err != nil {
		t.Fatal(err)
	}
	m, err := c.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.From == gw && s.Body() != "" })
	if err != nil {
		t.Fatal(err)
	}
	return m.Body()
}

// TestCommands drives the self-service commands from real client
// sessions through a real Prosody, as a command UI and as chat text.
func TestCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prosody and Redis")
	}
	e := startEnv(t, envOptions{env: []string{
		"SWITCHBOARD_COMPONENT_ADMINS=root@localhost",
		"SWITCHBOARD_COMPONENT_COMMAND_EXPIRY=3s",
	}})
	gw := e.prosody.ComponentDomain
	alice := e.user(t, "alice", "+12015550100", "sandbox")
	bob := e.user(t, "bob", "", "")
	root := e.user(t, "root", "", "")
	ctx := ctxT(t)

	t.Run("gateway advertises commands", func(t *testing.T) {
		if err := alice.Send(ctx, `<iq type="get" id="dinfo" to="`+gw+`"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`); err != nil {
			t.Fatal(err)
		}
		res, err := alice.Expect(ctx, isIQ("dinfo"))
		if err != nil || !strings.Contains(res.Raw, `var="http://jabber.org/protocol/commands"`) {
			t.Fatalf("disco#info lacks the commands feature: %v %s", err, res.Raw)
		}
		if err := alice.Send(ctx, `<iq type="get" id="dnode" to="`+gw+`"><query xmlns="http://jabber.org/protocol/disco#info" node="info"/></iq>`); err != nil {
			t.Fatal(err)
		}
		res, err = alice.Expect(ctx, isIQ("dnode"))
		if err != nil || !strings.Contains(res.Raw, `type="command-node"`) || !strings.Contains(res.Raw, `name="My number"`) {
			t.Fatalf("disco#info of the info node: %v %s", err, res.Raw)
		}
	})

	t.Run("list commands", func(t *testing.T) {
		for _, tt := range []struct {
			who       *testenv.Client
			want, not []string
		}{
			// Billing is off: no balance, usage, top-up or admin credit.
			{alice, []string{`node="info"`, `node="settings"`, `node="cancel-number"`, `node="change-jid"`}, []string{`node="list-users"`, `node="balance"`, `node="top-up"`}},
			{bob, []string{`node="info"`}, []string{`node="settings"`, `node="list-users"`}},
			{root, []string{`node="info"`, `node="list-users"`}, []string{`node="credit"`, `node="suspend"`}},
		} {
			id := "items-" + tt.who.JID.Localpart()
			if err := tt.who.Send(ctx, `<iq type="get" id="`+id+`" to="`+gw+`"><query xmlns="http://jabber.org/protocol/disco#items" node="http://jabber.org/protocol/commands"/></iq>`); err != nil {
				t.Fatal(err)
			}
			res, err := tt.who.Expect(ctx, isIQ(id))
			if err != nil || res.Type != "result" {
				t.Fatalf("%s: %v %s", id, err, res.Raw)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Raw, w) || !strings.Contains(res.Raw, `jid="`+gw+`"`) {
					t.Errorf("%s lacks %s: %s", id, w, res.Raw)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(res.Raw, w) {
					t.Errorf("%s lists %s: %s", id, w, res.Raw)
				}
			}
		}
	})

	t.Run("info", func(t *testing.T) {
		a, raw := runCommand(t, alice, gw, "info", "", "execute", "")
		if tel, _ := a.value("tel"); a.Command.Status != "completed" || a.Command.Form.Type != "result" || tel != "+12015550100" {
			t.Fatalf("info: %s", raw.Raw)
		}
		a, raw = runCommand(t, bob, gw, "info", "", "", "")
		if _, has := a.value("tel"); a.Command.Status != "completed" || has || len(a.Command.Notes) != 1 || !strings.Contains(a.Command.Notes[0], "no phone number") {
			t.Fatalf("info without a number: %s", raw.Raw)
		}
	})

	t.Run("unknown node", func(t *testing.T) {
		if _, raw := runCommand(t, alice, gw, "nope", "", "", ""); raw.ErrorCondition() != "item-not-found" {
			t.Fatalf("unknown node: %s", raw.Raw)
		}
	})

	t.Run("admin only", func(t *testing.T) {
		if _, raw := runCommand(t, alice, gw, "list-users", "", "", ""); raw.ErrorCondition() != "forbidden" {
			t.Fatalf("non-admin: %s", raw.Raw)
		}
		a, raw := runCommand(t, root, gw, "list-users", "", "", "")
		if a.Command.Status != "completed" || len(a.Command.Form.Items) != 1 || !strings.Contains(raw.Raw, "alice@localhost") {
			t.Fatalf("admin: %s", raw.Raw)
		}
	})

	t.Run("settings", func(t *testing.T) {
		a, raw := runCommand(t, alice, gw, "settings", "", "", "")
		sid := a.Command.SessionID
		if a.Command.Status != "executing" || a.Command.Actions.Execute != "next" || a.Command.Actions.Prev != nil {
			t.Fatalf("first step: %s", raw.Raw)
		}
		if _, ok := a.value("forward"); !ok {
			t.Fatalf("no forward field: %s", raw.Raw)
		}
		// A bad value names its field and leaves the session where it was.
		_, raw = runCommand(t, alice, gw, "settings", sid, "next", submit(map[string]string{"ring_timeout": "500"}))
		if raw.ErrorCondition() != "bad-request" || !strings.Contains(raw.ErrorText(), "ring_timeout") {
			t.Fatalf("bad ring timeout: %s", raw.Raw)
		}
		// Hostile forms: a field twice, a field the form does not have.
		for _, f := range []string{
			`<x xmlns="jabber:x:data" type="submit"><field var="forward"><value>+12015550199</value></field><field var="forward"><value>+19005550123</value></field></x>`,
			`<x xmlns="jabber:x:data" type="submit"><field var="owner"><value>mallory@localhost</value></field></x>`,
		} {
			_, raw = runCommand(t, alice, gw, "settings", sid, "next", f)
			if raw.ErrorCondition() != "bad-request" || !strings.Contains(raw.Raw, "bad-payload") || !strings.Contains(raw.ErrorText(), `field "`) {
				t.Fatalf("hostile form: %s", raw.Raw)
			}
		}
		_, raw = runCommand(t, alice, gw, "settings", sid, "next", submit(map[string]string{"forward": "call me"}))
		if raw.ErrorCondition() != "bad-request" || !strings.Contains(raw.ErrorText(), "forward") {
			t.Fatalf("bad forward: %s", raw.Raw)
		}
		a, raw = runCommand(t, alice, gw, "settings", sid, "next", submit(map[string]string{"forward": "(201) 555-0199", "voicemail": "true", "ring_timeout": "25"}))
		if a.Command.Status != "executing" || a.Command.Actions.Execute != "complete" || a.Command.Actions.Prev == nil {
			t.Fatalf("second step: %s", raw.Raw)
		}
		// Back shows the first step with the answers given.
		a, raw = runCommand(t, alice, gw, "settings", sid, "prev", "")
		if fwd, _ := a.value("forward"); fwd != "(201) 555-0199" {
			t.Fatalf("back: %s", raw.Raw)
		}
		a, raw = runCommand(t, alice, gw, "settings", sid, "next", submit(map[string]string{"forward": "+12015550199", "voicemail": "1", "ring_timeout": "25"}))
		if a.Command.Status != "executing" {
			t.Fatalf("next again: %s", raw.Raw)
		}
		// Nothing is saved before the end.
		if b, _ := e.store.Lookup(ctx, "+12015550100"); b.Forward != "" {
			t.Fatalf("forward saved early: %q", b.Forward)
		}
		a, raw = runCommand(t, alice, gw, "settings", sid, "complete", submit(map[string]string{"group_texts": "jids", "low_balance": "500"}))
		if a.Command.Status != "completed" || len(a.Command.Notes) == 0 {
			t.Fatalf("complete: %s", raw.Raw)
		}
		u, err := e.store.Settings(ctx, "alice@localhost")
		if err != nil || u.Voicemail == nil || !*u.Voicemail || u.RingTimeout != 25*time.Second || u.GroupTexts != "jids" || u.LowBalance != "500" {
			t.Fatalf("settings kept: %+v %v", u, err)
		}
		if b, _ := e.store.Lookup(ctx, "+12015550100"); b.Forward != "+12015550199" {
			t.Fatalf("forward = %q", b.Forward)
		}
		// The session is over.
		if _, raw = runCommand(t, alice, gw, "settings", sid, "next", ""); raw.ErrorCondition() != "bad-request" || !strings.Contains(raw.Raw, "bad-sessionid") {
			t.Fatalf("finished session: %s", raw.Raw)
		}
		// Shown again, the settings read back; then cancel.
		a, raw = runCommand(t, alice, gw, "settings", "", "", "")
		if fwd, _ := a.value("forward"); fwd != "+12015550199" {
			t.Fatalf("read back: %s", raw.Raw)
		}
		if a, raw = runCommand(t, alice, gw, "settings", a.Command.SessionID, "cancel", ""); a.Command.Status != "canceled" {
			t.Fatalf("cancel: %s", raw.Raw)
		}
		if _, raw = runCommand(t, bob, gw, "settings", "", "", ""); raw.ErrorCondition() != "forbidden" {
			t.Fatalf("settings without a number: %s", raw.Raw)
		}
	})

	t.Run("chat", func(t *testing.T) {
		if got := chatTo(t, alice, gw, "help"); !strings.Contains(got, "1. My number (info)") || !strings.Contains(got, "2. Settings (settings)") || strings.Contains(got, "List users") {
			t.Fatalf("help: %s", got)
		}
		if got := chatTo(t, alice, gw, "2"); !strings.Contains(got, "Settings: calls") || !strings.Contains(got, "Forward calls to") || !strings.Contains(got, "Now: +12015550199") {
			t.Fatalf("start by number: %s", got)
		}
		if got := chatTo(t, alice, gw, "off"); !strings.Contains(got, "Voicemail") || !strings.Contains(got, "yes or no (now: yes)") {
			t.Fatalf("answer: %s", got)
		}
		if got := chatTo(t, alice, gw, "no"); !strings.Contains(got, "Ring for") {
			t.Fatalf("answer: %s", got)
		}
		if got := chatTo(t, alice, gw, "next"); !strings.Contains(got, "Voicemail greeting") || !strings.Contains(got, "now the gateway's") {
			t.Fatalf("answer: %s", got)
		}
		if got := chatTo(t, alice, gw, "next"); !strings.Contains(got, "Group texts arrive as") || !strings.Contains(got, "3. One conversation per group") {
			t.Fatalf("next step: %s", got)
		}
		if got := chatTo(t, alice, gw, "cancel"); !strings.Contains(got, "Canceled Settings") {
			t.Fatalf("cancel: %s", got)
		}
		if b, _ := e.store.Lookup(ctx, "+12015550100"); b.Forward != "+12015550199" {
			t.Fatalf("a canceled chat changed the forward: %q", b.Forward)
		}
		if got := chatTo(t, bob, gw, "info"); !strings.Contains(got, "no phone number") {
			t.Fatalf("info as chat: %s", got)
		}
		if got := chatTo(t, alice, gw, "number"); !strings.Contains(got, "Number: +12015550100") {
			t.Fatalf("info by alias: %s", got)
		}
		if got := chatTo(t, alice, gw, "hello"); !strings.Contains(got, "This is an SMS gateway") || !strings.Contains(got, "Reply help") {
			t.Fatalf("not a command: %s", got)
		}
	})

	t.Run("expiry", func(t *testing.T) {
		a, _ := runCommand(t, alice, gw, "settings", "", "", "")
		if got := chatTo(t, alice, gw, "settings"); !strings.Contains(got, "Forward calls to") {
			t.Fatalf("chat start: %s", got)
		}
		time.Sleep(3500 * time.Millisecond)
		if _, raw := runCommand(t, alice, gw, "settings", a.Command.SessionID, "next", ""); raw.ErrorCondition() != "bad-request" || !strings.Contains(raw.Raw, "bad-sessionid") || !strings.Contains(raw.ErrorText(), "expired") {
			t.Fatalf("expired session: %s", raw.Raw)
		}
		// The chat session is gone too: "yes" is no answer any more.
		if got := chatTo(t, alice, gw, "yes"); !strings.Contains(got, "This is an SMS gateway") {
			t.Fatalf("expired chat: %s", got)
		}
	})
}

// TestGroupTextsUserSetting: a user's group-text style (the settings
// command) overrides the gateway's group_jids for that user.
func TestGroupTextsUserSetting(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prosody and Redis")
	}
	const bobNum, carolNum = "+12015550124", "+12015550125"
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	gw := e.prosody.ComponentDomain
	a, raw := runCommand(t, alice, gw, "settings", "", "", "")
	a, raw = runCommand(t, alice, gw, "settings", a.Command.SessionID, "next", "")
	if a.Command.Status != "executing" {
		t.Fatalf("settings: %s", raw.Raw)
	}
	if a, raw = runCommand(t, alice, gw, "settings", a.Command.SessionID, "complete", submit(map[string]string{"group_texts": "jids"})); a.Command.Status != "completed" {
		t.Fatalf("settings: %s", raw.Raw)
	}
	code, out := e.sandboxAPI(t, "POST", "/sandbox/api/send", map[string]any{"from": phoneNum, "to": aliceNum, "cc": []string{bobNum, carolNum}, "body": "reply all"})
	if code != 202 {
		t.Fatalf("phone: %d %s", code, out)
	}
	r, err := alice.Expect(ctxT(t), isMessageFrom(phoneNum+","+bobNum+","+carolNum+"@"+gw))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Raw, phoneNum+": reply all") {
		t.Errorf("the sender's number should lead the text: %s", r.Raw)
	}
}
