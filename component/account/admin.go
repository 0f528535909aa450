package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf8"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/component/adhoc"
)

// Admin command stages and fields.
const (
	stageAdmin  = "admin"
	fieldJID    = "jid"
	fieldReason = "reason"
	stateID     = "id"
)

// maxAdminAmount bounds one admin credit or debit, in minor units
// (1,000,000.00 of a two-decimal currency): far above any real one, far
// below what the ledger can hold.
const maxAdminAmount = 100_000_000

// maxReason bounds an admin's reason, which the user reads.
const maxReason = 200

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func accountField() adhoc.Field {
	return adhoc.Field{Var: fieldJID, Type: adhoc.JIDSingle, Label: "Account (the user's Jabber ID)", Required: true}
}

func reasonField(label string) adhoc.Field {
	return adhoc.Field{Var: fieldReason, Type: adhoc.TextSingle, Label: label, Required: true}
}

// target reads the account field: a bare JID with a ledger account.
func (a *Accounts) target(ctx context.Context, v adhoc.Values) (string, billing.Account, error) {
	j, err := jid.Parse(v.Get(fieldJID))
	if err != nil || j.Localpart() == "" {
		return "", billing.Account{}, adhoc.Invalid(fieldJID, "give a user's Jabber ID, such as alice@example.org")
	}
	who := j.Bare().String()
	acct, err := a.o.Ledger.Account(ctx, who)
	if errors.Is(err, billing.ErrAccount) {
		return "", billing.Account{}, adhoc.Invalid(fieldJID, "%s has no account", who)
	}
	return who, acct, err
}

// reason reads the reason field: one line the user will read.
func reason(v adhoc.Values) (string, error) {
	s := strings.Join(strings.Fields(v.Get(fieldReason)), " ")
	if s == "" || utf8.RuneCountInString(s) > maxReason {
		return "", adhoc.Invalid(fieldReason, "give a reason of up to %d characters; the user reads it", maxReason)
	}
	return s, nil
}

// credit puts money on an account or takes it off, with a reason. The
// posting's id is made when the command starts, so a request sent twice
// (or answered again after back) posts once.
func (a *Accounts) credit(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	cur := a.o.Ledger.Currency()
	switch r.Stage {
	case "":
		r.State[stateID] = randomID()
		return &adhoc.Step{Stage: stageAdmin, Final: true, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Credit or debit an account",
			Instructions: "A negative amount is a debit, and may take the balance below zero.",
			Fields: []adhoc.Field{
				accountField(),
				{Var: fieldAmount, Type: adhoc.TextSingle, Label: "Amount in " + cur, Desc: "e.g. 5.00, or -2.50 for a debit", Required: true},
				reasonField("Reason (the user reads it)"),
			}}}, nil
	case stageAdmin:
		who, _, err := a.target(ctx, r.Values)
		if err != nil {
			return nil, err
		}
		m, err := billing.ParseMoney(strings.TrimSpace(r.Values.Get(fieldAmount)), cur)
		if err != nil || m.Amount == 0 || m.Amount > maxAdminAmount || m.Amount < -maxAdminAmount {
			return nil, adhoc.Invalid(fieldAmount, "give a non-zero amount of %s such as 5.00 or -2.50, at most %s either way", cur, billing.Money{Amount: maxAdminAmount, Currency: cur})
		}
		why, err := reason(r.Values)
		if err != nil {
			return nil, err
		}
		d, err := a.o.Ledger.Credit(ctx, billing.Adjustment{Account: who, ID: "cmd-" + r.State[stateID], Kind: billing.Admin, Amount: m, Note: why})
		if err != nil {
			return nil, err
		}
		if !d.Allowed {
			return nil, adhoc.Invalid(fieldAmount, "the ledger refused it (%s)", d.Reason)
		}
		verb := "Credited"
		if m.Amount < 0 {
			verb = "Debited"
		}
		if !d.Replay {
			a.log.Info("account: admin credit", "account", who, "amount", m.String(), "admin", r.From.Bare().String())
			a.notify(ctx, who, "💰 "+verb+" "+abs(m).String()+" by the operator: "+why+". Your balance is now "+d.Balance.String()+".")
		}
		return done(adhoc.Info, verb+" "+abs(m).String()+" to "+who+". Their balance is now "+d.Balance.String()+"."), nil
	}
	return nil, errors.New("account: credit: unknown stage " + r.Stage)
}

func abs(m billing.Money) billing.Money {
	if m.Amount < 0 {
		m.Amount = -m.Amount
	}
	return m
}

// suspend stops an account's sends and calls, with a reason.
func (a *Accounts) suspend(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	if r.Stage == "" {
		return &adhoc.Step{Stage: stageAdmin, Final: true, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Suspend an account",
			Instructions: "The user can no longer send texts or make calls until resumed.",
			Fields:       []adhoc.Field{accountField(), reasonField("Reason (the user reads it)")}}}, nil
	}
	who, _, err := a.target(ctx, r.Values)
	if err != nil {
		return nil, err
	}
	why, err := reason(r.Values)
	if err != nil {
		return nil, err
	}
	if err := a.o.Ledger.Suspend(ctx, who, why); err != nil {
		return nil, err
	}
	a.log.Info("account: suspended", "account", who, "admin", r.From.Bare().String())
	a.notify(ctx, who, "⛔ Your account is suspended by the operator: "+why+".")
	return done(adhoc.Info, who+" is suspended."), nil
}

// resume lifts a suspension.
func (a *Accounts) resume(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	if r.Stage == "" {
		return &adhoc.Step{Stage: stageAdmin, Final: true, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Resume an account",
			Fields: []adhoc.Field{accountField()}}}, nil
	}
	who, acct, err := a.target(ctx, r.Values)
	if err != nil {
		return nil, err
	}
	if acct.Why != billing.Suspended {
		return done(adhoc.Info, who+" is not suspended."), nil
	}
	if err := a.o.Ledger.Resume(ctx, who); err != nil {
		return nil, err
	}
	a.log.Info("account: resumed", "account", who, "admin", r.From.Bare().String())
	a.notify(ctx, who, "✅ Your account is active again.")
	return done(adhoc.Info, who+" is resumed."), nil
}
