package signup

import (
	"context"
	"encoding/xml"
	"errors"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/component/adhoc"
)

// NSRegister is XEP-0077's namespace, also the sign-up command's node.
const NSRegister = "jabber:iq:register"

// registerQuery is XEP-0077's answer to a get: instructions and a data
// form (§ Extensibility), or <registered/> for a JID holding a number.
type registerQuery struct {
	XMLName      xml.Name    `xml:"jabber:iq:register query"`
	Registered   *struct{}   `xml:"registered,omitempty"`
	Instructions string      `xml:"instructions,omitempty"`
	Form         *adhoc.Form `xml:"x"`
}

func stanzaErr(typ stanza.ErrorType, cond stanza.Condition, text string) *stanza.Error {
	return &stanza.Error{Type: typ, Condition: cond, Text: map[string]string{"en": text}}
}

// RegisterIQ answers XEP-0077 on the gateway's JID for clients that sign
// up that way (the SGX contract). A get offers a form: an invite code
// when one is required, and a choice of available numbers. A set with
// that form checks payment and buys and binds the chosen number at once,
// or refuses with a stanza error saying why. forms are the set's data
// forms, already parsed strictly; remove is XEP-0077's <remove/>. The
// answer is a payload for an IQ result (nil for an empty one).
func (s *Signup) RegisterIQ(ctx context.Context, from jid.JID, set bool, forms []*adhoc.Form, remove bool) (any, *stanza.Error) {
	owner := from.Bare().String()
	has, err := s.registered(ctx, owner)
	if err != nil {
		s.log.Error("signup: cannot read bindings", "err", err)
		return nil, stanzaErr(stanza.Wait, stanza.InternalServerError, "registration is unavailable right now; try again shortly")
	}
	switch {
	case remove:
		return nil, stanzaErr(stanza.Cancel, stanza.FeatureNotImplemented, "to give up your number, run the Cancel command (cancel) of this gateway")
	case !set && has:
		return registerQuery{Registered: &struct{}{}, Instructions: "You hold a number on this gateway already; run its My number command (info) to see it."}, nil
	case !set:
		return s.registerForm(ctx, owner)
	case has:
		return nil, stanzaErr(stanza.Cancel, stanza.Conflict, "you hold a number on this gateway already")
	case len(forms) != 1:
		return nil, stanzaErr(stanza.Modify, stanza.BadRequest, "submit the registration form (one jabber:x:data form of type submit)")
	}
	return s.registerSet(ctx, owner, forms[0])
}

// registerShape is what a set's form may hold: the fields of every form
// registerForm shows, with the number as free text (the list shown may
// have changed since).
func (s *Signup) registerShape() *adhoc.Form {
	return &adhoc.Form{Type: adhoc.TypeForm, Fields: []adhoc.Field{
		{Var: "FORM_TYPE", Type: adhoc.Hidden, Values: []string{NSRegister}},
		{Var: "invite", Label: "Invite code", Required: s.o.Config.InviteOnly},
		{Var: "number", Label: "Number", Required: true},
	}}
}

func (s *Signup) registerForm(ctx context.Context, owner string) (any, *stanza.Error) {
	found, err := s.search(ctx, owner, carriers.NumberQuery{})
	if errors.Is(err, ErrSearches) {
		return nil, stanzaErr(stanza.Wait, stanza.ResourceConstraint, "too many number searches; try again in an hour")
	}
	if err != nil {
		s.log.Warn("signup: number search failed", "err", err)
		return nil, stanzaErr(stanza.Wait, stanza.ServiceUnavailable, "the carrier's number search failed; try again shortly")
	}
	if len(found) == 0 {
		return nil, stanzaErr(stanza.Wait, stanza.ServiceUnavailable, "no numbers are available right now")
	}
	f := s.registerShape()
	f.Title = "Register"
	f.Instructions = "Pick a phone number and submit. To search by area code or digits, run this gateway's Register command instead."
	num := f.Field("number")
	num.Type = adhoc.ListSingle
	for _, n := range found {
		num.Options = append(num.Options, adhoc.Option{Value: n.Number, Label: label(n)})
	}
	if !s.o.Config.InviteOnly {
		f.Field("invite").Desc = "if you have one"
	}
	return registerQuery{Instructions: f.Instructions, Form: f}, nil
}

// registerSet runs a whole sign-up from one submitted form.
func (s *Signup) registerSet(ctx context.Context, owner string, sub *adhoc.Form) (any, *stanza.Error) {
	v, err := adhoc.Check(s.registerShape(), sub)
	if err != nil {
		return nil, stanzaErr(stanza.Modify, stanza.BadRequest, "the registration form: "+err.Error())
	}
	number := v.Get("number")
	if carriers.CheckNumber(number) != nil {
		return nil, stanzaErr(stanza.Modify, stanza.NotAcceptable, "choose one of the numbers offered (international form, e.g. +12015550123)")
	}
	if typed := v.Get("invite"); typed != "" {
		_, err := s.redeem(ctx, owner, typed)
		switch {
		case errors.Is(err, ErrInvite):
			return nil, stanzaErr(stanza.Modify, stanza.NotAcceptable, "that invite code is unknown or has expired")
		case errors.Is(err, ErrInviteUsed):
			return nil, stanzaErr(stanza.Modify, stanza.NotAcceptable, "that invite code has been used up")
		case err != nil:
			s.log.Error("signup: cannot redeem an invite code", "err", err)
			return nil, stanzaErr(stanza.Wait, stanza.InternalServerError, "registration is unavailable right now; try again shortly")
		}
	}
	_, err = s.complete(ctx, owner, number)
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, ErrHasNumber):
		return nil, stanzaErr(stanza.Cancel, stanza.Conflict, "you hold a number on this gateway already")
	case errors.Is(err, ErrHeld), errors.Is(err, ErrGone):
		return nil, stanzaErr(stanza.Cancel, stanza.Conflict, "that number was just taken; ask for the form again for a fresh list")
	case errors.Is(err, ErrFunds):
		return nil, stanzaErr(stanza.Auth, stanza.PolicyViolation, s.payText(ctx, owner))
	case errors.Is(err, ErrBusy):
		return nil, stanzaErr(stanza.Wait, stanza.ResourceConstraint, "another sign-up of yours is under way; try again shortly")
	case errors.Is(err, ErrCarrier):
		s.log.Warn("signup: purchase failed", "err", err)
		return nil, stanzaErr(stanza.Wait, stanza.ServiceUnavailable, "the carrier could not sell the number right now; nothing was charged")
	}
	s.log.Error("signup: registration failed", "err", err)
	return nil, stanzaErr(stanza.Wait, stanza.InternalServerError, "registration failed; nothing was charged; try again shortly")
}

// payText says what the first month costs and where to pay it.
func (s *Signup) payText(ctx context.Context, owner string) string {
	due, avail, err := s.quote(ctx, owner)
	if err != nil {
		return "payment required: your balance does not cover the first month"
	}
	text := "payment required: " + s.cost(due) + " Your balance is " + avail.String() + "."
	if s.o.Payments == nil {
		return text + " Ask the operator to credit your account, then register again."
	}
	amounts := s.o.Payments.Amounts()
	if len(amounts) == 0 {
		return text
	}
	// The smallest top-up that covers the difference, else the largest.
	pick := amounts[len(amounts)-1]
	for _, m := range amounts {
		if m.Amount >= due.Amount-avail.Amount && m.Amount < pick.Amount {
			pick = m
		}
	}
	url, err := s.o.Payments.TopUp(ctx, owner, pick)
	if err != nil {
		return text + " Run the Register command for a payment link."
	}
	return text + " Pay " + pick.String() + " at " + url + " and register again."
}
