package softphone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// lineCount is how many lines the phone holds, idle ones reaped.
func lineCount(p *Phone) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reapLocked()
	return len(p.lines)
}

// TestLineCap: pages cannot open lines without end. Before, 2000 lines
// opened in a second were all kept, and never reaped.
func TestLineCap(t *testing.T) {
	p := New(Settings{LineIdle: time.Hour})
	h := p.Handler()
	created, refused := 0, 0
	start := time.Now()
	for i := range 2000 {
		code, out := do(t, h, "POST", "/sandbox/phone/lines", fmt.Sprintf(`{"number":"+1201555%04d"}`, i))
		switch code {
		case 201:
			if refused > 0 {
				t.Fatalf("line %d opened after a refusal", i)
			}
			created++
		case 429:
			if msg, _ := out["error"].(string); !strings.Contains(msg, "too many") {
				t.Fatalf("429 says %q", msg)
			}
			refused++
		default:
			t.Fatalf("line %d: %d %v", i, code, out)
		}
	}
	if created != 50 || refused != 1950 || lineCount(p) != 50 {
		t.Fatalf("%d lines opened, %d refused, %d held; want 50, 1950, 50", created, refused, lineCount(p))
	}
	t.Logf("2000 requests in %v", time.Since(start))
}

// TestIdleLinesReaped: a line whose page stopped polling is released,
// and makes room under the cap; a page waiting in a long poll is not
// idle however long the poll lasts.
func TestIdleLinesReaped(t *testing.T) {
	const idle = 100 * time.Millisecond
	p := New(Settings{LineIdle: idle, MaxLines: 3})
	h := p.Handler()
	var lines []string
	for i := range 3 {
		code, out := do(t, h, "POST", "/sandbox/phone/lines", fmt.Sprintf(`{"number":"+120155501%02d"}`, i))
		if code != 201 {
			t.Fatalf("open %d: %d %v", i, code, out)
		}
		lines = append(lines, out["line"].(string))
	}
	if code, _ := do(t, h, "POST", "/sandbox/phone/lines", `{"number":"+12015550199"}`); code != 429 {
		t.Fatalf("a fourth line: %d, want 429", code)
	}
	// The first page keeps polling (one long poll outlasting the idle time);
	// the others go away.
	ctx, cancel := context.WithTimeout(context.Background(), 3*idle)
	defer cancel()
	polled := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, "GET", "/sandbox/phone/lines/"+lines[0]+"/events?after=0", nil))
		polled <- rec.Code
	}()
	time.Sleep(2 * idle)
	if n := lineCount(p); n != 1 {
		t.Errorf("%d lines after the idle time, want 1 (the polling page's)", n)
	}
	if !p.Has("+12015550100") || p.Has("+12015550101") {
		t.Error("want the polling page's number held and the idle pages' released")
	}
	if code, _ := do(t, h, "GET", "/sandbox/phone/lines/"+lines[1]+"/events?after=0", ""); code != 404 {
		t.Errorf("an idle page's line still answers: %d", code)
	}
	if code, _ := do(t, h, "POST", "/sandbox/phone/lines", `{"number":"+12015550199"}`); code != 201 {
		t.Errorf("no room after the idle lines went: %d", code)
	}
	if code := <-polled; code != 200 {
		t.Errorf("long poll: %d", code)
	}
}

// fakeNumbers plays internal/app's policy: +1201555019x are other
// carriers' users, +1201555018x forwarded ones.
type fakeNumbers struct{}

func (fakeNumbers) MayHold(_ context.Context, n string) error {
	if strings.HasPrefix(n, "+1201555019") {
		return fmt.Errorf("%w: %s is another carrier's number", ErrNotSandbox, n)
	}
	if n == "+12015550177" {
		return errors.New("redis down")
	}
	return nil
}

func (fakeNumbers) MayCall(_ context.Context, n string) error {
	if strings.HasPrefix(n, "+1201555019") || strings.HasPrefix(n, "+1201555018") {
		return fmt.Errorf("%w: calls to %s leave the sandbox", ErrNotSandbox, n)
	}
	return nil
}

// TestNumbersPolicy: a page never takes another carrier's number (it
// would take the calls the gateway places to it) and never calls out of
// the sandbox (a forwarded number would dial the real trunk). Before, a
// page could hold any number and call any number.
func TestNumbersPolicy(t *testing.T) {
	p := New(Settings{LineIdle: time.Hour, Numbers: fakeNumbers{}})
	p.SetRinger(noRinger{})
	h := p.Handler()
	code, out := do(t, h, "POST", "/sandbox/phone/lines", `{"number":"+12015550123"}`)
	if code != 201 {
		t.Fatalf("open: %d %v", code, out)
	}
	line := out["line"].(string)
	offer := `v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n`
	tests := []struct {
		name, path, body string
		code             int
		msg              string
	}{
		{"hold another carrier's number", "/sandbox/phone/lines", `{"number":"+12015550190"}`, 403, "+12015550190 is another carrier's number"},
		{"cannot tell", "/sandbox/phone/lines", `{"number":"+12015550177"}`, 503, "try again"},
		{"call another carrier's user", "/sandbox/phone/lines/" + line + "/calls", `{"to":"+12015550191","sdp":"` + offer + `"}`, 403, "leave the sandbox"},
		{"call a forwarded number", "/sandbox/phone/lines/" + line + "/calls", `{"to":"+12015550180","sdp":"` + offer + `"}`, 403, "leave the sandbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := do(t, h, "POST", tt.path, tt.body)
			msg, _ := out["error"].(string)
			if code != tt.code || !strings.Contains(msg, tt.msg) || strings.Contains(msg, "softphone:") {
				t.Errorf("%d %q, want %d with %q", code, msg, tt.code, tt.msg)
			}
		})
	}
	if p.Has("+12015550190") {
		t.Error("the refused number is held")
	}
}
