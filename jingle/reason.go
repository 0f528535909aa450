package jingle

import (
	"encoding/xml"
	"fmt"
)

// Condition is a reason condition of XEP-0166 §7.4, the name of the
// element inside <reason/>.
type Condition string

// Reason conditions.
const (
	AlternativeSession      Condition = "alternative-session"
	Busy                    Condition = "busy"
	Cancel                  Condition = "cancel"
	ConnectivityError       Condition = "connectivity-error"
	Decline                 Condition = "decline"
	Expired                 Condition = "expired"
	FailedApplication       Condition = "failed-application"
	FailedTransport         Condition = "failed-transport"
	GeneralError            Condition = "general-error"
	Gone                    Condition = "gone"
	IncompatibleParameters  Condition = "incompatible-parameters"
	MediaError              Condition = "media-error"
	SecurityError           Condition = "security-error"
	Success                 Condition = "success"
	Timeout                 Condition = "timeout"
	UnsupportedApplications Condition = "unsupported-applications"
	UnsupportedTransports   Condition = "unsupported-transports"
)

var knownConditions = map[Condition]bool{
	AlternativeSession: true, Busy: true, Cancel: true, ConnectivityError: true,
	Decline: true, Expired: true, FailedApplication: true, FailedTransport: true,
	GeneralError: true, Gone: true, IncompatibleParameters: true, MediaError: true,
	SecurityError: true, Success: true, Timeout: true, UnsupportedApplications: true,
	UnsupportedTransports: true,
}

// Known reports whether c is one of the conditions XEP-0166 defines.
func (c Condition) Known() bool { return knownConditions[c] }

// Reason is a <reason/> element: a condition with optional human text.
// For alternative-session, SID names the other session.
type Reason struct {
	Condition Condition
	Text      string
	SID       string
}

// NewReason returns a reason with condition c and optional text.
func NewReason(c Condition, text string) *Reason {
	return &Reason{Condition: c, Text: text}
}

func (r *Reason) String() string {
	if r == nil {
		return ""
	}
	if r.Text != "" {
		return fmt.Sprintf("%s (%s)", r.Condition, r.Text)
	}
	return string(r.Condition)
}

// MarshalXML writes <reason xmlns="urn:xmpp:jingle:1"><condition/><text>…</text></reason>,
// in the Jingle namespace also inside JMI elements (XEP-0353).
func (r Reason) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Space: NS, Local: "reason"}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if r.Condition != "" {
		cond := xml.StartElement{Name: xml.Name{Local: string(r.Condition)}}
		if err := e.EncodeToken(cond); err != nil {
			return err
		}
		if r.Condition == AlternativeSession && r.SID != "" {
			if err := e.EncodeElement(r.SID, xml.StartElement{Name: xml.Name{Local: "sid"}}); err != nil {
				return err
			}
		}
		if err := e.EncodeToken(cond.End()); err != nil {
			return err
		}
	}
	if r.Text != "" {
		if err := e.EncodeElement(r.Text, xml.StartElement{Name: xml.Name{Local: "text"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML reads a <reason/>: the first child element other than
// <text/> is the condition; elements from other namespaces (application
// specific conditions) are skipped.
func (r *Reason) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*r = Reason{}
	parentNS := start.Name.Space
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inNS := t.Name.Space == "" || t.Name.Space == parentNS || t.Name.Space == NS || t.Name.Space == NSJMI
			switch {
			case t.Name.Local == "text" && inNS:
				var s string
				if err := d.DecodeElement(&s, &t); err != nil {
					return err
				}
				r.Text = s
			case r.Condition == "" && inNS:
				r.Condition = Condition(t.Name.Local)
				if r.Condition == AlternativeSession {
					var alt struct {
						SID string `xml:"sid"`
					}
					if err := d.DecodeElement(&alt, &t); err != nil {
						return err
					}
					r.SID = alt.SID
				} else if err := d.Skip(); err != nil {
					return err
				}
			default:
				if err := d.Skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			return nil
		}
	}
}
