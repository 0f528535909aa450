package app

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestContacts: a user who adds a number JID to their roster gets, through
// a real Prosody, "subscribed", the number's available presence from its
// full JID with caps, and a subscription request back; once granted, the
// roster holds both directions. The gateway's JID does the same, and its
// caps lead to a disco#info with gateway/sms and gateway/pstn. A message
// to the number's full JID is texted like one to its bare JID.
func TestContacts(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	gw := e.prosody.ComponentDomain

	for _, tt := range []struct {
		name, jid  string
		identities []string // in disco#info, reached through the caps
	}{
		{"number", e.numberJID(phoneNum), []string{"client/sms"}},
		{"gateway", gw, []string{"gateway/sms", "gateway/pstn"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			full := tt.jid + "/" + component.Resource
			if err := alice.Send(ctx, `<presence type="subscribe" to="`+tt.jid+`"/>`); err != nil {
				t.Fatal(err)
			}
			pres, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "presence" && s.From == full && s.Type == "" })
			if err != nil {
				t.Fatalf("no available presence from %s: %v", full, err)
			}
			if _, err := alice.Expect(ctx, func(s testenv.Stanza) bool {
				return s.Name == "presence" && s.From == tt.jid && s.Type == "subscribe"
			}); err != nil {
				t.Fatalf("no subscription request from %s: %v", tt.jid, err)
			}
			if err := alice.Send(ctx, `<presence type="subscribed" to="`+tt.jid+`"/>`); err != nil {
				t.Fatal(err)
			}
			roster := regexp.MustCompile(`<item [^>]*jid="` + regexp.QuoteMeta(tt.jid) + `"[^>]*>`)
			if err := alice.Send(ctx, `<iq type="get" id="r-`+tt.name+`"><query xmlns="jabber:iq:roster"/></iq>`); err != nil {
				t.Fatal(err)
			}
			r, err := alice.Expect(ctx, isIQ("r-"+tt.name))
			if item := roster.FindString(r.Raw); err != nil || !strings.Contains(item, `subscription="both"`) {
				t.Fatalf("roster item %q, want subscription both: %v", item, err)
			}

			node, ver := capsOf(t, pres.Raw)
			if err := alice.Send(ctx, `<iq type="get" id="c-`+tt.name+`" to="`+full+`"><query xmlns="http://jabber.org/protocol/disco#info" node="`+node+`#`+ver+`"/></iq>`); err != nil {
				t.Fatal(err)
			}
			res, err := alice.Expect(ctx, isIQ("c-"+tt.name))
			if err != nil || res.Type != "result" || res.From != full {
				t.Fatalf("disco#info by caps node: %v %s", err, res.Raw)
			}
			d, err := testenv.ParseDiscoInfo(res.Raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tt.identities {
				if !slices.Contains(d.Identities, id) {
					t.Errorf("disco#info lacks %s: %s", id, res.Raw)
				}
			}
			if d.Ver != ver {
				t.Errorf("caps ver %s, but the disco#info it names hashes to %s", ver, d.Ver)
			}
		})
	}

	t.Run("message to the full JID", func(t *testing.T) {
		if err := alice.Send(ctx, `<message type="chat" id="fm1" to="`+e.numberJID(phoneNum)+`/`+component.Resource+`"><body>to the resource</body></message>`); err != nil {
			t.Fatal(err)
		}
		got, ok := e.sandboxOut(t, 0)
		if !ok || got.From != aliceNum || got.To != phoneNum || got.Body != "to the resource" {
			t.Fatalf("carrier got %+v (%v)", got, ok)
		}
	})
}

// capsOf reads the XEP-0115 node and ver of a presence.
func capsOf(t *testing.T, raw string) (node, ver string) {
	t.Helper()
	c := regexp.MustCompile(`<c xmlns="http://jabber.org/protocol/caps"[^>]*>`).FindString(raw)
	attr := func(name string) string {
		m := regexp.MustCompile(` ` + name + `="([^"]+)"`).FindStringSubmatch(c)
		if m == nil {
			t.Fatalf("no caps %s in %s", name, raw)
		}
		return m[1]
	}
	if attr("hash") != "sha-1" {
		t.Errorf("caps hash %s", attr("hash"))
	}
	return attr("node"), attr("ver")
}

// TestCallerNameAsNick: a caller name from the carrier reaches the user as
// a XEP-0172 nickname on the text, and on the number's subscription request.
func TestCallerNameAsNick(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	ctx := ctxT(t)
	phone := e.numberJID(phoneNum)
	if code, out := e.sandboxAPI(t, "POST", "/sandbox/api/send", map[string]any{"from": phoneNum, "to": aliceNum, "body": "it's Pat", "name": "Pat Doe"}); code != 202 {
		t.Fatalf("phone: %d %s", code, out)
	}
	r, err := alice.Expect(ctx, isMessageFrom(phone))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Has("http://jabber.org/protocol/nick", "nick") || !strings.Contains(r.Raw, "Pat Doe") {
		t.Errorf("want the caller name as a nick: %s", r.Raw)
	}
	if err := alice.Send(ctx, `<presence type="subscribe" to="`+phone+`"/>`); err != nil {
		t.Fatal(err)
	}
	sub, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "presence" && s.Type == "subscribe" && s.From == phone })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sub.Raw, "Pat Doe") {
		t.Errorf("the number's subscription request should carry the name: %s", sub.Raw)
	}
}
