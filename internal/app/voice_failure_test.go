package app

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestMediaNeverConnects: a client whose offer points at a closed port
// (so ICE and DTLS never complete) gets its call torn down when the
// connect timeout passes: session-terminate to the client, BYE to the
// trunk, a record, and no call left running.
func TestMediaNeverConnects(t *testing.T) {
	sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml"})
	e := startEnv(t, envOptions{env: voiceEnv(t, sipp.Addr, "SWITCHBOARD_MEDIA_CONNECT_TIMEOUT=2s")})
	alice := e.user(t, "alice", callerNumber, "sandbox")
	ctx := ctxTimeoutT(t, 60*time.Second)
	num := e.numberJID("+15551234567")
	offer := rawOffer("si1", num, "closedport", alice.JID.String(), "abcd", "0123456789abcdefghijkl", 9)
	if err := alice.Send(ctx, offer); err != nil {
		t.Fatal(err)
	}
	if res, err := alice.Expect(ctx, isIQ("si1")); err != nil || res.Type != "result" {
		t.Fatalf("session-initiate: %v %v", res, err)
	}
	if _, err := alice.Expect(ctx, func(s testenv.Stanza) bool {
		return s.Name == "iq" && s.Type == "set" && strings.Contains(s.Raw, `action="session-accept"`)
	}); err != nil {
		t.Fatal(err)
	}
	e.expectTornDown(t, ctx, alice, sipp)
}

// expectTornDown checks a call whose media failed: the client gets
// session-terminate failed-transport, the trunk its BYE, the call a
// record, and nothing of it stays live.
func (e *env) expectTornDown(t *testing.T, ctx context.Context, client *testenv.Client, trunk *siptest.Sipp) {
	t.Helper()
	term, err := client.Expect(ctx, func(s testenv.Stanza) bool {
		return s.Name == "iq" && strings.Contains(s.Raw, `action="session-terminate"`)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(term.Raw, "<failed-transport") {
		t.Errorf("terminate reason: %s", term)
	}
	if err := trunk.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario (expects our BYE): %v", err)
	}
	if cdr := e.lastCDR(t, ctx); cdr.Reason != "failed-transport" || cdr.Answer.IsZero() {
		t.Errorf("call record: %+v", cdr)
	}
	for e.gw.voice.bridge.Active() != 0 {
		if ctx.Err() != nil {
			t.Fatal("the call is still live")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOrphanedCallRecorded: a call owned by an instance that died (its
// ownership key expired) is ended and recorded by the next instance.
func TestOrphanedCallRecorded(t *testing.T) {
	e := startEnv(t, envOptions{})
	ctx := ctxTimeoutT(t, 60*time.Second)
	if err := e.store.ClaimCall(ctx, "dead-call", "gw-dead", time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	e.stop()
	e.cfg = gatewayConfig(t, e.prosody.ComponentDomain, e.prosody.ComponentAddr, e.prosody.ComponentSecret, e.redis.URL, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	e.start(t, nil)
	e.url = "http://" + e.gw.Addr()
	e.waitHealthy(t)
	cdr := e.lastCDR(t, ctx)
	if cdr.ID != "dead-call" || cdr.Reason != "owner-lost" {
		t.Errorf("record: %+v", cdr)
	}
	if _, err := e.store.CallOwner(ctx, "dead-call"); err != store.ErrNotFound {
		t.Errorf("owner after sweep: %v", err)
	}
}

// TestTrunkRegistration: with register = true the gateway registers with
// digest auth (SIPp checks it), /healthz includes it, the password never
// reaches the logs, and stopping the gateway un-registers. A wrong
// password shows in /healthz.
func TestTrunkRegistration(t *testing.T) {
	t.Run("accepted", func(t *testing.T) {
		sipp := siptest.Start(t, siptest.Options{Scenario: "registrar.xml", Replace: map[string]string{"USER": "gw", "PASS": "s3cret-pw"}})
		logs := &syncbuf.Buffer{}
		e := startEnv(t, envOptions{logTo: logs, env: voiceEnv(t, sipp.Addr,
			"SWITCHBOARD_SIP_REGISTER=true", "SWITCHBOARD_SIP_USERNAME=gw", "SWITCHBOARD_SIP_PASSWORD=s3cret-pw")})
		if _, body := e.get(t, "/healthz"); !strings.Contains(body, `"sip":"ok"`) {
			t.Errorf("healthz: %s", body)
		}
		// The registrar grants 2 s and expects one refresh before the
		// un-REGISTER.
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), "registration refreshed"); {
			if time.Now().After(deadline) {
				t.Fatal("no refresh of the registration")
			}
			time.Sleep(50 * time.Millisecond)
		}
		e.stop()
		if err := sipp.Wait(ctxTimeoutT(t, 60*time.Second)); err != nil {
			t.Fatalf("SIPp registrar (expects register, refresh, un-register): %v", err)
		}
		if strings.Contains(logs.String(), "s3cret-pw") {
			t.Error("the SIP password is in the logs")
		}
	})
	t.Run("refused", func(t *testing.T) {
		sipp := siptest.Start(t, siptest.Options{Scenario: "registrar_reject.xml", Replace: map[string]string{"USER": "gw", "PASS": "s3cret-pw"}})
		e := &env{}
		e.redis = testenv.StartRedis(t)
		e.prosody = testenv.StartProsody(t, testenv.ProsodyOptions{})
		e.serverLog = e.prosody.LogTail
		e.cfg = gatewayConfig(t, e.prosody.ComponentDomain, e.prosody.ComponentAddr, e.prosody.ComponentSecret, e.redis.URL, envOptions{env: voiceEnv(t, sipp.Addr,
			"SWITCHBOARD_SIP_REGISTER=true", "SWITCHBOARD_SIP_USERNAME=gw", "SWITCHBOARD_SIP_PASSWORD=wrong")})
		e.start(t, nil)
		e.url = "http://" + e.gw.Addr()
		if err := sipp.Wait(ctxTimeoutT(t, 60*time.Second)); err != nil {
			t.Fatalf("SIPp registrar: %v", err)
		}
		e.waitHealth(t, "reporting SIP down", func(code int, body string) bool {
			return code == 503 && strings.Contains(body, `"sip":"down`)
		})
	})
}

// TestShutdownEndsCalls: stopping the gateway mid-call hangs up both legs
// and records the call.
func TestShutdownEndsCalls(t *testing.T) {
	sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml", RTPEcho: true})
	e := startEnv(t, envOptions{env: voiceEnv(t, sipp.Addr)})
	alice := e.voiceUser(t, "alice", callerNumber, jinglepeer.Options{})
	ctx := ctxTimeoutT(t, 60*time.Second)
	alice.Do(map[string]any{"cmd": "call", "to": e.numberJID("+15551234567"), "jmi": true})
	if _, err := alice.Expect(ctx, "connected", nil); err != nil {
		t.Fatal(err)
	}
	e.stop()
	end, err := alice.Expect(ctx, "terminated", nil)
	if err != nil {
		t.Fatalf("the user was not told: %v", err)
	}
	if end.Str("reason") != "general-error" || !strings.Contains(end.Str("text"), "shutting down") {
		t.Errorf("terminated: %s", end)
	}
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario (expects our BYE): %v", err)
	}
	if cdr := e.lastCDR(t, ctx); cdr.Reason != "general-error" || cdr.Answer.IsZero() {
		t.Errorf("call record: %+v", cdr)
	}
}

// TestDTLSNeverCompletes: a client that completes ICE but never answers
// DTLS (the gateway's ClientHellos go unanswered) has its call torn down
// at the connect timeout: session-terminate, BYE to the trunk, a record,
// nothing left running.
func TestDTLSNeverCompletes(t *testing.T) {
	sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml"})
	e := startEnv(t, envOptions{env: voiceEnv(t, sipp.Addr, "SWITCHBOARD_MEDIA_CONNECT_TIMEOUT=4s")})
	alice := e.user(t, "alice", callerNumber, "sandbox")
	ice := startICEOnly(t)
	ctx := ctxTimeoutT(t, 60*time.Second)
	num := e.numberJID("+15551234567")
	offer := rawOffer("si1", num, "nodtls", alice.JID.String(), ice.ufrag, ice.pwd, ice.port())
	if err := alice.Send(ctx, offer); err != nil {
		t.Fatal(err)
	}
	acc, err := alice.Expect(ctx, func(s testenv.Stanza) bool {
		return s.Name == "iq" && s.Type == "set" && strings.Contains(s.Raw, `action="session-accept"`)
	})
	if err != nil {
		t.Fatal(err)
	}
	attr := func(raw, name string) string {
		m := regexp.MustCompile(`<transport [^>]*\b` + name + `="([^"]+)"`).FindStringSubmatch(raw)
		if m == nil {
			t.Fatalf("no transport %s in %s", name, raw)
		}
		return m[1]
	}
	ufrag, pwd := attr(acc.Raw, "ufrag"), attr(acc.Raw, "pwd")
	candRe := regexp.MustCompile(`<candidate [^>]*>`)
	portRe := regexp.MustCompile(`\bport="(\d+)"`)
	var targets []*net.UDPAddr
	addCands := func(raw string) {
		for _, c := range candRe.FindAllString(raw, -1) {
			if m := portRe.FindStringSubmatch(c); m != nil && strings.Contains(c, `ip="127.0.0.1"`) {
				port, _ := strconv.Atoi(m[1])
				targets = append(targets, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
			}
		}
	}
	addCands(acc.Raw)
	// Check every candidate the gateway gives until one answers.
	for !ice.nominated.Load() {
		if ctx.Err() != nil {
			t.Fatal("ICE never completed")
		}
		tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		if ti, err := alice.Expect(tctx, func(s testenv.Stanza) bool {
			return s.Name == "iq" && strings.Contains(s.Raw, `action="transport-info"`)
		}); err == nil {
			addCands(ti.Raw)
		}
		cancel()
		for _, to := range targets {
			if err := ice.check(to, ufrag, pwd); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.expectTornDown(t, ctx, alice, sipp)
	if ice.dtlsRecords.Load() == 0 {
		t.Error("the gateway never tried DTLS: ICE did not complete, so this tested the wrong thing")
	}
}

// TestMediaSettings: [media] udp_ports, trunk_ports and public_ip decide
// the ports and the address the gateway advertises, to the trunk (SIPp
// checks its SDP) and to the client (its ICE candidates). public_ip is
// another loopback address here, so nothing leaves the machine; no media
// flows.
func TestMediaSettings(t *testing.T) {
	for _, tt := range []struct {
		name  string
		trunk bool // trunk_ports set: the trunk's port from the next 100
	}{
		{name: "udp_ports for both"},
		{name: "trunk_ports for the trunk", trunk: true},
	} {
		t.Run(tt.name, func(t *testing.T) { testMediaSettings(t, tt.trunk) })
	}
}

func testMediaSettings(t *testing.T, trunkPorts bool) {
	lo, err := freeRange(200)
	if err != nil {
		t.Fatal(err)
	}
	trunkLo := lo
	mediaEnv := []string{"SWITCHBOARD_MEDIA_UDP_PORTS=" + strconv.Itoa(lo) + "-" + strconv.Itoa(lo+99), "SWITCHBOARD_MEDIA_PUBLIC_IP=127.0.0.2"}
	if trunkPorts {
		trunkLo = lo + 100
		mediaEnv = append(mediaEnv, "SWITCHBOARD_MEDIA_TRUNK_PORTS="+strconv.Itoa(trunkLo)+"-"+strconv.Itoa(trunkLo+99))
	}
	sipp := siptest.Start(t, siptest.Options{Scenario: "uas_answer_media.xml", Replace: map[string]string{
		"IP": `127\.0\.0\.2`, "PORT": portPattern(trunkLo)}})
	e := startEnv(t, envOptions{env: voiceEnv(t, sipp.Addr, mediaEnv...)})
	alice := e.user(t, "alice", callerNumber, "sandbox")
	ctx := ctxTimeoutT(t, 60*time.Second)
	ice := startICEOnly(t)
	// No candidate: the gateway's own are what this test looks at.
	if err := alice.Send(ctx, rawOffer("si1", e.numberJID("+15551234567"), "ms", alice.JID.String(), ice.ufrag, ice.pwd, 0)); err != nil {
		t.Fatal(err)
	}
	var cands []string
	for len(cands) == 0 {
		st, err := alice.Expect(ctx, func(s testenv.Stanza) bool {
			return s.Name == "iq" && s.Type == "set" && (strings.Contains(s.Raw, `action="session-accept"`) || strings.Contains(s.Raw, `action="transport-info"`))
		})
		if err != nil {
			t.Fatal(err)
		}
		cands = regexp.MustCompile(`<candidate [^>]*>`).FindAllString(st.Raw, -1)
	}
	for _, c := range cands {
		port, _ := strconv.Atoi(regexp.MustCompile(`\bport="(\d+)"`).FindStringSubmatch(c)[1])
		if !strings.Contains(c, `ip="127.0.0.2"`) || port < lo || port > lo+99 {
			t.Errorf("candidate outside the settings: %s", c)
		}
	}
	if err := alice.Send(ctx, `<iq type="set" id="st1" to="`+e.numberJID("+15551234567")+`"><jingle xmlns="urn:xmpp:jingle:1" action="session-terminate" sid="ms"><reason><success/></reason></jingle></iq>`); err != nil {
		t.Fatal(err)
	}
	if err := sipp.Wait(ctx); err != nil {
		t.Fatalf("SIPp scenario (checks the SDP address and port): %v", err)
	}
}

// freeRange finds n consecutive free UDP ports on loopback, starting even.
func freeRange(n int) (int, error) {
	for lo := 30000; lo+n < 60000; lo += 200 {
		ok := true
		for p := lo; p < lo+n && ok; p++ {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
			if err != nil {
				ok = false
				continue
			}
			c.Close()
		}
		if ok {
			return lo, nil
		}
	}
	return 0, errors.New("no free port range")
}

// portPattern is a regular expression for the 100 ports from lo, a
// multiple of 100 (as freeRange's are).
func portPattern(lo int) string {
	return strconv.Itoa(lo/100) + "[0-9][0-9]"
}

// rawOffer is a session-initiate of G.711 audio as a client sends it, with
// one host candidate on 127.0.0.1:port (none when port is 0) and a
// fingerprint nobody holds.
func rawOffer(id, to, sid, initiator, ufrag, pwd string, port int) string {
	cand := ""
	if port != 0 {
		cand = `<candidate component="1" foundation="1" generation="0" id="c1" ip="127.0.0.1" network="0" port="` + strconv.Itoa(port) +
			`" priority="2130706431" protocol="udp" type="host"/>`
	}
	return `<iq type="set" id="` + id + `" to="` + to + `"><jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" sid="` + sid + `" initiator="` + initiator + `">` +
		`<content creator="initiator" name="0" senders="both"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio">` +
		`<payload-type id="0" name="PCMU" clockrate="8000"/><payload-type id="8" name="PCMA" clockrate="8000"/><rtcp-mux/></description>` +
		`<transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="` + ufrag + `" pwd="` + pwd + `">` +
		`<fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash="sha-256" setup="actpass">` + strings.TrimSuffix(strings.Repeat("AB:", 32), ":") + `</fingerprint>` +
		cand + `</transport></content></jingle></iq>`
}
