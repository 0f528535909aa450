package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/switchboard-gw/switchboard/internal/rtctest"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/softphone"
	"github.com/switchboard-gw/switchboard/jingle/trunk"
)

// TestSandboxPhoneGuarded: the page's phone answers the page only, as its
// SMS side does: the per-run token, its own origin, JSON posts. Before,
// anyone reaching [http] listen could take numbers and place calls, and
// any web page could do it with a cross-origin text/plain POST. No
// servers: the requests are refused before anything is looked up.
func TestSandboxPhoneGuarded(t *testing.T) {
	self := fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t))
	src := strings.Replace(valid, "[carriers.twilio]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\nauth_token = \"token\"", "[carriers.sandbox]\nenabled = true", 1)
	src = strings.Replace(src, `listen = "127.0.0.1:8080"`, `listen = "127.0.0.1:0"`, 1)
	src = strings.Replace(src, `url = "redis://127.0.0.1:6379/0"`, `url = "redis://127.0.0.1:1/0"`, 1)
	cfg, err := ParseConfig([]byte(src), []string{"SWITCHBOARD_SIP_LISTEN=" + self, "SWITCHBOARD_SIP_TRUNK=sip:" + self, "SWITCHBOARD_MMS_DIR=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer g.store.Close()
	defer g.ln.Close()
	if g.voice == nil || g.voice.soft == nil {
		t.Fatal("no softphone")
	}
	token := g.SandboxToken()
	if len(token) != 32 || g.SandboxURL() != "https://gw.example.org/sandbox/?token="+token {
		t.Fatalf("token %q, page %q", token, g.SandboxURL())
	}
	const line = `{"number":"+15557654321"}`
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		want                     int
	}{
		{"take a number without the token", "POST", "/sandbox/phone/lines", line, map[string]string{"Content-Type": "application/json"}, http.StatusForbidden},
		{"CSRF: text/plain from another site", "POST", "/sandbox/phone/lines", line, map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example"}, http.StatusForbidden},
		{"another origin with the token", "POST", "/sandbox/phone/lines", line, map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example", "X-Sandbox-Token": token}, http.StatusForbidden},
		{"text/plain with the token", "POST", "/sandbox/phone/lines", line, map[string]string{"Content-Type": "text/plain", "X-Sandbox-Token": token}, http.StatusUnsupportedMediaType},
		{"poll without the token", "GET", "/sandbox/phone/lines/x/events", "", nil, http.StatusForbidden},
		{"give a number back without the token", "DELETE", "/sandbox/phone/lines/x", "", nil, http.StatusForbidden},
		{"poll with the token", "GET", "/sandbox/phone/lines/x/events", "", map[string]string{"X-Sandbox-Token": token}, http.StatusNotFound},
		{"read messages without the token", "GET", "/sandbox/api/messages", "", nil, http.StatusForbidden},
		{"set a fault without the token", "POST", "/sandbox/api/faults", `{"outcome":"never"}`, map[string]string{"Content-Type": "application/json"}, http.StatusForbidden},
		{"set a fault from another site", "POST", "/sandbox/api/faults", `{"outcome":"never"}`, map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example"}, http.StatusForbidden},
		{"upload a picture without the token", "POST", "/sandbox/api/media", `{"data":"iVBORw0KGgo="}`, map[string]string{"Content-Type": "application/json"}, http.StatusForbidden},
		{"a picture nobody sent", "GET", "/sandbox/media/" + strings.Repeat("0", 32) + ".png", "", nil, http.StatusNotFound},
		{"the page without the token", "GET", "/sandbox/", "", nil, http.StatusForbidden},
		{"the page with its token", "GET", "/sandbox/?token=" + token, "", nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://"+g.Addr()+tt.path, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			g.srv.Handler.ServeHTTP(w, req)
			if w.Code != tt.want {
				t.Fatalf("got %d %s, want %d", w.Code, w.Body, tt.want)
			}
		})
	}
	if g.voice.soft.Has("+15557654321") {
		t.Error("a refused request took a number")
	}
	if f := g.sb.Faults(); f.Next != nil {
		t.Error("a refused request set a fault")
	}
}

// TestSandboxBesideRealTraffic: with the sandbox run beside Twilio and a
// SIP trunk (acknowledged), the sandbox still cannot touch a Twilio
// user: a text "from" any number through the sandbox page reaches
// nobody, a page cannot take the user's number, and a page's call never
// leaves through the trunk (a forwarded number), nor rings a Twilio
// user. Before, all four got through: a spoofed text, intercepted calls,
// and toll fraud over HTTP.
func TestSandboxBesideRealTraffic(t *testing.T) {
	const (
		twilioUser  = "+12015550100" // alice, through Twilio
		sandboxUser = "+12015550101" // carol, through the sandbox, forwarded
		forwardedTo = "+12015550150"
		pageNum     = "+15557654321"
	)
	api := httptest.NewServer(http.NotFoundHandler())
	defer api.Close()
	// The trunk: a socket that counts what the gateway sends it.
	trunk, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer trunk.Close()
	e := startEnv(t, envOptions{
		extraTOML: fmt.Sprintf("[carriers.twilio]\naccount_sid = %q\nauth_token = %q\napi_url = %q\n[carriers.sandbox]\nenabled = true\nunsafe_beside_real_traffic = true\n", twSID, twToken, api.URL),
		env:       voiceEnv(t, trunk.LocalAddr().String()),
	})
	alice := e.user(t, "alice", twilioUser, "twilio")
	e.user(t, "carol", sandboxUser, "sandbox").Close()
	if err := e.store.SetForward(context.Background(), sandboxUser, forwardedTo); err != nil {
		t.Fatal(err)
	}

	t.Run("text a Twilio user through the sandbox", func(t *testing.T) {
		if code, body := e.phoneTexts(t, phoneNum, twilioUser, "spoofed"); code != http.StatusNotFound {
			t.Errorf("sandbox send to a Twilio user: %d %s, want 404", code, body)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if m, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" }); err == nil {
			t.Errorf("the Twilio user got a message through the sandbox: %s", m.Raw)
		}
		// The sandbox's own user still gets texts.
		if code, body := e.phoneTexts(t, phoneNum, sandboxUser, "hi carol"); code != http.StatusAccepted {
			t.Errorf("sandbox send to a sandbox user: %d %s", code, body)
		}
	})

	t.Run("take a Twilio user's number", func(t *testing.T) {
		code, out := e.phoneAPI(t, "POST", "/sandbox/phone/lines", map[string]string{"number": twilioUser})
		if code != http.StatusForbidden || !strings.Contains(out["error"], "another carrier") {
			t.Errorf("holding a Twilio user's number: %d %v, want 403", code, out)
		}
		if e.gw.voice.soft.Has(twilioUser) {
			t.Error("the page holds the Twilio user's number")
		}
	})

	t.Run("call out of the sandbox", func(t *testing.T) {
		code, out := e.phoneAPI(t, "POST", "/sandbox/phone/lines", map[string]string{"number": pageNum})
		if code != http.StatusCreated {
			t.Fatalf("open a line: %d %v", code, out)
		}
		offer := browserOffer(t)
		for _, to := range []string{sandboxUser, twilioUser} {
			code, out := e.phoneAPI(t, "POST", "/sandbox/phone/lines/"+out["line"]+"/calls", map[string]string{"to": to, "sdp": offer})
			if code != http.StatusForbidden {
				t.Errorf("call %s: %d %v, want 403", to, code, out)
			}
		}
		_ = trunk.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 4096)
		if n, _, err := trunk.ReadFrom(buf); err == nil {
			t.Errorf("the page's call reached the trunk:\n%s", buf[:n])
		}
	})
}

// phoneAPI calls the softphone's API as the sandbox page does.
func (e *env) phoneAPI(t *testing.T, method, path string, body any) (int, map[string]string) {
	t.Helper()
	code, raw := e.sandboxAPI(t, method, path, body)
	out := map[string]string{}
	_ = json.Unmarshal(raw, &out)
	return code, out
}

// browserOffer is a browser's complete offer (PCMU, loopback ICE), as the
// page posts it.
func browserOffer(t *testing.T) string {
	t.Helper()
	pc := rtctest.Browser(t)
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, "audio", "page")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ICE gathering did not complete")
	}
	return pc.LocalDescription().SDP
}

// trunkDialer records that a call went to the trunk.
type trunkDialer struct{ called *[]string }

func (d trunkDialer) Dial(_ context.Context, _, to string, _ []byte, _ func(int)) (bridge.PhoneCall, error) {
	*d.called = append(*d.called, to)
	return nil, errors.New("test trunk: not placed")
}

// TestSandboxFirst: only the sandbox's users' calls reach a number a
// sandbox page holds; a Twilio user's call to it goes to the trunk as if
// no page existed, and so does a call to a number that became another
// carrier's after a page took it.
func TestSandboxFirst(t *testing.T) {
	r := testenv.StartRedis(t)
	st, err := store.Open(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := ctxT(t)
	for n, carrier := range map[string]string{"+12015550100": "twilio", "+12015550101": "sandbox"} {
		if err := st.Assign(ctx, store.Binding{Number: n, JID: "u" + n[len(n)-1:] + "@example.org", Carrier: carrier}); err != nil {
			t.Fatal(err)
		}
	}
	nums := sandboxNumbers{st}
	soft := softphone.New(softphone.Settings{LineIdle: time.Hour, Numbers: nums})
	defer soft.Close()
	h := soft.Handler()
	for _, n := range []string{"+15557654321", "+15557654322"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/sandbox/phone/lines", strings.NewReader(`{"number":"`+n+`"}`)))
		if rec.Code != http.StatusCreated {
			t.Fatalf("open %s: %d %s", n, rec.Code, rec.Body)
		}
	}
	// +15557654322 becomes a Twilio user's number while a page holds it.
	if err := st.Assign(ctx, store.Binding{Number: "+15557654322", JID: "late@example.org", Carrier: "twilio"}); err != nil {
		t.Fatal(err)
	}
	var toTrunk []string
	d := sandboxFirst{soft: soft, numbers: nums, trunk: trunkDialer{&toTrunk}}
	tests := []struct {
		name, from, to string
		page           bool
	}{
		{"sandbox user to a held number", "+12015550101", "+15557654321", true},
		{"Twilio user to a held number", "+12015550100", "+15557654321", false},
		{"sandbox user to a number nobody holds", "+12015550101", "+15557654399", false},
		{"sandbox user to a held number now Twilio's", "+12015550101", "+15557654322", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toTrunk = nil
			// Not SDP: the page's side refuses it (488) before ringing.
			_, err := d.Dial(ctx, tt.from, tt.to, []byte("not sdp"), nil)
			var se *trunk.StatusError
			page := errors.As(err, &se) && se.Code == 488
			if page != tt.page || page == (len(toTrunk) == 1) {
				t.Errorf("to the page: %v, to the trunk: %v (err %v); want the page: %v", page, toTrunk, err, tt.page)
			}
		})
	}
}
