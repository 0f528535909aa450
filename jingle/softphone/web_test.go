package softphone

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/switchboard-gw/switchboard/jingle/bridge"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// noRinger refuses nothing and rings nobody: these tests stop before a
// call reaches the bridge.
type noRinger struct{}

func (noRinger) Ring(context.Context, bridge.Incoming) {}

func do(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// The page's API refuses bad input with a status and a message, and a
// number belongs to one live page at a time.
func TestAPI(t *testing.T) {
	p := New(Settings{LineIdle: time.Hour})
	p.SetRinger(noRinger{})
	h := p.Handler()
	code, out := do(t, h, "POST", "/sandbox/phone/lines", `{"number":"+1 201 555 0123"}`)
	if code != 201 || out["number"] != "+12015550123" {
		t.Fatalf("open: %d %v", code, out)
	}
	line := out["line"].(string)
	if !p.Has("+12015550123") {
		t.Error("Has is false for a held number")
	}
	tests := []struct {
		name, method, path, body string
		code                     int
		msg                      string
	}{
		{"held elsewhere", "POST", "/sandbox/phone/lines", `{"number":"+12015550123"}`, 409, "in use"},
		{"not a number", "POST", "/sandbox/phone/lines", `{"number":"hello"}`, 400, "not a phone number"},
		{"bad json", "POST", "/sandbox/phone/lines", `{`, 400, "bad JSON"},
		{"unknown line", "GET", "/sandbox/phone/lines/nope/events", ``, 404, "holds no number"},
		{"call without a line", "POST", "/sandbox/phone/lines/null/calls", `{"to":"+12015550100","sdp":""}`, 404, "take a number first"},
		{"call a non-number", "POST", "/sandbox/phone/lines/" + line + "/calls", `{"to":"x","sdp":""}`, 400, "not a phone number"},
		{"call without G.711", "POST", "/sandbox/phone/lines/" + line + "/calls", `{"to":"+12015550100","sdp":"v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"}`, 400, "G.711"},
		{"answer no call", "POST", "/sandbox/phone/lines/" + line + "/calls/nope/answer", `{"sdp":""}`, 404, "no such call"},
		{"hang up no call", "POST", "/sandbox/phone/lines/" + line + "/calls/nope/hangup", ``, 404, "no such call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := do(t, h, tt.method, tt.path, tt.body)
			msg, _ := out["error"].(string)
			if code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Errorf("%d %q, want %d with %q", code, msg, tt.code, tt.msg)
			}
		})
	}
	if code, _ := do(t, h, "DELETE", "/sandbox/phone/lines/"+line, ""); code != 204 {
		t.Errorf("close: %d", code)
	}
	if p.Has("+12015550123") {
		t.Error("Has is true after the line closed")
	}
	if code, _ := do(t, h, "POST", "/sandbox/phone/lines", `{"number":"+12015550123"}`); code != 201 {
		t.Errorf("reopen: %d", code)
	}
}

// A page that stopped polling gives its number up.
func TestIdleLineGivesWay(t *testing.T) {
	p := New(Settings{LineIdle: time.Nanosecond})
	h := p.Handler()
	if code, _ := do(t, h, "POST", "/sandbox/phone/lines", `{"number":"+12015550123"}`); code != 201 {
		t.Fatal(code)
	}
	time.Sleep(time.Millisecond)
	if p.Has("+12015550123") {
		t.Error("an idle line still holds its number")
	}
	if code, _ := do(t, h, "POST", "/sandbox/phone/lines", `{"number":"+12015550123"}`); code != 201 {
		t.Errorf("the idle line did not give way: %d", code)
	}
}

// A refused call reads as words on the page, never as a SIP status line.
func TestRefusalWords(t *testing.T) {
	for code, want := range map[int]string{
		486: "Busy", 600: "Busy", 603: "Declined", 480: "No answer", 408: "No answer",
		487: "Cancelled", 404: "Number not found: not on this gateway", 503: "Gateway unavailable",
		488: "Call failed (code 488)", 500: "Call failed (code 500)",
	} {
		if got := refusal(code); got != want {
			t.Errorf("refusal(%d) = %q, want %q", code, got, want)
		}
	}
}
