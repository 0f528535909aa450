package adhoc

import "encoding/xml"

// XForm is a data form as encoding/xml reads it from an element other than
// a command that carries one (XEP-0077 registration); Form checks it as
// the Server checks a command's form.
type XForm struct{ w wireForm }

// UnmarshalXML implements xml.Unmarshaler.
func (x *XForm) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	return d.DecodeElement(&x.w, &start)
}

// Form checks x strictly (see ParseForm) and returns it.
func (x *XForm) Form() (*Form, error) { return x.w.form() }

// MarshalXML writes f as an XEP-0004 <x xmlns="jabber:x:data"/>, for
// protocols that carry forms outside commands.
func (f *Form) MarshalXML(e *xml.Encoder, _ xml.StartElement) error { return e.Encode(f.wire()) }

// Check reads sub, the answers to shown, as the Server does a command's:
// see Values. Errors are *FieldError (ErrMalformed) or wrap ErrMalformed.
func Check(shown, sub *Form) (Values, error) { return check(shown, sub) }
