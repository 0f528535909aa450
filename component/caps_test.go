package component

import (
	"context"
	"slices"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/internal/testenv"
	"github.com/switchboard-gw/switchboard/jingle"
)

// TestCapsVerExample is XEP-0115 §5.2's simple generation example.
func TestCapsVerExample(t *testing.T) {
	ids := []identity{{Category: "client", Type: "pc", Name: "Exodus 0.9.1"}}
	feats := []string{"http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
		"http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc"}
	const want = "QgayPKawpkPSDYmwT/WM94uAlu0="
	if got := capsVer(ids, feats); got != want {
		t.Errorf("capsVer = %s, want %s", got, want)
	}
	slices.Reverse(feats)
	if got := capsVer(ids, feats); got != want {
		t.Errorf("capsVer depends on the order of features: %s", got)
	}
	two := []identity{{Category: "gateway", Type: "sms"}, {Category: "gateway", Type: "pstn"}}
	if capsVer(two, feats) != capsVer([]identity{two[1], two[0]}, feats) {
		t.Error("capsVer depends on the order of identities")
	}
}

// TestDiscoAndCaps: the gateway and numbers, with and without voice,
// answer disco#info at the bare JID, the full JID and the caps node alike,
// and their caps ver is that answer's hash.
func TestDiscoAndCaps(t *testing.T) {
	for _, voice := range []bool{false, true} {
		c, w := testComponent(t, voice)
		for _, who := range []struct {
			name, to string
			info     entity
		}{
			{"gateway", "sms.example.org", c.gatewayInfo},
			{"gateway full JID", "sms.example.org/" + Resource, c.gatewayInfo},
			{"number", testNumber, c.numberInfo},
			{"number full JID", testFull, c.numberInfo},
		} {
			t.Run(who.name, func(t *testing.T) {
				var plain string
				for _, node := range []string{"", who.info.node()} {
					q := `<query xmlns="http://jabber.org/protocol/disco#info"/>`
					if node != "" {
						q = `<query xmlns="http://jabber.org/protocol/disco#info" node="` + node + `"/>`
					}
					w.in(t, `<iq type="get" id="d1" from="alice@example.org/laptop" to="`+who.to+`">`+q+`</iq>`)
					res := w.next(t)
					if res.Type != "result" || res.From != who.to || res.To != "alice@example.org/laptop" {
						t.Fatalf("answer: %s", res.Raw)
					}
					a, err := testenv.ParseDiscoInfo(res.Raw)
					if err != nil {
						t.Fatal(err)
					}
					if a.Node != node {
						t.Errorf("answer node %q, want %q", a.Node, node)
					}
					if a.Ver != who.info.ver {
						t.Errorf("caps ver %s, but disco#info hashes to %s", who.info.ver, a.Ver)
					}
					body := strings.Replace(res.Raw, ` node="`+node+`"`, "", 1)
					if plain == "" {
						plain = body
					} else if body != plain {
						t.Errorf("node answer differs:\n%s\n%s", body, plain)
					}
					switch who.info.identities[0].Category {
					case "gateway":
						if !slices.Contains(a.Identities, "gateway/sms") || slices.Contains(a.Identities, "gateway/pstn") != voice {
							t.Errorf("gateway identities (voice %v): %s", voice, res.Raw)
						}
						for _, f := range gatewayFeatures {
							if !slices.Contains(a.Features, f) {
								t.Errorf("gateway lacks %s", f)
							}
						}
					default:
						if !slices.Contains(a.Identities, "client/sms") || slices.Contains(a.Features, jingle.Features[0]) != voice {
							t.Errorf("number disco (voice %v): %s", voice, res.Raw)
						}
					}
				}
				w.in(t, `<iq type="get" id="d2" from="alice@example.org/laptop" to="`+who.to+`"><query xmlns="http://jabber.org/protocol/disco#info" node="`+capsNode+`#wrong"/></iq>`)
				if res := w.next(t); res.Type != "error" || !res.has("<item-not-found") {
					t.Errorf("unknown node: %s", res.Raw)
				}
			})
		}
	}
}

// recordedCalls is Calls that remembers what reached it.
type recordedCalls struct{ got []string }

func (r *recordedCalls) Jingle(_ context.Context, from, to jid.JID, j *jingle.Jingle) *stanza.Error {
	r.got = append(r.got, "jingle "+string(j.Action)+" "+from.String()+" "+to.String())
	return nil
}

func (r *recordedCalls) JMI(_ context.Context, from, to jid.JID, _ string, m jingle.JMI) {
	r.got = append(r.got, "jmi "+m.SessionID()+" "+from.String()+" "+to.String())
}

// TestCallsToFullJID: Jingle and JMI addressed to a number's full JID
// reach the bridge like those to its bare JID, and the IQ is answered from
// the address it was sent to.
func TestCallsToFullJID(t *testing.T) {
	c := New(Settings{Domain: jid.MustParse("sms.example.org")}, nil, nil)
	calls := &recordedCalls{}
	c.SetCalls(calls)
	w := newWire(t, c)
	w.in(t, `<iq type="set" id="j1" from="alice@example.org/laptop" to="`+testFull+`"><jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="s1"/></iq>`)
	if res := w.next(t); res.Type != "result" || res.ID != "j1" || res.From != testFull {
		t.Errorf("answer: %s", res.Raw)
	}
	w.in(t, `<message type="chat" from="alice@example.org/laptop" to="`+testFull+`"><proceed xmlns="urn:xmpp:jingle-message:0" id="s2"/></message>`)
	want := []string{
		"jingle session-initiate alice@example.org/laptop " + testFull,
		"jmi s2 alice@example.org/laptop " + testFull,
	}
	if !slices.Equal(calls.got, want) {
		t.Errorf("calls got\n%q\nwant\n%q", calls.got, want)
	}
}
