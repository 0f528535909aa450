package adhoc

import (
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/stanza"
)

// XEP-0050's own error conditions, sent beside the stanza condition.
const (
	badAction       = "bad-action"
	malformedAction = "malformed-action"
	badPayload      = "bad-payload"
	badSessionID    = "bad-sessionid"
)

// Err is a refused request: an XMPP stanza error, with XEP-0050's own
// condition when one applies.
type Err struct {
	Type      stanza.ErrorType
	Condition stanza.Condition
	Text      string
	Specific  string // XEP-0050 condition, e.g. bad-sessionid; may be ""
	Field     string // the form field at fault, if any
}

func (e *Err) Error() string { return "adhoc: " + string(e.Condition) + ": " + e.Text }

// TokenReader is the <error/> element, to wrap in the answering IQ.
func (e *Err) TokenReader() xml.TokenReader {
	se := stanza.Error{Type: e.Type, Condition: e.Condition, Text: map[string]string{"en": e.Text}}
	var specific xml.TokenReader
	if e.Specific != "" {
		specific = xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: NSCommands, Local: e.Specific}})
	}
	return se.Wrap(specific)
}

func badRequest(specific, text string) *Err {
	return &Err{Type: stanza.Modify, Condition: stanza.BadRequest, Specific: specific, Text: text}
}

var (
	errUnknownNode = &Err{Type: stanza.Cancel, Condition: stanza.ItemNotFound, Text: "no such command"}
	errForbidden   = &Err{Type: stanza.Auth, Condition: stanza.Forbidden, Text: "you may not run this command"}
	errNoSession   = badRequest(badSessionID, "this command session is unknown or has expired; start the command again")
	errInternal    = &Err{Type: stanza.Wait, Condition: stanza.InternalServerError, Text: "the command failed; try again shortly"}
	errTooMany     = &Err{Type: stanza.Wait, Condition: stanza.ResourceConstraint, Text: "too many commands are running; try again later"}
)
