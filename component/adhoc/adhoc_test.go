package adhoc

import (
	"context"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// twoSteps is a command of two forms: a choice and a yes/no, then a text
// field; it completes with a result echoing the answers.
func twoSteps(_ context.Context, r *Request) (*Step, error) {
	switch r.Stage {
	case "":
		return &Step{Stage: "one", Form: &Form{Type: TypeForm, Title: "One", Instructions: "Pick.", Fields: []Field{
			{Var: "color", Type: ListSingle, Label: "Color", Required: true, Options: []Option{{Label: "Red", Value: "red"}, {Label: "Blue", Value: "blue"}}},
			{Var: "loud", Type: Boolean, Label: "Loud", Values: []string{"false"}},
			{Var: "secret", Type: Hidden, Values: []string{"kept"}},
		}}}, nil
	case "one":
		r.State["color"] = r.Values.Get("color")
		r.State["loud"] = r.Values.Get("loud")
		if r.Values.Get("secret") != "kept" {
			return nil, errors.New("hidden value changed")
		}
		return &Step{Stage: "two", Final: true, Notes: []Note{{Type: Info, Text: "Almost."}},
			Form: &Form{Type: TypeForm, Fields: []Field{{Var: "name", Label: "Name"}}}}, nil
	case "two":
		if r.Values.Get("name") == "bad" {
			return nil, Invalid("name", "is not allowed")
		}
		return &Step{Done: true, Form: &Form{Type: TypeResult, Fields: []Field{
			{Var: "color", Label: "Color", Values: []string{r.State["color"]}},
			{Var: "loud", Label: "Loud", Values: []string{r.State["loud"]}},
			{Var: "name", Label: "Name", Values: []string{r.Values.Get("name")}},
		}}}, nil
	}
	return nil, errors.New("unknown stage")
}

// memo is one step with a text field holding a value.
func memo(_ context.Context, r *Request) (*Step, error) {
	if r.Stage == "" {
		return &Step{Stage: "memo", Final: true, Form: &Form{Type: TypeForm, Fields: []Field{{Var: "memo", Label: "Memo", Values: []string{"old"}}}}}, nil
	}
	return &Step{Done: true, Notes: []Note{{Type: Info, Text: "Saved."}}, Form: &Form{Type: TypeResult, Fields: []Field{{Var: "memo", Label: "Memo", Values: r.Values.List("memo")}}}}, nil
}

func newTestServer(t *testing.T, now func() time.Time) (*Server, *Memory) {
	t.Helper()
	mem := NewMemory(time.Hour, 3, 10, now)
	s := New(Settings{Sessions: mem, Roles: func(_ context.Context, who jid.JID) (Access, error) {
		switch who.Localpart() {
		case "admin":
			return Admin, nil
		case "user":
			return Registered, nil
		}
		return Anyone, nil
	}})
	err := s.Register(
		Command{Node: "two", Name: "Two steps", Access: Registered, Step: twoSteps},
		Command{Node: "hello", Name: "Hello", Step: func(context.Context, *Request) (*Step, error) {
			return &Step{Done: true, Notes: []Note{{Type: Info, Text: "Hello."}}}, nil
		}},
		Command{Node: "admin", Name: "Admin only", Access: Admin, Step: twoSteps},
		Command{Node: "memo", Name: "Memo", Access: Registered, Step: memo},
		Command{Node: "pay", Name: "Pay", Step: func(_ context.Context, r *Request) (*Step, error) {
			if r.Stage == "" {
				return &Step{Stage: "pay", Final: true, Notes: []Note{{Type: Warn, Text: "Low."}}, Links: []Link{{URL: "https://pay.example/x", Desc: "Pay 5.00"}}}, nil
			}
			return &Step{Done: true}, nil
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return s, mem
}

func mustJID(s string) jid.JID { return jid.MustParse(s) }

func submitForm(t *testing.T, raw string) []wireForm {
	t.Helper()
	var w wireForm
	if err := xml.Unmarshal([]byte(raw), &w); err != nil {
		t.Fatal(err)
	}
	return []wireForm{w}
}

func TestRegister(t *testing.T) {
	s := New(Settings{})
	step := func(context.Context, *Request) (*Step, error) { return &Step{Done: true}, nil }
	if err := s.Register(Command{Node: "a", Name: "A", Step: step}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Command{{Node: "a", Name: "A", Step: step}, {Node: "", Name: "B", Step: step}, {Node: "c", Name: "C"}} {
		if err := s.Register(c); err == nil {
			t.Errorf("Register(%q) accepted", c.Node)
		}
	}
}

func TestExecute(t *testing.T) {
	ctx := context.Background()
	user := mustJID("user@example.org/phone")
	s, _ := newTestServer(t, nil)

	type req struct {
		p    Payload
		form string // submitted form XML, with {sid} standing for the session
	}
	tests := []struct {
		name     string
		who      jid.JID
		steps    []req
		status   string // of the last answer
		cond     stanza.Condition
		specific string
		field    string
		want     []string // in the last answer, as XML
	}{
		{name: "unknown node", who: user, steps: []req{{p: Payload{Node: "nope"}}}, cond: stanza.ItemNotFound},
		{name: "forbidden", who: user, steps: []req{{p: Payload{Node: "admin"}}}, cond: stanza.Forbidden},
		{name: "stranger forbidden", who: mustJID("x@example.org"), steps: []req{{p: Payload{Node: "two"}}}, cond: stanza.Forbidden},
		{name: "one step", who: mustJID("x@example.org"), steps: []req{{p: Payload{Node: "hello"}}}, status: statusCompleted, want: []string{`<note type="info">Hello.</note>`}},
		{name: "first step", who: user, steps: []req{{p: Payload{Node: "two"}}}, status: statusExecuting,
			want: []string{`<actions execute="next"><next></next></actions>`, `type="list-single"`, `<required></required>`, `<title>One</title>`}},
		{name: "bad session", who: user, steps: []req{{p: Payload{Node: "two", SessionID: "nope", Action: "next"}}}, cond: stanza.BadRequest, specific: badSessionID},
		{name: "bad action", who: user, steps: []req{{p: Payload{Node: "two", Action: "jump"}}}, cond: stanza.BadRequest, specific: malformedAction},
		{name: "no session to next", who: user, steps: []req{{p: Payload{Node: "two", Action: "next"}}}, cond: stanza.BadRequest, specific: badSessionID},
		{name: "two steps", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "next"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="color"><value>blue</value></field><field var="secret"><value>changed</value></field></x>`},
			{p: Payload{Node: "two", Action: "complete"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="name"><value>Ann</value></field></x>`},
		}, status: statusCompleted, want: []string{`<value>blue</value>`, `<value>false</value>`, `<value>Ann</value>`, `type="result"`}},
		{name: "execute means the default action", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "execute"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="color"><value>red</value></field></x>`},
		}, status: statusExecuting, want: []string{`<actions execute="complete"><prev></prev><complete></complete></actions>`, `<instructions>Almost.</instructions>`}},
		{name: "a step without a form gets one, saying its notes and links", who: user, steps: []req{{p: Payload{Node: "pay"}}}, status: statusExecuting,
			want: []string{`<x xmlns="jabber:x:data" type="form"><title>Pay</title><instructions>Warning: Low.&#xA;&#xA;Pay 5.00: https://pay.example/x</instructions></x>`,
				`<url>https://pay.example/x</url>`}},
		{name: "complete too early", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "complete"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="color"><value>red</value></field></x>`},
		}, cond: stanza.BadRequest, specific: badAction},
		{name: "missing required", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "next"}, form: `<x xmlns="jabber:x:data" type="submit"/>`},
		}, cond: stanza.BadRequest, specific: badPayload, field: "color"},
		{name: "not an option", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "next"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="color"><value>green</value></field></x>`},
		}, cond: stanza.BadRequest, specific: badPayload, field: "color"},
		{name: "unknown field", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "next"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="color"><value>red</value></field><field var="evil"><value>1</value></field></x>`},
		}, cond: stanza.BadRequest, specific: badPayload, field: "evil"},
		{name: "duplicate field", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "next"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="color"><value>red</value></field><field var="color"><value>blue</value></field></x>`},
		}, cond: stanza.BadRequest, specific: badPayload, field: "color"},
		{name: "bad boolean", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "next"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="color"><value>red</value></field><field var="loud"><value>maybe</value></field></x>`},
		}, cond: stanza.BadRequest, specific: badPayload, field: "loud"},
		{name: "refused by the command", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "next"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="color"><value>red</value></field></x>`},
			{p: Payload{Node: "two", Action: "complete"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="name"><value>bad</value></field></x>`},
		}, cond: stanza.BadRequest, field: "name"},
		{name: "back shows the answers", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "next"}, form: `<x xmlns="jabber:x:data" type="submit"><field var="color"><value>blue</value></field></x>`},
			{p: Payload{Node: "two", Action: "prev"}},
		}, status: statusExecuting, want: []string{`<field var="color" type="list-single" label="Color"><required></required><value>blue</value>`, `<actions execute="next"><next></next></actions>`}},
		{name: "cancel", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "cancel"}},
		}, status: statusCanceled},
		{name: "cancel form", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "next"}, form: `<x xmlns="jabber:x:data" type="cancel"/>`},
		}, status: statusCanceled},
		{name: "session of another user", who: user, steps: []req{
			{p: Payload{Node: "two"}},
			{p: Payload{Node: "two", Action: "next", SessionID: "other"}},
		}, cond: stanza.BadRequest, specific: badSessionID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res *Response
			var e *Err
			sid := ""
			for i, r := range tt.steps {
				p := r.p
				if i > 0 && p.SessionID == "" {
					p.SessionID = sid
				}
				if r.form != "" {
					p.Forms = submitForm(t, r.form)
				}
				res, e = s.Execute(ctx, tt.who, &p)
				if e != nil {
					if i != len(tt.steps)-1 {
						t.Fatalf("step %d: %v", i, e)
					}
					break
				}
				sid = res.SessionID
			}
			if tt.cond != "" {
				if e == nil || e.Condition != tt.cond || e.Specific != tt.specific || e.Field != tt.field {
					t.Fatalf("got %+v, want %s/%s field %q", e, tt.cond, tt.specific, tt.field)
				}
				if tt.field != "" && !strings.Contains(e.Text, tt.field) {
					t.Errorf("error %q does not name field %q", e.Text, tt.field)
				}
				return
			}
			if e != nil {
				t.Fatal(e)
			}
			if res.Status != tt.status {
				t.Errorf("status %s, want %s", res.Status, tt.status)
			}
			out, err := xml.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("answer lacks %s:\n%s", w, out)
				}
			}
		})
	}
}

func TestSessionsDone(t *testing.T) {
	ctx := context.Background()
	s, mem := newTestServer(t, nil)
	res, e := s.Execute(ctx, mustJID("user@example.org/a"), &Payload{Node: "two"})
	if e != nil || mem.Len() != 1 {
		t.Fatalf("%v, %d sessions", e, mem.Len())
	}
	if _, e := s.Execute(ctx, mustJID("user@example.org/a"), &Payload{Node: "two", SessionID: res.SessionID, Action: "cancel"}); e != nil || mem.Len() != 0 {
		t.Fatalf("cancel left %d sessions (%v)", mem.Len(), e)
	}
	if _, e := s.Execute(ctx, mustJID("user@example.org/a"), &Payload{Node: "hello"}); e != nil || mem.Len() != 0 {
		t.Fatalf("a completed command left %d sessions (%v)", mem.Len(), e)
	}
}

func TestMemoryBounds(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	s, mem := newTestServer(t, clock)
	user := mustJID("user@example.org/a")
	var ids []string
	for range 5 {
		res, e := s.Execute(ctx, user, &Payload{Node: "two"})
		if e != nil {
			t.Fatal(e)
		}
		ids = append(ids, res.SessionID)
		now = now.Add(time.Second)
	}
	if mem.Len() != 3 {
		t.Errorf("one JID holds %d sessions, want the bound 3", mem.Len())
	}
	if _, err := mem.Get(ctx, "user@example.org", ids[0]); !errors.Is(err, ErrNoSession) {
		t.Errorf("the oldest session survived: %v", err)
	}
	if _, err := mem.Get(ctx, "user@example.org", ids[4]); err != nil {
		t.Errorf("the newest session is gone: %v", err)
	}
	// Ten sessions in all: the eleventh owner is refused until some expire.
	for i := range 7 {
		if err := mem.Put(ctx, &Session{ID: "x", Owner: string(rune('a'+i)) + "@example.org", Frames: []Frame{{}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := mem.Put(ctx, &Session{ID: "x", Owner: "late@example.org", Frames: []Frame{{}}}); !errors.Is(err, ErrTooMany) {
		t.Fatalf("Put beyond the total: %v", err)
	}
	now = now.Add(2 * time.Hour)
	if err := mem.Put(ctx, &Session{ID: "x", Owner: "late@example.org", Frames: []Frame{{}}}); err != nil {
		t.Fatalf("Put after expiry: %v", err)
	}
	if mem.Len() != 1 {
		t.Errorf("%d sessions after expiry, want 1", mem.Len())
	}
	// An expired session is gone for its owner too.
	if _, e := s.Execute(ctx, user, &Payload{Node: "two", SessionID: ids[4], Action: "next"}); e == nil || e.Specific != badSessionID {
		t.Fatalf("expired session: %v", e)
	}
}
