package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// maxChangesAnHour bounds the changes one user may ask for an hour: each
// sends a message to a JID of their choosing.
const maxChangesAnHour = 3

const (
	stageJID  = "jid"
	stageCode = "code"
	fieldCode = "code"
)

// change starts moving the user's numbers, balance and settings to
// another Jabber ID. The old JID confirms by running it (its own server
// vouches for it); the new JID confirms by running accept-jid with the
// code the gateway sent it, within ChangeTTL. Nothing moves before both.
func (a *Accounts) change(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	owner, bs, none, err := a.numbers(ctx, r)
	if none != nil || err != nil {
		return none, err
	}
	list := numberList(bs)
	switch r.Stage {
	case "":
		return &adhoc.Step{Stage: stageJID, Final: true, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Change Jabber ID",
			Instructions: "Move " + list + ", your balance and your settings to another Jabber ID you use.\n" +
				"The gateway sends that Jabber ID a code; it must accept within " + a.o.ChangeTTL.String() + ". Nothing moves before it does.",
			Fields: []adhoc.Field{{Var: fieldJID, Type: adhoc.JIDSingle, Label: "New Jabber ID", Required: true}},
		}}, nil
	case stageJID:
		to, err := a.newJID(ctx, owner, r.Values.Get(fieldJID))
		if err != nil {
			return nil, err
		}
		asked, err := a.o.Store.CountJIDChange(ctx, owner, time.Hour)
		if err != nil {
			return nil, err
		}
		if asked > maxChangesAnHour {
			return nil, adhoc.Invalid(fieldJID, "you asked for %d changes of Jabber ID this hour; try again later", maxChangesAnHour)
		}
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return nil, fmt.Errorf("account: change: %w", err)
		}
		c := store.JIDChange{From: owner, To: to, Code: fmt.Sprintf("%06d", n.Int64()), Expires: a.o.Now().Add(a.o.ChangeTTL)}
		if err := a.o.Store.PutJIDChange(ctx, c); err != nil {
			return nil, err
		}
		a.log.Info("account: change of jid asked", "from", owner, "to", to)
		a.notify(ctx, to, "🔑 "+owner+" asks to move the phone number "+list+" of "+a.o.Domain+", with its balance and settings, to this Jabber ID. "+
			"To accept, reply \"accept\" here (or run the command \"Accept a change of Jabber ID\" on "+a.o.Domain+") and give the code "+c.Code+
			" before "+c.Expires.UTC().Format(dateTime)+". If you did not expect this, ignore this message.")
		return done(adhoc.Info, "A code went to "+to+". Nothing moves until it accepts, within "+a.o.ChangeTTL.String()+"."), nil
	}
	return nil, errors.New("account: change: unknown stage " + r.Stage)
}

// newJID checks the JID a user wants to move to: a user's bare JID, not
// theirs, not the gateway's, holding no number and no account here.
func (a *Accounts) newJID(ctx context.Context, owner, s string) (string, error) {
	j, err := jid.Parse(strings.TrimSpace(s))
	if err != nil || j.Localpart() == "" {
		return "", adhoc.Invalid(fieldJID, "give a Jabber ID such as alice@example.org")
	}
	to := j.Bare().String()
	switch {
	case to == owner:
		return "", adhoc.Invalid(fieldJID, "that is the Jabber ID you use now")
	case strings.EqualFold(j.Domainpart(), a.o.Domain):
		return "", adhoc.Invalid(fieldJID, "that is an address of this gateway, not a Jabber ID you use")
	}
	bs, err := a.o.Store.Numbers(ctx, to)
	if err != nil {
		return "", err
	}
	if len(bs) > 0 {
		return "", adhoc.Invalid(fieldJID, "%s already holds a number here", to)
	}
	if a.o.Ledger != nil {
		if _, err := a.o.Ledger.Account(ctx, to); err == nil {
			return "", adhoc.Invalid(fieldJID, "%s already has an account here", to)
		} else if !errors.Is(err, billing.ErrAccount) {
			return "", err
		}
	}
	return to, nil
}

// accept is the new JID's side: it sees who asks, gives the code, and
// the move happens.
func (a *Accounts) accept(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	me := r.From.Bare().String()
	c, err := a.o.Store.JIDChangeFor(ctx, me)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.o.Now().Before(c.Expires)) {
		return done(adhoc.Info, "No change of Jabber ID waits for you (or it expired: ask for a new one)."), nil
	}
	if err != nil {
		return nil, err
	}
	switch r.Stage {
	case "":
		return &adhoc.Step{Stage: stageCode, Final: true, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Accept a change of Jabber ID",
			Instructions: c.From + " asks to move their phone number, balance and settings to you.",
			Fields:       []adhoc.Field{{Var: fieldCode, Type: adhoc.TextSingle, Label: "The code the gateway sent you", Required: true}},
		}}, nil
	case stageCode:
		got := strings.TrimSpace(r.Values.Get(fieldCode))
		if subtle.ConstantTimeCompare([]byte(got), []byte(c.Code)) != 1 {
			a.log.Info("account: wrong code for a change of jid", "to", me)
			return nil, adhoc.Invalid(fieldCode, "that is not the code the gateway sent you")
		}
		return a.move(ctx, c)
	}
	return nil, errors.New("account: accept: unknown stage " + r.Stage)
}

// move carries out an accepted change: the ledger account, then the
// numbers and settings; the ledger moves back if the numbers cannot.
func (a *Accounts) move(ctx context.Context, c store.JIDChange) (*adhoc.Step, error) {
	bs, err := a.o.Store.Numbers(ctx, c.From)
	if err != nil {
		return nil, err
	}
	moved := false
	if a.o.Ledger != nil {
		err := a.o.Ledger.Move(ctx, c.From, c.To)
		switch {
		case errors.Is(err, billing.ErrBusy):
			return done(adhoc.Warn, "A text or call of "+c.From+" is in progress; accept again in a minute."), nil
		case errors.Is(err, billing.ErrExists):
			_ = a.o.Store.DropJIDChange(ctx, c.To)
			return done(adhoc.Error, "You already have an account here: nothing moved."), nil
		case errors.Is(err, billing.ErrAccount):
			// No ledger account (a number assigned by hand): numbers only.
		case err != nil:
			return nil, err
		default:
			moved = true
		}
	}
	if err := a.o.Store.MoveUser(ctx, c.From, c.To); err != nil {
		if moved {
			if berr := a.o.Ledger.Move(ctx, c.To, c.From); berr != nil {
				a.log.Error("account: a change of jid moved the balance but not the numbers", "from", c.From, "to", c.To, "err", berr)
			}
		}
		if errors.Is(err, store.ErrTaken) || errors.Is(err, store.ErrNotFound) {
			_ = a.o.Store.DropJIDChange(ctx, c.To)
			return done(adhoc.Error, "The numbers cannot move: "+c.From+" no longer holds one, or you now hold one. Nothing moved."), nil
		}
		return nil, err
	}
	if err := a.o.Store.DropJIDChange(ctx, c.To); err != nil {
		a.log.Warn("account: cannot forget a done change of jid", "err", err)
	}
	list := numberList(bs)
	a.log.Info("account: jid changed", "from", c.From, "to", c.To)
	a.notify(ctx, c.From, "🔑 "+list+" now belongs to "+c.To+", as you asked, with your balance and settings.")
	return done(adhoc.Info, "Done: "+list+" is yours now, with its balance and settings."), nil
}

// numbers are the numbers of the user running r, or none, a step saying
// they have none.
func (a *Accounts) numbers(ctx context.Context, r *adhoc.Request) (owner string, bs []store.Binding, none *adhoc.Step, err error) {
	owner = r.From.Bare().String()
	if bs, err = a.o.Store.Numbers(ctx, owner); err != nil {
		return owner, nil, nil, err
	}
	if len(bs) == 0 {
		return owner, nil, done(adhoc.Info, "You have no phone number on this gateway."), nil
	}
	return owner, bs, nil, nil
}

func numberList(bs []store.Binding) string {
	nums := make([]string, len(bs))
	for i, b := range bs {
		nums[i] = b.Number
	}
	return strings.Join(nums, ", ")
}
