package signup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/component/adhoc"
)

// Stages of the sign-up command.
const (
	stageInvite  = "invite"
	stageSearch  = "search"
	stagePick    = "pick"
	stagePay     = "pay"
	stageConfirm = "confirm"
)

// The command's memory (adhoc.State keys).
const (
	keyCode     = "code"
	keyCountry  = "country"
	keyArea     = "area"
	keyRegion   = "region"
	keyContains = "contains"
	keyNumber   = "number"
)

func info(text string) adhoc.Note { return adhoc.Note{Type: adhoc.Info, Text: text} }
func warn(text string) adhoc.Note { return adhoc.Note{Type: adhoc.Warn, Text: text} }
func fail(text string) adhoc.Note { return adhoc.Note{Type: adhoc.Error, Text: text} }

// step runs the sign-up command: invite code (when required), search,
// pick (reserved), pay (with billing), confirm (buy and bind).
func (s *Signup) step(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	owner := r.From.Bare().String()
	switch r.Stage {
	case "":
		if has, err := s.registered(ctx, owner); err != nil {
			return nil, err
		} else if has {
			return s.hasNumber(), nil
		}
		if s.o.Config.InviteOnly {
			return s.inviteStep(), nil
		}
		return s.searchStep(), nil
	case stageInvite:
		code, err := s.redeemField(ctx, owner, "code", r.Values.Get("code"))
		if err != nil {
			return nil, err
		}
		r.State[keyCode] = code
		st := s.searchStep()
		st.Notes = append([]adhoc.Note{info("Invite code accepted.")}, st.Notes...)
		return st, nil
	case stageSearch:
		q, err := s.readQuery(r.Values)
		if err != nil {
			return nil, err
		}
		if typed := r.Values.Get("invite"); typed != "" && !s.o.Config.InviteOnly {
			code, err := s.redeemField(ctx, owner, "invite", typed)
			if err != nil {
				return nil, err
			}
			r.State[keyCode] = code
		}
		r.State[keyCountry], r.State[keyArea], r.State[keyRegion], r.State[keyContains] = q.Country, q.AreaCode, q.Region, q.Contains
		return s.pickStep(ctx, r)
	case stagePick:
		number := r.Values.Get("number")
		err := s.reserve(ctx, owner, number)
		if errors.Is(err, ErrHeld) {
			return s.pickStep(ctx, r, warn("Someone else has just picked "+number+". Here is a fresh list."))
		}
		if err != nil {
			return nil, err
		}
		r.State[keyNumber] = number
		return s.payOrConfirm(ctx, r)
	case stagePay:
		if amt := r.Values.Get("topup"); amt != "" {
			return s.topUp(ctx, r, amt)
		}
		return s.payOrConfirm(ctx, r)
	case stageConfirm:
		return s.confirm(ctx, r)
	}
	return nil, fmt.Errorf("signup: unknown stage %q", r.Stage)
}

func (s *Signup) hasNumber() *adhoc.Step {
	return &adhoc.Step{Done: true, Notes: []adhoc.Note{info("You have a number on this gateway already: run My number (info) to see it. One number per account is sold here.")}}
}

func (s *Signup) inviteStep() *adhoc.Step {
	return &adhoc.Step{Stage: stageInvite, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Register: invite code",
		Instructions: "This gateway takes new users by invitation. Enter the invite code you were given.",
		Fields:       []adhoc.Field{{Var: "code", Label: "Invite code", Required: true}},
	}}
}

func (s *Signup) searchStep() *adhoc.Step {
	f := &adhoc.Form{Type: adhoc.TypeForm, Title: "Register: find a number",
		Instructions: "Search for a phone number. Every field is optional; leave them all empty to see what is available.",
		Fields: []adhoc.Field{
			{Var: "area_code", Label: "Area code", Desc: "three digits, e.g. 201"},
			{Var: "region", Label: "State or province", Desc: "e.g. NJ"},
			{Var: "contains", Label: "Digits it contains", Desc: "2 to 10 digits, e.g. 2020"},
		}}
	if !s.o.Config.InviteOnly {
		f.Fields = append(f.Fields, adhoc.Field{Var: "invite", Label: "Invite code", Desc: "if you have one"})
	}
	return &adhoc.Step{Stage: stageSearch, Form: f}
}

// readQuery checks the search form, naming the field at fault.
func (s *Signup) readQuery(v adhoc.Values) (carriers.NumberQuery, error) {
	q := carriers.NumberQuery{Country: s.o.Config.Country, AreaCode: v.Get("area_code"), Region: v.Get("region"), Contains: v.Get("contains")}
	for _, one := range []struct {
		field string
		q     carriers.NumberQuery
	}{
		{"area_code", carriers.NumberQuery{Country: q.Country, AreaCode: q.AreaCode}},
		{"region", carriers.NumberQuery{Country: q.Country, Region: q.Region}},
		{"contains", carriers.NumberQuery{Country: q.Country, Contains: q.Contains}},
	} {
		if _, err := one.q.Normal(); err != nil {
			var ce *carriers.Error
			if errors.As(err, &ce) {
				return q, adhoc.Invalid(one.field, "%s", ce.Message)
			}
			return q, adhoc.Invalid(one.field, "not usable")
		}
	}
	return q.Normal()
}

// redeemField redeems typed as field's value.
func (s *Signup) redeemField(ctx context.Context, owner, field, typed string) (string, error) {
	code, err := s.redeem(ctx, owner, typed)
	switch {
	case errors.Is(err, ErrInvite):
		return "", adhoc.Invalid(field, "that invite code is unknown or has expired")
	case errors.Is(err, ErrInviteUsed):
		return "", adhoc.Invalid(field, "that invite code has been used up")
	}
	return code, err
}

// pickStep searches again with the query in r.State and lists what it
// finds.
func (s *Signup) pickStep(ctx context.Context, r *adhoc.Request, notes ...adhoc.Note) (*adhoc.Step, error) {
	q := carriers.NumberQuery{Country: r.State[keyCountry], AreaCode: r.State[keyArea], Region: r.State[keyRegion], Contains: r.State[keyContains]}
	found, err := s.search(ctx, r.From.Bare().String(), q)
	if errors.Is(err, ErrSearches) {
		st := s.searchStep()
		st.Notes = append(notes, warn("You have searched very often; try again in an hour."))
		return st, nil
	}
	if err != nil {
		s.log.Warn("signup: number search failed", "err", err)
		st := s.searchStep()
		st.Notes = append(notes, fail("The carrier's number search failed; try again in a moment."))
		return st, nil
	}
	if len(found) == 0 {
		st := s.searchStep()
		st.Notes = append(notes, warn("No numbers are available for that search; try another area code or fewer digits."))
		return st, nil
	}
	fd := adhoc.Field{Var: "number", Type: adhoc.ListSingle, Label: "Number", Required: true}
	for _, n := range found {
		fd.Options = append(fd.Options, adhoc.Option{Value: n.Number, Label: label(n)})
	}
	return &adhoc.Step{Stage: stagePick, Notes: notes, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Register: pick a number",
		Instructions: fmt.Sprintf("Pick a number. It is held for you for %s while you finish.", minutes(s.o.Config.ReserveTTL)),
		Fields:       []adhoc.Field{fd},
	}}, nil
}

func label(n carriers.AvailableNumber) string {
	var where []string
	for _, w := range []string{n.Locality, n.Region} {
		if w != "" {
			where = append(where, w)
		}
	}
	if len(where) == 0 {
		return n.Number
	}
	return n.Number + " (" + strings.Join(where, ", ") + ")"
}

func minutes(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d minutes", int(d/time.Minute))
}

// payOrConfirm asks for payment unless the balance covers the first
// period (or billing is off), then for the go-ahead.
func (s *Signup) payOrConfirm(ctx context.Context, r *adhoc.Request, notes ...adhoc.Note) (*adhoc.Step, error) {
	owner := r.From.Bare().String()
	due, avail, err := s.quote(ctx, owner)
	if err != nil {
		return nil, err
	}
	if s.o.Ledger == nil || avail.Amount >= due.Amount {
		return s.confirmStep(r, due, avail, notes...), nil
	}
	if r.Stage == stagePay {
		notes = append(notes, warn("Your balance ("+avail.String()+") does not cover "+due.String()+" yet. A payment can take a minute to arrive."))
	}
	return s.payStep(due, avail, nil, notes...), nil
}

// cost explains due.
func (s *Signup) cost(due billing.Money) string {
	if due.Amount == 0 {
		return "Nothing is charged now."
	}
	p, cur := s.o.Plan, due.Currency
	return fmt.Sprintf("The first month costs %s (plan %s: %s a month and %s for the number).", due, p.Name,
		billing.Money{Amount: p.Fee, Currency: cur}, billing.Money{Amount: p.Rental, Currency: cur})
}

func (s *Signup) payStep(due, avail billing.Money, links []adhoc.Link, notes ...adhoc.Note) *adhoc.Step {
	notes = append(notes, info(s.cost(due)+" Your balance is "+avail.String()+"."))
	st := &adhoc.Step{Stage: stagePay, Links: links}
	if s.o.Payments == nil || len(s.o.Payments.Amounts()) == 0 {
		st.Notes = append(notes, info("Top-ups are not offered here: ask the operator to credit your account, then choose next."))
		return st
	}
	fd := adhoc.Field{Var: "topup", Type: adhoc.ListSingle, Label: "Top up by"}
	for _, m := range s.o.Payments.Amounts() {
		fd.Options = append(fd.Options, adhoc.Option{Value: m.Decimal(), Label: m.String()})
	}
	st.Notes = append(notes, info("Choose an amount to get a payment link; once you have paid, choose next without an amount."))
	st.Form = &adhoc.Form{Type: adhoc.TypeForm, Title: "Register: pay", Fields: []adhoc.Field{fd}}
	return st
}

// topUp starts a top-up of amt and shows its payment link.
func (s *Signup) topUp(ctx context.Context, r *adhoc.Request, amt string) (*adhoc.Step, error) {
	owner := r.From.Bare().String()
	due, avail, err := s.quote(ctx, owner)
	if err != nil {
		return nil, err
	}
	if s.o.Payments == nil {
		return s.payStep(due, avail, nil), nil
	}
	var pick billing.Money
	for _, m := range s.o.Payments.Amounts() {
		if m.Decimal() == amt {
			pick = m
		}
	}
	if pick.Currency == "" {
		return nil, adhoc.Invalid("topup", "not one of the amounts offered")
	}
	url, err := s.o.Payments.TopUp(ctx, owner, pick)
	if err != nil {
		s.log.Warn("signup: cannot start a top-up", "account", owner, "err", err)
		return s.payStep(due, avail, nil, fail("A payment link could not be made right now; try again in a moment.")), nil
	}
	return s.payStep(due, avail, []adhoc.Link{{URL: url, Desc: "Pay " + pick.String()}},
		info("Pay at the link, then choose next.")), nil
}

func (s *Signup) confirmStep(r *adhoc.Request, due, avail billing.Money, notes ...adhoc.Note) *adhoc.Step {
	number := r.State[keyNumber]
	until := s.o.Now().Add(s.o.Config.ReserveTTL).UTC().Format("15:04 MST")
	notes = append(notes, info("Take "+number+"? It is held for you until "+until+"."))
	if s.o.Ledger != nil {
		c := s.cost(due)
		if due.Amount > 0 {
			c += " It is paid from your balance (" + avail.String() + ")."
		}
		notes = append(notes, info(c))
	}
	notes = append(notes, info("Complete (finish) to buy it, or go back to pick another."))
	return &adhoc.Step{Stage: stageConfirm, Final: true, Notes: notes}
}

// confirm buys the number and tells the user how it went.
func (s *Signup) confirm(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	owner, number := r.From.Bare().String(), r.State[keyNumber]
	owned, err := s.complete(ctx, owner, number)
	switch {
	case errors.Is(err, ErrHasNumber):
		return s.hasNumber(), nil
	case errors.Is(err, ErrHeld), errors.Is(err, ErrGone):
		delete(r.State, keyNumber)
		return s.pickStep(ctx, r, warn(number+" was just taken by someone else; nothing was charged. Pick another."))
	case errors.Is(err, ErrFunds):
		due, avail, err := s.quote(ctx, owner)
		if err != nil {
			return nil, err
		}
		return s.payStep(due, avail, nil, warn("Your balance does not cover the first month; nothing was bought.")), nil
	case errors.Is(err, ErrBusy):
		return s.confirmStep(r, billing.Money{}, billing.Money{}, warn("Another sign-up of yours is under way; try again in a moment.")), nil
	case errors.Is(err, ErrCarrier):
		s.log.Warn("signup: purchase failed", "err", err)
		return s.confirmStep(r, billing.Money{}, billing.Money{}, fail("The carrier could not sell the number right now; nothing was charged. Try again, or go back and pick another.")), nil
	case err != nil:
		return nil, err
	}
	return s.welcome(owner, owned), nil
}

// welcome is the last step: the number, in the field tel that Cheogram
// reads.
func (s *Signup) welcome(owner string, owned carriers.OwnedNumber) *adhoc.Step {
	notes := []adhoc.Note{info("Welcome! Your number is " + owned.Number + ". Texts to it arrive here; to text someone, write to their number at " + s.o.Domain + ", e.g. +12015550123@" + s.o.Domain + ".")}
	if owned.Pending {
		notes = append(notes, warn("The carrier is still setting the number up; texts reach it once it has."))
	}
	return &adhoc.Step{Done: true, Notes: notes, Form: &adhoc.Form{Type: adhoc.TypeResult, Title: "Registered", Fields: []adhoc.Field{
		{Var: "tel", Type: adhoc.TextSingle, Label: "Number", Values: []string{owned.Number}},
		{Var: "jid", Type: adhoc.JIDSingle, Label: "Its JID", Values: []string{owned.Number + "@" + s.o.Domain}},
		{Var: "owner", Type: adhoc.JIDSingle, Label: "Held by", Values: []string{owner}},
	}}}
}
