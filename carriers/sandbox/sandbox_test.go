package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
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

func TestSendReportsDelivery(t *testing.T) {
	c := New(Settings{})
	r := &carriertest.Receiver{}
	changed := r.Changed()
	c.Handler(r)
	id, err := c.Send(context.Background(), carriers.Message{From: "+12015550100", To: "+12015550123", Body: "hi"})
	if err != nil || !strings.HasPrefix(id, "SB") {
		t.Fatalf("Send = %q, %v", id, err)
	}
	select {
	case <-changed:
		s := r.Statuses()[0]
		if s.ID != id || s.State != carriers.StateDelivered || s.Carrier != Name {
			t.Fatalf("status = %+v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery report")
	}
	es, _ := c.Since(0)
	if len(es) != 1 || es[0].Dir != "out" || es[0].Body != "hi" {
		t.Fatalf("entries = %+v", es)
	}
}

func TestSendAPI(t *testing.T) {
	tests := []struct {
		name, body string
		recvErr    error
		want       int
		wantErr    string
	}{
		{name: "ok", body: `{"from":"+1 201 555 0123","to":"+12015550100","body":"hi"}`, want: http.StatusAccepted},
		{name: "not json", body: `hello`, want: http.StatusBadRequest, wantErr: "JSON"},
		{name: "bad from", body: `{"from":"12","to":"+12015550100","body":"hi"}`, want: http.StatusBadRequest, wantErr: "from"},
		{name: "bad to", body: `{"from":"+12015550123","to":"x","body":"hi"}`, want: http.StatusBadRequest, wantErr: "to"},
		{name: "empty body", body: `{"from":"+12015550123","to":"+12015550100","body":" "}`, want: http.StatusBadRequest, wantErr: "body"},
		{name: "too big", body: `{"from":"+12015550123","to":"+12015550100","body":"` + strings.Repeat("a", maxBody) + `"}`, want: http.StatusBadRequest},
		{name: "nobody's number", body: `{"from":"+12015550123","to":"+12015550100","body":"hi"}`, recvErr: carriers.ErrUnknownNumber, want: http.StatusNotFound, wantErr: "no user"},
		{name: "gateway down", body: `{"from":"+12015550123","to":"+12015550100","body":"hi"}`, recvErr: errors.New("redis down"), want: http.StatusServiceUnavailable, wantErr: "could not take"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &carriertest.Receiver{Err: tt.recvErr}
			c := New(Settings{})
			w := do(c, c.Handler(r), http.MethodPost, "/sandbox/api/send", tt.body)
			if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.wantErr) {
				t.Fatalf("got %d %s", w.Code, w.Body)
			}
			if tt.want == http.StatusAccepted {
				if m := r.Messages(); len(m) != 1 || m[0].From != "+12015550123" || m[0].Carrier != Name || m[0].ID == "" {
					t.Fatalf("delivered %+v", m)
				}
			} else if len(r.Messages()) != 0 {
				t.Fatal("refused message delivered")
			}
		})
	}
}

func TestMessagesAndNumbers(t *testing.T) {
	c := New(Settings{Numbers: func(context.Context) ([]string, error) { return []string{"+12015550100"}, nil }})
	h := c.Handler(&carriertest.Receiver{})
	if w := do(c, h, http.MethodGet, "/sandbox/api/numbers", ""); !strings.Contains(w.Body.String(), "+12015550100") {
		t.Fatalf("numbers: %s", w.Body)
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
	select {
	case es := <-done:
		if len(es) != 1 || es[0].Body != "wake" {
			t.Fatalf("long poll got %+v", es)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not wake")
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
