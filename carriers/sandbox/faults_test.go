package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// TestFaults: what the person playing the network sets on the page is
// what the gateway sees: failed reports with Twilio's codes and a Reason,
// refusals at send time, late reports, or none.
func TestFaults(t *testing.T) {
	const gw, phone = "+12015550100", "+12015550123"
	tests := []struct {
		name   string
		to     string // "" : the next message
		fault  Fault
		states []carriers.State // the reports, in order
		code   string
		reason carriers.Reason
		reject bool
		wait   time.Duration // before the last report is due
	}{
		{name: "deliver", fault: Fault{Outcome: Deliver}, states: []carriers.State{"sent", "delivered"}},
		{name: "opted out", fault: Fault{Outcome: Fail, Reason: carriers.ReasonOptedOut}, states: []carriers.State{"sent", "failed"}, code: "21610", reason: carriers.ReasonOptedOut},
		{name: "unreachable", fault: Fault{Outcome: Fail, Reason: carriers.ReasonUnreachable}, states: []carriers.State{"sent", "failed"}, code: "30003", reason: carriers.ReasonUnreachable},
		{name: "blocked", fault: Fault{Outcome: Fail, Reason: carriers.ReasonBlocked}, states: []carriers.State{"sent", "failed"}, code: "30007", reason: carriers.ReasonBlocked},
		{name: "blocked, for the number", to: phone, fault: Fault{Outcome: Fail, Reason: carriers.ReasonBlocked}, states: []carriers.State{"sent", "failed"}, code: "30007", reason: carriers.ReasonBlocked},
		{name: "refused at send", fault: Fault{Outcome: Reject, Reason: carriers.ReasonOptedOut}, reject: true, code: "21610", reason: carriers.ReasonOptedOut},
		{name: "refused for the number", to: phone, fault: Fault{Outcome: Reject, Reason: carriers.ReasonInvalid}, reject: true, code: "21211", reason: carriers.ReasonInvalid},
		{name: "delayed", fault: Fault{Outcome: Delay, Delay: 1}, states: []carriers.State{"sent", "delivered"}, wait: time.Second},
		{name: "never delivered", fault: Fault{Outcome: Never}, states: []carriers.State{"sent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // the delays add up otherwise
			c, r, _ := start(t, Settings{})
			if err := c.SetFault(tt.to, tt.fault); err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			id, err := c.Send(context.Background(), carriers.Message{From: gw, To: phone, Body: "hi"})
			es, _ := c.Since(0)
			if tt.reject {
				var ce *carriers.Error
				if !errors.As(err, &ce) || !errors.Is(err, carriers.ErrRejected) || ce.Code != tt.code || ce.Reason != tt.reason {
					t.Fatalf("Send = %q, %v", id, err)
				}
				if len(es) != 1 || es[0].Status != "failed" || es[0].ReasonText != tt.reason.Text() || !strings.Contains(es[0].Note, "refused at send time") {
					t.Fatalf("entries = %+v", es)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			waitStatuses(t, r, len(tt.states), tt.wait+5*time.Second)
			if tt.wait > 0 && time.Since(t0) < tt.wait {
				t.Fatalf("the report came after %v, before the delay of %v", time.Since(t0), tt.wait)
			}
			// Nothing more comes.
			time.Sleep(2 * finalAfter)
			s := r.Statuses()
			if len(s) != len(tt.states) {
				t.Fatalf("statuses = %+v", s)
			}
			for i, st := range tt.states {
				if s[i].ID != id || s[i].State != st || s[i].Carrier != Name {
					t.Fatalf("report %d = %+v, want %s", i, s[i], st)
				}
			}
			last := s[len(s)-1]
			if last.ErrorCode != tt.code || last.Reason != tt.reason || (tt.code != "" && last.ErrorText == "") {
				t.Fatalf("last report = %+v", last)
			}
			es, _ = c.Since(0)
			if es[0].Status != string(tt.states[len(tt.states)-1]) || es[0].Code != tt.code || es[0].Note != tt.fault.Describe() {
				t.Fatalf("entry = %+v", es[0])
			}
			if tt.reason != "" && es[0].ReasonText != tt.reason.Text() {
				t.Fatalf("reason text = %q", es[0].ReasonText)
			}
		})
	}
}

// TestFaultScope: a fault for the next message is used once; one for a
// number holds for every message to it (also in a group) until cleared.
func TestFaultScope(t *testing.T) {
	c, _, _ := start(t, Settings{})
	ctx := context.Background()
	send := func(to string, cc ...string) error {
		_, err := c.Send(ctx, carriers.Message{From: "+12015550100", To: to, Cc: cc, Body: "x"})
		return err
	}
	reject := Fault{Outcome: Reject, Reason: carriers.ReasonBlocked}
	if err := c.SetFault("", reject); err != nil {
		t.Fatal(err)
	}
	if f := c.Faults(); f.Next == nil || *f.Next != reject {
		t.Fatalf("faults = %+v", f)
	}
	if send("+12015550123") == nil || send("+12015550123") != nil {
		t.Fatal("the next-message fault was not used exactly once")
	}
	if err := c.SetFault("+12015550124", reject); err != nil {
		t.Fatal(err)
	}
	// Every message to the number, alone or in a group; no other.
	for i, err := range []error{send("+12015550124"), send("+12015550124"), send("+12015550123", "+12015550124"), send("+12015550123")} {
		if (err == nil) != (i == 3) {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := c.SetFault("+12015550124", Fault{Outcome: Deliver}); err != nil || send("+12015550124") != nil {
		t.Fatalf("clearing the number's fault: %v", err)
	}
	_ = c.SetFault("", reject)
	if err := c.SetFault("", Fault{Outcome: Deliver}); err != nil || send("+12015550123") != nil || c.Faults().Next != nil {
		t.Fatal("clearing the next-message fault")
	}
}

func TestFaultAPI(t *testing.T) {
	tests := []struct {
		name, body string
		want       int
		wantBody   string
	}{
		{name: "next opted out", body: `{"outcome":"fail","reason":"opted-out"}`, want: http.StatusOK, wantBody: `"next":{"outcome":"fail","reason":"opted-out"}`},
		{name: "number delayed", body: `{"to":"+1 201 555 0123","outcome":"delay","delay":5}`, want: http.StatusOK, wantBody: `"+12015550123":{"outcome":"delay","delay":5}`},
		{name: "never", body: `{"outcome":"never"}`, want: http.StatusOK, wantBody: `"next":{"outcome":"never"}`},
		{name: "unknown outcome", body: `{"outcome":"explode"}`, want: http.StatusBadRequest, wantBody: `outcome \"explode\"`},
		{name: "fail without reason", body: `{"outcome":"fail"}`, want: http.StatusBadRequest, wantBody: "reason"},
		{name: "unknown reason", body: `{"outcome":"reject","reason":"bored"}`, want: http.StatusBadRequest, wantBody: "reason"},
		{name: "no delay", body: `{"outcome":"delay"}`, want: http.StatusBadRequest, wantBody: "delay 0 s"},
		{name: "delay too long", body: `{"outcome":"delay","delay":601}`, want: http.StatusBadRequest, wantBody: "1 to 600"},
		{name: "bad number", body: `{"to":"12","outcome":"never"}`, want: http.StatusBadRequest, wantBody: "to:"},
		{name: "not json", body: `never`, want: http.StatusBadRequest, wantBody: "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, h := post(t, "/sandbox/api/faults", tt.body, tt.want, tt.wantBody)
			if g := do(c, h, http.MethodGet, "/sandbox/api/faults", ""); tt.want == http.StatusOK && !strings.Contains(g.Body.String(), tt.wantBody) {
				t.Fatalf("GET faults: %s", g.Body)
			}
		})
	}
	// The number of standing faults is bounded.
	c := New(Settings{})
	for i := range maxNumberFaults {
		if err := c.SetFault(fmt.Sprintf("+1201555%04d", i), Fault{Outcome: Never}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SetFault("+12015559999", Fault{Outcome: Never}); err == nil {
		t.Fatal("more standing faults than the bound")
	}
}

// TestCloseDropsReports: a report still due (delayed by the page) does
// not outlive the gateway: Close stops it, and later sends get none.
func TestCloseDropsReports(t *testing.T) {
	c, r, _ := start(t, Settings{})
	if err := c.SetFault("", Fault{Outcome: Delay, Delay: 600}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), carriers.Message{From: "+12015550100", To: "+12015550123", Body: "late"}); err != nil {
		t.Fatal(err)
	}
	waitStatuses(t, r, 1, 5*time.Second)
	_ = c.Close()
	c.tmu.Lock()
	pending := len(c.timers)
	c.tmu.Unlock()
	if pending != 0 {
		t.Fatalf("%d reports still due after Close", pending)
	}
	if _, err := c.Send(context.Background(), carriers.Message{From: "+12015550100", To: "+12015550123", Body: "after"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(sentAfter + finalAfter + 50*time.Millisecond)
	if s := r.Statuses(); len(s) != 1 {
		t.Fatalf("reports after Close: %+v", s)
	}
	_ = c.Close() // twice is fine
}
