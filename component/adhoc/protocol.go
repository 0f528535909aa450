package adhoc

import (
	"encoding/xml"
	"strings"
)

// Payload is an XEP-0050 <command/> request, as encoding/xml decodes it
// from the IQ.
type Payload struct {
	XMLName   xml.Name   `xml:"http://jabber.org/protocol/commands command"`
	Node      string     `xml:"node,attr"`
	SessionID string     `xml:"sessionid,attr"`
	Action    string     `xml:"action,attr"`
	Forms     []wireForm `xml:"jabber:x:data x"`
}

// Response is an XEP-0050 <command/> answer, for encoding/xml.
type Response struct {
	XMLName   xml.Name     `xml:"http://jabber.org/protocol/commands command"`
	Node      string       `xml:"node,attr"`
	SessionID string       `xml:"sessionid,attr,omitempty"`
	Status    string       `xml:"status,attr"`
	Actions   *wireActions `xml:"actions,omitempty"`
	Notes     []wireNote   `xml:"note,omitempty"`
	Form      *wireForm
	Links     []wireLink
}

// Status values.
const (
	statusExecuting = "executing"
	statusCompleted = "completed"
	statusCanceled  = "canceled"
)

type wireActions struct {
	Execute  string    `xml:"execute,attr,omitempty"`
	Prev     *struct{} `xml:"prev,omitempty"`
	Next     *struct{} `xml:"next,omitempty"`
	Complete *struct{} `xml:"complete,omitempty"`
}

type wireNote struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type wireLink struct {
	XMLName xml.Name `xml:"jabber:x:oob x"`
	URL     string   `xml:"url"`
	Desc    string   `xml:"desc,omitempty"`
}

// response is the answer showing sess's current step.
func response(sess *Session, status string) *Response {
	fr := sess.current()
	r := &Response{Node: sess.Node, SessionID: sess.ID, Status: status}
	if status == statusCanceled {
		return r
	}
	st := fr.Step
	if allowed, def := st.actions(sess.canBack()); len(allowed) > 0 {
		a := &wireActions{Execute: string(def)}
		for _, x := range allowed {
			switch x {
			case ActionPrev:
				a.Prev = &struct{}{}
			case ActionNext:
				a.Next = &struct{}{}
			case ActionComplete:
				a.Complete = &struct{}{}
			}
		}
		r.Actions = a
	}
	r.Form = st.Form.wire()
	if status == statusExecuting {
		// A step under way says what it has to say in its form's
		// instructions, and always has a form: clients that show only
		// forms (Profanity, Poezio) show no notes or links, and offer no
		// way on without a form. Notes stay for the completed step.
		if r.Form == nil {
			r.Form = &wireForm{Type: string(TypeForm)}
		}
		// One <instructions> element: XEP-0004 prefers one per line, but
		// Profanity and Cheogram show only the first.
		if lines := append(r.Form.Instructions, noteLines(st)...); len(lines) > 0 {
			r.Form.Instructions = []string{strings.Join(lines, "\n\n")}
		}
	} else {
		for _, n := range st.Notes {
			r.Notes = append(r.Notes, wireNote{Type: string(n.Type), Text: n.Text})
		}
	}
	for _, l := range st.Links {
		r.Links = append(r.Links, wireLink{URL: l.URL, Desc: l.Desc})
	}
	return r
}
