package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// do sends a request as the page does: with its token, and JSON.
func do(c *Carrier, h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set(TokenHeader, c.Token())
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// start is a sandbox with a recording gateway behind it, closed when the
// test ends.
func start(t *testing.T, set Settings) (*Carrier, *carriertest.Receiver, http.Handler) {
	t.Helper()
	c := New(set)
	t.Cleanup(func() { _ = c.Close() })
	r := &carriertest.Receiver{}
	return c, r, c.Handler(r)
}

// post posts body to the API path on a new sandbox and checks the answer's
// code and that its body contains wantBody.
func post(t *testing.T, path, body string, want int, wantBody string) (*Carrier, http.Handler) {
	t.Helper()
	c, _, h := start(t, Settings{})
	w := do(c, h, http.MethodPost, path, body)
	if w.Code != want || !strings.Contains(w.Body.String(), wantBody) {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	return c, h
}

// waitStatuses waits until r has n delivery reports.
func waitStatuses(t *testing.T, r *carriertest.Receiver, n int, within time.Duration) []carriers.Status {
	t.Helper()
	deadline := time.After(within)
	for {
		changed := r.Changed()
		if s := r.Statuses(); len(s) >= n {
			return s
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("want %d reports within %v, got %+v", n, within, r.Statuses())
		}
	}
}

func TestSendReportsDelivery(t *testing.T) {
	c, r, _ := start(t, Settings{})
	id, err := c.Send(context.Background(), carriers.Message{From: "+12015550100", To: "+12015550123", Body: "hi"})
	if err != nil || !strings.HasPrefix(id, "SB") {
		t.Fatalf("Send = %q, %v", id, err)
	}
	es, _ := c.Since(0)
	if len(es) != 1 || es[0].Dir != "out" || es[0].Body != "hi" || es[0].Status != "queued" {
		t.Fatalf("entries = %+v", es)
	}
	s := waitStatuses(t, r, 2, 5*time.Second)
	if s[0].ID != id || s[0].State != carriers.StateSent || s[1].State != carriers.StateDelivered || s[1].Carrier != Name {
		t.Fatalf("statuses = %+v", s)
	}
	// The page hears of the change: the entry's Rev moved past its Seq.
	es, _ = c.Changed(es[0].Rev)
	if len(es) != 1 || es[0].Status != "delivered" || es[0].Rev <= es[0].Seq {
		t.Fatalf("changed entries = %+v", es)
	}
}

func TestSendAPI(t *testing.T) {
	const gw, phone, other = "+12015550100", "+12015550123", "+12015550124"
	long := strings.Repeat("é", 1601)
	tests := []struct {
		name, body string
		recvErr    error
		want       int
		wantErr    string
		wantCc     []string
		wantCopies int // messages the gateway gets beyond the first
	}{
		{name: "ok", body: `{"from":"+1 201 555 0123","to":"+12015550100","body":"hi"}`, want: http.StatusAccepted},
		{name: "not json", body: `hello`, want: http.StatusBadRequest, wantErr: "JSON"},
		{name: "bad from", body: `{"from":"12","to":"+12015550100","body":"hi"}`, want: http.StatusBadRequest, wantErr: "from"},
		{name: "bad to", body: `{"from":"+12015550123","to":"x","body":"hi"}`, want: http.StatusBadRequest, wantErr: "to"},
		{name: "bad cc", body: `{"from":"+12015550123","to":"+12015550100","cc":["nope"],"body":"hi"}`, want: http.StatusBadRequest, wantErr: "cc"},
		{name: "empty body", body: `{"from":"+12015550123","to":"+12015550100","body":" "}`, want: http.StatusBadRequest, wantErr: "body: empty"},
		{name: "over 1600 characters", body: `{"from":"+12015550123","to":"+12015550100","body":"` + long + `"}`, want: http.StatusBadRequest, wantErr: "1601 characters; a message may have at most 1600"},
		{name: "exactly 1600 characters", body: `{"from":"+12015550123","to":"+12015550100","body":"` + long[2:] + `"}`, want: http.StatusAccepted},
		{name: "too big", body: `{"from":"+12015550123","to":"+12015550100","body":"` + strings.Repeat("a", maxBody) + `"}`, want: http.StatusBadRequest},
		{name: "unknown media", body: `{"from":"+12015550123","to":"+12015550100","media":["http://127.0.0.1/sandbox/media/00.png"]}`, want: http.StatusBadRequest, wantErr: "no such picture"},
		{name: "nobody's number", body: `{"from":"+12015550123","to":"+12015550100","body":"hi"}`, recvErr: carriers.ErrUnknownNumber, want: http.StatusNotFound, wantErr: "no user"},
		{name: "gateway down", body: `{"from":"+12015550123","to":"+12015550100","body":"hi"}`, recvErr: errors.New("redis down"), want: http.StatusServiceUnavailable, wantErr: "could not take"},
		{name: "group text", body: `{"from":"+12015550123","to":"+12015550100","cc":["+1 201 555 0124","+12015550123","+12015550124",""],"body":"all"}`,
			want: http.StatusAccepted, wantCc: []string{other}},
		{name: "group text to two gateway numbers", body: `{"from":"+12015550123","to":"+12015550100","cc":["+12015550124","+12015550101"],"body":"all"}`,
			want: http.StatusAccepted, wantCc: []string{other, "+12015550101"}, wantCopies: 1},
		{name: "group over 10 recipients", body: `{"from":"+12015550123","to":"+12015550100","cc":["+12015550130","+12015550131","+12015550132","+12015550133","+12015550134","+12015550135","+12015550136","+12015550137","+12015550138","+12015550139"],"body":"x"}`,
			want: http.StatusBadRequest, wantErr: "at most 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &carriertest.Receiver{Err: tt.recvErr}
			c := New(Settings{Numbers: func(context.Context) ([]string, error) { return []string{gw, "+12015550101"}, nil }})
			t.Cleanup(func() { _ = c.Close() })
			w := do(c, c.Handler(r), http.MethodPost, "/sandbox/api/send", tt.body)
			if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.wantErr) {
				t.Fatalf("got %d %s", w.Code, w.Body)
			}
			if tt.want != http.StatusAccepted {
				if len(r.Messages()) != 0 {
					t.Fatal("refused message delivered")
				}
				return
			}
			m := r.Messages()
			if len(m) != 1+tt.wantCopies || m[0].From != phone || m[0].To != gw || m[0].Carrier != Name || m[0].ID == "" {
				t.Fatalf("delivered %+v", m)
			}
			if strings.Join(m[0].Cc, ",") != strings.Join(tt.wantCc, ",") {
				t.Fatalf("cc = %v, want %v", m[0].Cc, tt.wantCc)
			}
			if tt.wantCopies == 1 {
				// The other gateway number gets its own copy, with the
				// first recipient among its others.
				if m[1].To != "+12015550101" || m[1].ID == m[0].ID || strings.Join(m[1].Cc, ",") != gw+","+other {
					t.Fatalf("copy = %+v", m[1])
				}
			}
			es, _ := c.Since(0)
			if len(es) != 1 || es[0].Status != "accepted" || strings.Join(es[0].Cc, ",") != strings.Join(tt.wantCc, ",") {
				t.Fatalf("entries = %+v", es)
			}
		})
	}
}

func TestMessagesAndNumbers(t *testing.T) {
	c, _, h := start(t, Settings{Numbers: func(context.Context) ([]string, error) { return []string{"+12015550100"}, nil }})
	if w := do(c, h, http.MethodGet, "/sandbox/api/numbers", ""); !strings.Contains(w.Body.String(), "+12015550100") {
		t.Fatalf("numbers: %s", w.Body)
	}
	if w := do(c, h, http.MethodGet, "/sandbox/api/limits", ""); !strings.Contains(w.Body.String(), `"max_body_chars":1600`) || !strings.Contains(w.Body.String(), `"max_recipients":10`) {
		t.Fatalf("limits: %s", w.Body)
	}
	if w := do(c, h, http.MethodGet, "/sandbox/api/messages?after=0", ""); strings.TrimSpace(w.Body.String()) != "[]" {
		t.Fatalf("empty list: %s", w.Body)
	}
	// A long poll wakes when a message arrives.
	done := make(chan []Entry)
	go func() {
		w := do(c, h, http.MethodGet, "/sandbox/api/messages?after=0&wait=1", "")
		var es []Entry
		_ = json.Unmarshal(w.Body.Bytes(), &es)
		done <- es
	}()
	time.Sleep(50 * time.Millisecond)
	_, _ = c.Send(context.Background(), carriers.Message{From: "+12015550100", To: "+12015550123", Body: "wake"})
	var rev int64
	select {
	case es := <-done:
		if len(es) != 1 || es[0].Body != "wake" {
			t.Fatalf("long poll got %+v", es)
		}
		rev = es[0].Rev
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not wake")
	}
	// A poll by rev wakes when its status changes; one by seq does not
	// see the old message again.
	w := do(c, h, http.MethodGet, "/sandbox/api/messages?wait=1&rev="+strconv.FormatInt(rev, 10), "")
	var es []Entry
	if err := json.Unmarshal(w.Body.Bytes(), &es); err != nil || len(es) != 1 || es[0].Status == "queued" {
		t.Fatalf("poll by rev: %s", w.Body)
	}
	if w := do(c, h, http.MethodGet, "/sandbox/api/messages?after=1", ""); strings.TrimSpace(w.Body.String()) != "[]" {
		t.Fatalf("poll by seq: %s", w.Body)
	}
	if w := do(c, h, http.MethodGet, "/sandbox/?token="+c.Token(), ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<title>") {
		t.Fatalf("page: %d", w.Code)
	}
}

// TestRetention: the sandbox forgets messages past its count and age limits.
func TestRetention(t *testing.T) {
	c := New(Settings{Keep: 3, TTL: 200 * time.Millisecond})
	for i := range 5 {
		c.add(Entry{Dir: "out", Body: string(rune('a' + i))})
	}
	es, _ := c.Since(0)
	if len(es) != 3 || es[0].Body != "c" {
		t.Fatalf("kept %+v", es)
	}
	time.Sleep(250 * time.Millisecond)
	if es, _ := c.Since(0); len(es) != 0 {
		t.Fatalf("expired messages kept: %+v", es)
	}
}

// TestSendLimits: what Twilio would refuse, the sandbox refuses, with its
// codes, and the page shows why.
func TestSendLimits(t *testing.T) {
	pics := func(n int, typ string) []carriers.Media {
		var ms []carriers.Media
		for range n {
			ms = append(ms, carriers.Media{URL: "https://up.example/p.png", Type: typ})
		}
		return ms
	}
	tests := []struct {
		name       string
		m          carriers.Message
		wantCode   string
		wantReason carriers.Reason
	}{
		{name: "1601 characters", m: carriers.Message{Body: strings.Repeat("€", 1601)}, wantCode: "21617", wantReason: carriers.ReasonTooLarge},
		{name: "empty", m: carriers.Message{}, wantCode: "21602"},
		{name: "11 pictures", m: carriers.Message{Media: pics(11, "image/png")}, wantReason: carriers.ReasonTooLarge},
		{name: "not a picture", m: carriers.Message{Media: pics(1, "application/pdf")}},
		{name: "11 recipients", m: carriers.Message{Body: "x", Cc: strings.Split("+12015550130,+12015550131,+12015550132,+12015550133,+12015550134,+12015550135,+12015550136,+12015550137,+12015550138,+12015550139", ",")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r, _ := start(t, Settings{})
			tt.m.From, tt.m.To = "+12015550100", "+12015550123"
			_, err := c.Send(context.Background(), tt.m)
			var ce *carriers.Error
			if !errors.As(err, &ce) || !errors.Is(err, carriers.ErrRejected) || ce.Code != tt.wantCode || ce.Reason != tt.wantReason {
				t.Fatalf("Send = %v (%+v)", err, ce)
			}
			es, _ := c.Since(0)
			if len(es) != 1 || es[0].Status != "failed" || !strings.HasPrefix(es[0].Note, "refused: ") || es[0].ReasonText == "" {
				t.Fatalf("entries = %+v", es)
			}
			time.Sleep(2 * sentAfter)
			if s := r.Statuses(); len(s) != 0 {
				t.Fatalf("a refused message got reports: %+v", s)
			}
		})
	}
	// Ten pictures to ten numbers is within the limits.
	c, _, _ := start(t, Settings{})
	m := carriers.Message{From: "+12015550100", To: "+12015550123", Media: pics(10, ""),
		Cc: strings.Split("+12015550130,+12015550131,+12015550132,+12015550133,+12015550134,+12015550135,+12015550136,+12015550137,+12015550138", ",")}
	if _, err := c.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if l := c.Limits(); !l.Group() || !l.Delivery || l.MaxMediaBytes != 5<<20 || l.PerNumber != 0 {
		t.Fatalf("limits %+v", l)
	}
}
