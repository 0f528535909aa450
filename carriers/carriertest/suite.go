// Package carriertest is the conformance suite every carrier adapter runs:
// one table of behaviours (sending, limits, statuses, failure codes,
// inbound webhooks, forgery, errors, secrets), checked the same way for
// each carrier against its own API definition or SDK. An adapter's test
// describes its carrier in a Harness and calls Run.
//
// Most carriers speak HTTP: the suite sends through a validating mock of
// their API, injects errors with an HTTP server of its own, and feeds
// webhooks to the adapter's handler. A carrier that holds a connection of
// its own instead (carriers.Runner: SMPP) is run for the suite's life,
// and its harness sets the hooks that do the same through that
// connection: Errors, Deliver and Receipt.
package carriertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	icarriertest "github.com/switchboard-gw/switchboard/internal/carriertest"
)

// Harness describes one carrier to the suite.
type Harness struct {
	// New builds the adapter calling the carrier's API at api, expecting
	// its webhooks at public (the gateway's public URL), logging to log.
	New func(t *testing.T, api, public string, log *slog.Logger) carriers.Carrier
	// API starts a validating mock of the carrier's API (Prism serving
	// its own definition, or a recorder checked against its SDK) and
	// returns its base URL, or, for a carrier that is not HTTP, its
	// server's address (an independent SMSC's host:port). Sends the
	// definition refuses fail the suite.
	API func(t *testing.T) string
	// ErrorBody is the carrier's error answer for an HTTP status.
	ErrorBody func(status int) (contentType, body string)
	// Errors, for carriers that do not speak HTTP, replaces ErrorBody and
	// the suite's error server: it makes the carrier's server fail sends
	// the way an HTTP API fails with status (or leaves them unanswered
	// with hang) until the test ends, and returns the address to give
	// New. Probe and Retry-After are not checked then: they have no such
	// failure to mirror.
	Errors func(t *testing.T, status int, hang bool) (api string)

	// Inbound builds the carrier's webhook for an inbound message to the
	// gateway at public, authenticated as the carrier does it.
	Inbound func(t *testing.T, public string, m carriers.Message) *http.Request
	// Report builds the carrier's delivery report webhook for message id
	// in the carrier's own status word, with a failure code (or "").
	Report func(t *testing.T, public, id, status, code string) *http.Request
	// Tamper returns a copy of an authenticated webhook whose content no
	// longer matches its signature or credentials.
	Tamper func(t *testing.T, r *http.Request) *http.Request
	// Unauthenticated strips the webhook's signature or credentials.
	Unauthenticated func(r *http.Request)
	// Replayed builds a webhook signed outside the carrier's timestamp
	// tolerance; nil for carriers without one.
	Replayed func(t *testing.T, public string, m carriers.Message) *http.Request

	// Deliver and Receipt replace Inbound and Report for carriers that
	// take traffic over their own connection (carriers.Runner): they have
	// the carrier's server send an inbound message, or a delivery report
	// for id in the carrier's status word with a failure code (or ""),
	// and return once the adapter has acknowledged it. Such a protocol
	// may give inbound messages no id; the suite then checks that the
	// adapter passes none rather than the one it cannot know. Forgery is
	// not checked for them: the gateway dials and authenticates the
	// carrier itself, and listens for nothing a forger could reach.
	Deliver func(t *testing.T, m carriers.Message)
	Receipt func(t *testing.T, id, status, code string)

	// Statuses maps every status word the carrier documents to the
	// shared state.
	Statuses map[string]carriers.State
	// Codes maps the carrier's failure codes for (at least) opt-out,
	// unreachable, blocked, unregistered and invalid onto shared reasons.
	Codes map[string]carriers.Reason
	// Secrets must never appear in the adapter's logs.
	Secrets []string
}

// The numbers the suite texts with: valid North American numbers.
const (
	gatewayNum = "+12015550100"
	phoneNum   = "+12015550123"
	otherNum   = "+12015550124"
)

// Run runs the whole suite against h.
func Run(t *testing.T, h Harness) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api := h.API(t)
	public := "https://gateway.example.org"
	recv := &icarriertest.Receiver{}
	c := Start(t, h.New(t, api, public, log), recv)
	lim := c.Limits()

	t.Run("limits", func(t *testing.T) {
		if lim.MaxBodyChars <= 0 {
			t.Error("the adapter declares no body limit")
		}
		if lim.MaxMedia > 0 && lim.MaxMediaBytes <= 0 {
			t.Error("the adapter takes media but declares no size limit")
		}
	})
	t.Run("send", func(t *testing.T) { sendTable(t, c, lim) })
	t.Run("probe", func(t *testing.T) {
		p, ok := c.(carriers.Prober)
		if !ok {
			t.Skip("the adapter cannot check its credentials")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := p.Probe(ctx); err != nil {
			t.Errorf("Probe: %v", err)
		}
	})
	t.Run("errors", func(t *testing.T) { errorTable(t, h, public, log) })
	if wh, ok := c.(carriers.Webhooks); ok {
		handler := wh.Handler(recv)
		ch := channel{
			report: func(t *testing.T, id, status, code string) {
				if w := serve(handler, h.Report(t, public, id, status, code)); w.Code/100 != 2 {
					t.Fatalf("report answered %d: %s", w.Code, w.Body)
				}
			},
			inbound: func(t *testing.T, m carriers.Message) {
				if w := serve(handler, h.Inbound(t, public, m)); w.Code/100 != 2 {
					t.Fatalf("webhook answered %d: %s", w.Code, w.Body)
				}
			},
			ids: true,
		}
		t.Run("statuses", func(t *testing.T) { statusTable(t, h, ch, recv) })
		t.Run("inbound", func(t *testing.T) { inboundTable(t, ch, recv, lim) })
		t.Run("forgery", func(t *testing.T) { forgeryTable(t, h, handler, recv, public) })
	} else if _, ok := c.(carriers.Runner); ok && h.Deliver != nil && h.Receipt != nil {
		ch := channel{report: h.Receipt, inbound: h.Deliver}
		t.Run("statuses", func(t *testing.T) { statusTable(t, h, ch, recv) })
		t.Run("inbound", func(t *testing.T) { inboundTable(t, ch, recv, lim) })
		t.Run("forgery", func(t *testing.T) {
			t.Skip("the adapter dials and authenticates its carrier; nothing listens for a forger to reach")
		})
	} else {
		t.Error("the adapter takes no inbound traffic: neither Webhooks nor a Runner with the harness's Deliver and Receipt")
	}
	t.Run("secrets", func(t *testing.T) {
		for _, s := range h.Secrets {
			if s != "" && strings.Contains(logs.String(), s) {
				t.Errorf("a secret appears in the logs:\n%s", logs.String())
			}
		}
	})
}

// channel is how the suite hands the adapter inbound traffic: webhooks, or
// the carrier's own connection.
type channel struct {
	report  func(t *testing.T, id, status, code string)
	inbound func(t *testing.T, m carriers.Message)
	ids     bool // inbound messages carry the carrier's id
}

// Start runs a carriers.Runner until the test ends, handing its traffic to
// recv, and returns c; other carriers need no running.
func Start(t *testing.T, c carriers.Carrier, recv carriers.Receiver) carriers.Carrier {
	r, ok := c.(carriers.Runner)
	if !ok {
		return c
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, recv) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return c
}

func sendTable(t *testing.T, c carriers.Carrier, lim carriers.Limits) {
	tests := []struct {
		name string
		msg  carriers.Message
		skip bool
	}{
		{"text", carriers.Message{From: gatewayNum, To: phoneNum, Body: "hello from the suite"}, false},
		{"unicode", carriers.Message{From: gatewayNum, To: phoneNum, Body: "héllo ✓ 👋🏽 <&> \"quotes\""}, false},
		{"mms", carriers.Message{From: gatewayNum, To: phoneNum, Body: "a picture", Media: []carriers.Media{{URL: "https://files.example.org/a.jpg", Type: "image/jpeg"}}}, lim.MaxMedia == 0},
		{"media only", carriers.Message{From: gatewayNum, To: phoneNum, Media: []carriers.Media{{URL: "https://files.example.org/a.png", Type: "image/png"}}}, lim.MaxMedia == 0},
		{"group", carriers.Message{From: gatewayNum, To: phoneNum, Cc: []string{otherNum}, Body: "to you both"}, !lim.Group()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip {
				t.Skip("not supported by this carrier (its Limits say so)")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			tt.msg.Key = "suite-" + tt.name
			id, err := c.Send(ctx, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if id == "" {
				t.Error("Send returned no message id")
			}
		})
	}
	if !lim.Group() {
		t.Run("group refused", func(t *testing.T) {
			_, err := c.Send(context.Background(), carriers.Message{From: gatewayNum, To: phoneNum, Cc: []string{otherNum}, Body: "x"})
			if !errors.Is(err, carriers.ErrRejected) {
				t.Errorf("a group text to a carrier without groups: %v; want a rejection", err)
			}
		})
	}
}

// errorTable points the adapter at a server answering with errors.
func errorTable(t *testing.T, h Harness, public string, log *slog.Logger) {
	tests := []struct {
		name   string
		status int
		hang   bool
		want   error
	}{
		{"400 rejected", http.StatusBadRequest, false, carriers.ErrRejected},
		{"401 rejected", http.StatusUnauthorized, false, carriers.ErrRejected},
		{"429 unavailable", http.StatusTooManyRequests, false, carriers.ErrUnavailable},
		{"500 unavailable", http.StatusInternalServerError, false, carriers.ErrUnavailable},
		{"503 unavailable", http.StatusServiceUnavailable, false, carriers.ErrUnavailable},
		{"timeout unavailable", 0, true, carriers.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h.Errors != nil {
				c := Start(t, h.New(t, h.Errors(t, tt.status, tt.hang), public, log), &icarriertest.Receiver{})
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if _, err := c.Send(ctx, carriers.Message{From: gatewayNum, To: phoneNum, Body: "x"}); !errors.Is(err, tt.want) {
					t.Fatalf("Send: %v; want %v", err, tt.want)
				}
				return
			}
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.hang {
					select {
					case <-release:
					case <-r.Context().Done():
					}
					return
				}
				ct, body := h.ErrorBody(tt.status)
				w.Header().Set("Content-Type", ct)
				if tt.status == http.StatusTooManyRequests {
					w.Header().Set("Retry-After", "7")
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, body)
			}))
			defer srv.Close()
			defer close(release)
			c := h.New(t, srv.URL, public, log)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, err := c.Send(ctx, carriers.Message{From: gatewayNum, To: phoneNum, Body: "x"})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Send: %v; want %v", err, tt.want)
			}
			if p, ok := c.(carriers.Prober); ok {
				if perr := p.Probe(ctx); !errors.Is(perr, tt.want) {
					t.Errorf("Probe: %v; want %v", perr, tt.want)
				}
			}
			// An error answer to a lookup must stay an error: read as "not
			// found", the outbox would send the message a second time.
			if f, ok := c.(carriers.Finder); ok {
				id, found, ferr := f.Find(ctx, carriers.Message{From: gatewayNum, To: phoneNum, Body: "x"}, time.Now().Add(-time.Minute))
				if !errors.Is(ferr, tt.want) || found || id != "" {
					t.Errorf("Find = %q, %v, %v; want %v", id, found, ferr, tt.want)
				}
			}
			var ce *carriers.Error
			if tt.status == http.StatusTooManyRequests && errors.As(err, &ce) && ce.RetryAfter != 7*time.Second {
				t.Errorf("Retry-After: %v; want 7s", ce.RetryAfter)
			}
		})
	}
}

// serve runs one webhook through the handler.
func serve(handler http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	return w
}

func statusTable(t *testing.T, h Harness, ch channel, recv *icarriertest.Receiver) {
	for word, want := range h.Statuses {
		t.Run("status "+word, func(t *testing.T) {
			before := len(recv.Statuses())
			id := "SM" + strings.Repeat("a", 32)
			ch.report(t, id, word, "")
			got := recv.Statuses()
			if len(got) != before+1 || got[len(got)-1].State != want || got[len(got)-1].ID != id {
				t.Errorf("status %q: got %+v; want state %s for %s", word, got[before:], want, id)
			}
		})
	}
	for code, want := range h.Codes {
		t.Run("code "+code, func(t *testing.T) {
			before := len(recv.Statuses())
			failed := ""
			for word, st := range h.Statuses {
				if st == carriers.StateFailed {
					failed = word
					break
				}
			}
			ch.report(t, "SM"+strings.Repeat("b", 32), failed, code)
			got := recv.Statuses()
			if len(got) != before+1 || got[len(got)-1].Reason != want || got[len(got)-1].ErrorCode != code {
				t.Errorf("code %s: got %+v; want reason %q", code, got[before:], want)
			}
		})
	}
}

func inboundTable(t *testing.T, ch channel, recv *icarriertest.Receiver, lim carriers.Limits) {
	tests := []struct {
		name string
		msg  carriers.Message
		skip bool
	}{
		{"text", carriers.Message{ID: "SM" + strings.Repeat("1", 32), From: phoneNum, To: gatewayNum, Body: "hi there"}, false},
		{"unicode", carriers.Message{ID: "SM" + strings.Repeat("2", 32), From: phoneNum, To: gatewayNum, Body: "héllo ✓ 👋🏽 & <x>"}, false},
		{"mms", carriers.Message{ID: "MM" + strings.Repeat("3", 32), From: phoneNum, To: gatewayNum, Body: "look",
			Media: []carriers.Media{{URL: "https://media.example.org/1", Type: "image/jpeg"}}}, lim.MaxMedia == 0},
		{"group", carriers.Message{ID: "MM" + strings.Repeat("4", 32), From: phoneNum, To: gatewayNum, Cc: []string{otherNum}, Body: "all of us"}, !lim.Group()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip {
				t.Skip("not supported by this carrier")
			}
			before := len(recv.Messages())
			for range 2 { // carriers retry: a duplicate is passed on as the same message
				ch.inbound(t, tt.msg)
			}
			got := recv.Messages()[before:]
			if len(got) != 2 {
				t.Fatalf("the receiver got %d messages; want the message and its duplicate", len(got))
			}
			m := got[0]
			wantID := tt.msg.ID
			if !ch.ids {
				wantID = ""
			}
			if m.ID != wantID || m.From != tt.msg.From || m.To != tt.msg.To || m.Body != tt.msg.Body || got[1].ID != m.ID {
				t.Errorf("got %+v; want %+v", m, tt.msg)
			}
			if len(m.Media) != len(tt.msg.Media) || len(m.Cc) != len(tt.msg.Cc) {
				t.Errorf("media %v cc %v; want %v %v", m.Media, m.Cc, tt.msg.Media, tt.msg.Cc)
			}
		})
	}
}

func forgeryTable(t *testing.T, h Harness, handler http.Handler, recv *icarriertest.Receiver, public string) {
	m := carriers.Message{ID: "SM" + strings.Repeat("9", 32), From: phoneNum, To: gatewayNum, Body: "forged"}
	tests := []struct {
		name string
		req  func(t *testing.T) *http.Request
	}{
		{"unsigned", func(t *testing.T) *http.Request { r := h.Inbound(t, public, m); h.Unauthenticated(r); return r }},
		{"tampered", func(t *testing.T) *http.Request { return h.Tamper(t, h.Inbound(t, public, m)) }},
		{"forged report", func(t *testing.T) *http.Request {
			r := h.Report(t, public, "SM"+strings.Repeat("c", 32), "delivered", "")
			h.Unauthenticated(r)
			return r
		}},
	}
	if h.Replayed != nil {
		tests = append(tests, struct {
			name string
			req  func(t *testing.T) *http.Request
		}{"replayed", func(t *testing.T) *http.Request { return h.Replayed(t, public, m) }})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, sts := len(recv.Messages()), len(recv.Statuses())
			if w := serve(handler, tt.req(t)); w.Code/100 == 2 {
				t.Errorf("answered %d; want a refusal", w.Code)
			}
			if len(recv.Messages()) != msgs || len(recv.Statuses()) != sts {
				t.Error("a forged webhook reached the gateway")
			}
		})
	}
}

// syncBuffer is a log sink the adapter may write from any goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
