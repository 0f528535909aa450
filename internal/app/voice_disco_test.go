package app

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// voiceEnv enables voice, through the environment as outside tests do,
// with SIP on a free loopback port and calls going to trunk (host:port).
func voiceEnv(t *testing.T, trunk string, extra ...string) []string {
	t.Helper()
	port, err := siptest.FreeUDPPort()
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{
		fmt.Sprintf("SWITCHBOARD_SIP_LISTEN=127.0.0.1:%d", port),
		"SWITCHBOARD_SIP_TRUNK=sip:" + trunk,
		"SWITCHBOARD_CALLS_RING_TIMEOUT=20s",
	}, extra...)
}

var jingleFeatures = []string{"urn:xmpp:jingle:1", "urn:xmpp:jingle:apps:rtp:1", "urn:xmpp:jingle:apps:rtp:audio",
	"urn:xmpp:jingle:transports:ice-udp:1", "urn:xmpp:jingle:apps:dtls:0", "urn:xmpp:jingle-message:0"}

// TestVoiceCapsAndDisco checks what Conversations looks at before it shows a
// call button: caps in the number's presence, and disco#info (also by caps
// node) listing Jingle, ICE-UDP, DTLS, RTP audio and JMI.
func TestVoiceCapsAndDisco(t *testing.T) {
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	alice := e.user(t, "alice", "+12015550100", "sandbox")
	ctx := ctxT(t)
	num := e.numberJID("+15551234567")

	if err := alice.Send(ctx, `<presence type="subscribe" to="`+num+`"/>`); err != nil {
		t.Fatal(err)
	}
	pres, err := alice.Expect(ctx, func(s testenv.Stanza) bool {
		return s.Name == "presence" && s.From == num+"/"+component.Resource && s.Type == ""
	})
	if err != nil {
		t.Fatal(err)
	}
	node, ver := capsOf(t, pres.Raw)

	for _, q := range []string{`<query xmlns="http://jabber.org/protocol/disco#info"/>`, `<query xmlns="http://jabber.org/protocol/disco#info" node="` + node + `#` + ver + `"/>`} {
		if err := alice.Send(ctx, `<iq type="get" id="d1" to="`+num+`">`+q+`</iq>`); err != nil {
			t.Fatal(err)
		}
		res, err := alice.Expect(ctx, isIQ("d1"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Type != "result" {
			t.Fatalf("disco %s: %s", q, res)
		}
		d, err := testenv.ParseDiscoInfo(res.Raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range jingleFeatures {
			if !slices.Contains(d.Features, want) {
				t.Errorf("disco lacks %s: %s", want, res)
			}
		}
		if d.Ver != ver {
			t.Errorf("caps ver %s does not match disco#info (%s)", ver, d.Ver)
		}
	}
	if err := alice.Send(ctx, `<iq type="get" id="d2" to="`+num+`"><query xmlns="http://jabber.org/protocol/disco#info" node="`+node+`#wrong"/></iq>`); err != nil {
		t.Fatal(err)
	}
	if res, err := alice.Expect(ctx, isIQ("d2")); err != nil || res.ErrorCondition() != "item-not-found" {
		t.Errorf("unknown caps node: %v %v", res, err)
	}
}

// TestNoVoiceNoJingle: without [sip], numbers neither advertise nor accept
// calls.
func TestNoVoiceNoJingle(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", "+12015550100", "sandbox")
	ctx := ctxT(t)
	num := e.numberJID("+15551234567")
	if err := alice.Send(ctx, `<iq type="get" id="d1" to="`+num+`"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`); err != nil {
		t.Fatal(err)
	}
	res, err := alice.Expect(ctx, isIQ("d1"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Raw, "jingle") {
		t.Errorf("numbers advertise Jingle without voice: %s", res)
	}
	if err := alice.Send(ctx, `<iq type="set" id="j1" to="`+num+`"><jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="s1"/></iq>`); err != nil {
		t.Fatal(err)
	}
	if res, err := alice.Expect(ctx, isIQ("j1")); err != nil || res.ErrorCondition() != "feature-not-implemented" {
		t.Errorf("Jingle without voice: %v %v", res, err)
	}
}
