package bandwidth

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// callback builds one event with exactly the definition's fields
// (statusCallback / inboundCallback with their required ones).
func callback(typ, to string, msg map[string]any, extra map[string]any) map[string]any {
	m := map[string]any{
		"owner": to, "applicationId": testApp, "time": "2024-12-02T20:15:57.666Z",
		"segmentCount": 1, "direction": "out",
	}
	if typ == "message-received" {
		m["direction"] = "in"
	}
	maps.Copy(m, msg)
	ev := map[string]any{"type": typ, "time": "2024-12-02T20:15:57.278Z", "to": to, "description": "test event", "message": m}
	maps.Copy(ev, extra)
	return ev
}

func post(t *testing.T, h http.Handler, body []byte, auth ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/bandwidth/callbacks", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if len(auth) == 2 {
		req.SetBasicAuth(auth[0], auth[1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// validate posts body to Prism's callback path, which answers 204 only when
// it matches the definition's callback schema.
func validate(t *testing.T, prism *carriertest.Prism, path string, body []byte) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := c.Post(prism.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		t.Fatalf("the definition refuses the fixture (%d): %s", res.StatusCode, b.String())
	}
}

// specExamples returns the definition's own callback examples, by name.
func specExamples(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(carriertest.BandwidthSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Components struct {
			Examples map[string]struct {
				Value json.RawMessage `json:"value"`
			} `json:"examples"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for name, ex := range spec.Components.Examples {
		if strings.HasSuffix(name, "CallbackExample") && strings.Contains(strings.ToLower(name), "message") {
			out[name] = ex.Value
		}
	}
	if len(out) < 8 {
		t.Fatalf("found %d callback examples in the definition: %v", len(out), slices.Sorted(maps.Keys(out)))
	}
	return out
}

// testCallbacks: every callback, Bandwidth's own examples and fixtures built
// on its schema, is first checked against the definition by Prism, then
// handed to the adapter.
func testCallbacks(t *testing.T, prism *carriertest.Prism) {
	const gw, alice, bob, carol = "+12015550100", "+12015550123", "+12015550124", "+12015550125"
	media := "https://messaging.bandwidth.com/api/v2/users/" + testAccount + "/media/14762070468292kw2fuqty55yp2b2/0/bw.png"
	type want struct {
		msgs     []carriers.Message
		statuses []carriers.Status
	}
	tests := []struct {
		name   string
		path   string
		events []any
		want   want
	}{
		{"sms received", "/callbacks/inbound", []any{callback("message-received", gw, map[string]any{"id": "m1", "to": []string{gw}, "from": alice, "text": "hi 👋"}, nil)},
			want{msgs: []carriers.Message{{Carrier: Name, ID: "m1", From: alice, To: gw, Body: "hi 👋"}}}},
		{"mms received", "/callbacks/inbound", []any{callback("message-received", gw, map[string]any{"id": "m2", "to": []string{gw}, "from": alice, "text": "", "media": []string{media}}, nil)},
			want{msgs: []carriers.Message{{Carrier: Name, ID: "m2", From: alice, To: gw, Media: []carriers.Media{{URL: media}}}}}},
		{"group received", "/callbacks/inbound", []any{callback("message-received", gw, map[string]any{"id": "m3", "to": []string{bob, gw, carol}, "from": alice, "text": "all"}, nil)},
			want{msgs: []carriers.Message{{Carrier: Name, ID: "m3", From: alice, To: gw, Cc: []string{bob, carol}, Body: "all"}}}},
		{"duplicates delivered (the gateway de-duplicates)", "/callbacks/inbound", []any{
			callback("message-received", gw, map[string]any{"id": "m4", "to": []string{gw}, "from": alice, "text": "a"}, nil),
			callback("message-received", gw, map[string]any{"id": "m4", "to": []string{gw}, "from": alice, "text": "a"}, nil),
		}, want{msgs: []carriers.Message{{Carrier: Name, ID: "m4", From: alice, To: gw, Body: "a"}, {Carrier: Name, ID: "m4", From: alice, To: gw, Body: "a"}}}},
		{"sending", "/callbacks/status", []any{callback("message-sending", alice, map[string]any{"id": "s1", "owner": gw, "to": []string{alice}, "from": gw, "tag": "job-1"}, nil)},
			want{statuses: []carriers.Status{{Carrier: Name, ID: "s1", State: carriers.StateQueued}}}},
		{"sent", "/callbacks/status", []any{callback("message-sent", alice, map[string]any{"id": "s2", "owner": gw, "to": []string{alice}, "from": gw}, nil)},
			want{statuses: []carriers.Status{{Carrier: Name, ID: "s2", State: carriers.StateSent}}}},
		{"delivered", "/callbacks/status", []any{callback("message-delivered", alice, map[string]any{"id": "s3", "owner": gw, "to": []string{alice}, "from": gw}, nil)},
			want{statuses: []carriers.Status{{Carrier: Name, ID: "s3", State: carriers.StateDelivered}}}},
		{"failed, opted out", "/callbacks/status", []any{callback("message-failed", alice, map[string]any{"id": "s4", "owner": gw, "to": []string{alice}, "from": gw}, map[string]any{"errorCode": 4775, "description": "destination-rejected-due-to-user-opt-out"})},
			want{statuses: []carriers.Status{{Carrier: Name, ID: "s4", State: carriers.StateFailed, ErrorCode: "4775", ErrorText: "destination-rejected-due-to-user-opt-out", Reason: carriers.ReasonOptedOut}}}},
		{"failed, unknown code", "/callbacks/status", []any{callback("message-failed", alice, map[string]any{"id": "s5", "owner": gw, "to": []string{alice}, "from": gw}, map[string]any{"errorCode": 9902, "description": "delivery-receipt-expired"})},
			want{statuses: []carriers.Status{{Carrier: Name, ID: "s5", State: carriers.StateFailed, ErrorCode: "9902", ErrorText: "delivery-receipt-expired"}}}},
		{"several, out of order", "/callbacks/status", []any{
			callback("message-delivered", alice, map[string]any{"id": "s6", "owner": gw, "to": []string{alice}, "from": gw}, nil),
			callback("message-sending", alice, map[string]any{"id": "s6", "owner": gw, "to": []string{alice}, "from": gw}, nil),
			callback("message-delivered", bob, map[string]any{"id": "s7", "owner": gw, "to": []string{alice, bob}, "from": gw, "media": []string{"https://files.example.org/a.jpg"}}, nil),
		}, want{statuses: []carriers.Status{{Carrier: Name, ID: "s6", State: carriers.StateDelivered}, {Carrier: Name, ID: "s6", State: carriers.StateQueued}, {Carrier: Name, ID: "s7", State: carriers.StateDelivered}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := json.Marshal(tt.events)
			if err != nil {
				t.Fatal(err)
			}
			validate(t, prism, tt.path, body)
			rcv := &carriertest.Receiver{}
			h := newTest(t, testSettings("https://messaging.bandwidth.com")).Handler(rcv)
			if w := post(t, h, body, testCbUser, testCbPass); w.Code != http.StatusNoContent {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if got := rcv.Messages(); !equalMessages(got, tt.want.msgs) {
				t.Errorf("messages = %+v, want %+v", got, tt.want.msgs)
			}
			if got := rcv.Statuses(); !slices.Equal(got, tt.want.statuses) {
				t.Errorf("statuses = %+v, want %+v", got, tt.want.statuses)
			}
		})
	}

	// Bandwidth's own examples, each posted as Bandwidth does: in an array.
	for name, ex := range specExamples(t) {
		t.Run("definition example "+name, func(t *testing.T) {
			body := []byte("[" + string(ex) + "]")
			path, inbound := "/callbacks/status", strings.Contains(name, "Received")
			if inbound {
				path = "/callbacks/inbound"
			}
			validate(t, prism, path, body)
			rcv := &carriertest.Receiver{}
			h := newTest(t, testSettings("https://messaging.bandwidth.com")).Handler(rcv)
			if w := post(t, h, body, testCbUser, testCbPass); w.Code != http.StatusNoContent {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			var ev event
			if err := json.Unmarshal(ex, &ev); err != nil {
				t.Fatal(err)
			}
			msgs, sts := rcv.Messages(), rcv.Statuses()
			if inbound {
				if len(msgs) != 1 || len(sts) != 0 || msgs[0].ID != ev.Message.ID || msgs[0].To != ev.To || msgs[0].From != ev.Message.From || slices.Contains(msgs[0].Cc, ev.To) {
					t.Fatalf("messages %+v, statuses %+v", msgs, sts)
				}
				return
			}
			if len(msgs) != 0 || len(sts) != 1 || sts[0].ID != ev.Message.ID {
				t.Fatalf("messages %+v, statuses %+v", msgs, sts)
			}
			if ev.Type == "message-failed" && (sts[0].State != carriers.StateFailed || sts[0].ErrorCode == "" || sts[0].ErrorText == "") {
				t.Fatalf("status %+v", sts[0])
			}
		})
	}
}

func equalMessages(a, b []carriers.Message) bool {
	return slices.EqualFunc(a, b, func(x, y carriers.Message) bool {
		return x.Carrier == y.Carrier && x.ID == y.ID && x.From == y.From && x.To == y.To && x.Body == y.Body &&
			slices.Equal(x.Cc, y.Cc) && slices.Equal(x.Media, y.Media)
	})
}

// TestCallbacksRefused: what is not an authenticated, well-formed array of
// events is refused with a clear 4xx, and nothing is delivered.
func TestCallbacksRefused(t *testing.T) {
	good := `[{"type":"message-delivered","time":"2024-12-02T20:15:57.278Z","to":"+12015550123","description":"ok","message":{"id":"s1","owner":"+12015550100","applicationId":"` + testApp + `","time":"2024-12-02T20:15:57.278Z","segmentCount":1,"direction":"out","to":["+12015550123"],"from":"+12015550100"}}]`
	tests := []struct {
		name   string
		body   string
		auth   []string
		status int
	}{
		{"no credentials", good, nil, http.StatusUnauthorized},
		{"wrong password", good, []string{testCbUser, "guess"}, http.StatusUnauthorized},
		{"wrong user", good, []string{"admin", testCbPass}, http.StatusUnauthorized},
		{"api credentials are not callback credentials", good, []string{testUser, testPass}, http.StatusUnauthorized},
		{"password prefix", good, []string{testCbUser, testCbPass[:len(testCbPass)-1]}, http.StatusUnauthorized},
		{"malformed json", `[{"type":`, []string{testCbUser, testCbPass}, http.StatusBadRequest},
		{"an object, not an array", strings.Trim(good, "[]"), []string{testCbUser, testCbPass}, http.StatusBadRequest},
		{"null", `null`, []string{testCbUser, testCbPass}, http.StatusBadRequest},
		{"empty array", `[]`, []string{testCbUser, testCbPass}, http.StatusBadRequest},
		{"no message id", `[{"type":"message-delivered","to":"+1","message":{}}]`, []string{testCbUser, testCbPass}, http.StatusBadRequest},
		{"no type", `[{"to":"+1","message":{"id":"x"}}]`, []string{testCbUser, testCbPass}, http.StatusBadRequest},
		{"inbound without from", `[{"type":"message-received","to":"+12015550100","message":{"id":"x","to":["+12015550100"]}}]`, []string{testCbUser, testCbPass}, http.StatusBadRequest},
		{"one bad event spoils the batch", strings.TrimSuffix(good, "]") + `,{"type":"message-sent","message":{}}]`, []string{testCbUser, testCbPass}, http.StatusBadRequest},
		{"wrong field type", `[{"type":"message-failed","to":"+1","errorCode":"x","message":{"id":"x"}}]`, []string{testCbUser, testCbPass}, http.StatusBadRequest},
		{"too large", "[" + strings.Repeat(" ", maxCallbacks) + "]", []string{testCbUser, testCbPass}, http.StatusRequestEntityTooLarge},
		{"too many events", "[" + strings.Repeat(strings.Trim(good, "[]")+",", maxEvents) + strings.Trim(good, "[]") + "]", []string{testCbUser, testCbPass}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := &carriertest.Receiver{}
			var logs bytes.Buffer
			set := testSettings("https://messaging.bandwidth.com")
			set.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			h := newTest(t, set).Handler(rcv)
			w := post(t, h, []byte(tt.body), tt.auth...)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			for _, secret := range []string{testCbPass, testPass, "guess", "+12015550123"} {
				if strings.Contains(logs.String(), secret) || strings.Contains(w.Body.String(), secret) {
					t.Fatalf("%q in the logs or the answer:\n%s", secret, logs.String())
				}
			}
			if tt.status == http.StatusUnauthorized && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("WWW-Authenticate = %q", w.Header().Get("WWW-Authenticate"))
			}
			if n := len(rcv.Messages()) + len(rcv.Statuses()); n != 0 {
				t.Fatalf("%d items delivered", n)
			}
		})
	}
	t.Run("wrong method", func(t *testing.T) {
		h := newTest(t, testSettings("")).Handler(&carriertest.Receiver{})
		req := httptest.NewRequest(http.MethodGet, "/bandwidth/callbacks", nil)
		req.SetBasicAuth(testCbUser, testCbPass)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusMethodNotAllowed {
			t.Fatalf("status %d", w.Code)
		}
	})
}

// TestCallbacksReceiverErrors: a gateway that cannot take a message asks
// Bandwidth to retry (503); a number nobody owns is answered, not retried;
// other types are ignored.
func TestCallbacksReceiverErrors(t *testing.T) {
	inbound := `[{"type":"message-received","time":"2024-12-02T20:15:57.278Z","to":"+12015550100","description":"x","message":{"id":"m1","owner":"+12015550100","applicationId":"a","time":"2024-12-02T20:15:57.278Z","segmentCount":1,"direction":"in","to":["+12015550100"],"from":"+12015550123","text":"hi"}}]`
	tests := []struct {
		name   string
		body   string
		err    error
		status int
		n      int
	}{
		{"receiver down", inbound, errors.New("redis: connection refused"), http.StatusServiceUnavailable, 0},
		{"unknown number", inbound, carriers.ErrUnknownNumber, http.StatusNoContent, 0},
		{"rbm response ignored", `[{"type":"suggestion-response","to":"+12015550100","message":{"id":"r1"}}]`, nil, http.StatusNoContent, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := &carriertest.Receiver{Err: tt.err}
			h := newTest(t, testSettings("")).Handler(rcv)
			if w := post(t, h, []byte(tt.body), testCbUser, testCbPass); w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if n := len(rcv.Messages()); n != tt.n {
				t.Fatalf("%d messages", n)
			}
		})
	}
}

// FuzzCallbacks: the parser never panics, and what it accepts has what the
// gateway relies on.
func FuzzCallbacks(f *testing.F) {
	f.Add([]byte(`[{"type":"message-received","to":"+1","message":{"id":"m","from":"+2","to":["+1","+3"],"media":["https://x/y"]}}]`))
	f.Add([]byte(`[{"type":"message-failed","errorCode":4775,"message":{"id":"s"}}]`))
	f.Add([]byte(`[{"type":"message-delivered","message":{"id":"s"}},{"type":"x"}]`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := parseCallbacks(data)
		if err != nil {
			return
		}
		if len(events) == 0 || len(events) > maxEvents {
			t.Fatalf("%d events", len(events))
		}
		for _, ev := range events {
			switch kind(ev.Type) {
			case kindInbound:
				m := inbound(ev)
				if m.ID == "" || m.From == "" || m.To == "" || slices.Contains(m.Cc, m.To) || slices.Contains(m.Cc, m.From) {
					t.Fatalf("message %+v", m)
				}
			case kindStatus:
				s := status(ev)
				if s.ID == "" || s.State == "" || (s.State != carriers.StateFailed && s.Reason != "") {
					t.Fatalf("status %+v", s)
				}
			}
		}
	})
}
