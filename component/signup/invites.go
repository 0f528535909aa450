package signup

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// Invite code errors, as the user reads them.
var (
	ErrInvite     = errors.New("signup: that invite code is unknown or expired")
	ErrInviteUsed = errors.New("signup: that invite code has been used up")
)

// codeAlphabet leaves out letters and digits people confuse (0 O 1 I L).
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newCode is a code of ten letters in two groups: XXXXX-XXXXX, 49 bits.
func newCode() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 0, 11)
	for i, c := range b {
		if i == 5 {
			out = append(out, '-')
		}
		out = append(out, codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return string(out)
}

// normalCode is a code as typed, in upper case without spaces, or "" when
// it cannot be a code.
func normalCode(s string) string {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if s == "" || len(s) > 64 {
		return ""
	}
	for i := range len(s) {
		if c := s[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' {
			return ""
		}
	}
	return s
}

// redeem uses code for owner (once per JID however often it is tried)
// and credits its bonus, once, with the posting id
// invite:<code>:<owner>. It returns the code as kept.
func (s *Signup) redeem(ctx context.Context, owner, typed string) (string, error) {
	code := normalCode(typed)
	if code == "" {
		return "", ErrInvite
	}
	inv, _, err := s.o.Store.RedeemInvite(ctx, code, owner, s.o.Now())
	switch {
	case errors.Is(err, store.ErrInviteUnknown):
		return "", ErrInvite
	case errors.Is(err, store.ErrInviteUsed):
		return "", ErrInviteUsed
	case err != nil:
		return "", err
	}
	if inv.Bonus <= 0 || s.o.Ledger == nil {
		return code, nil
	}
	if inv.Currency != s.o.Ledger.Currency() {
		s.log.Warn("signup: invite bonus in another currency than the ledger's; not credited", "currency", inv.Currency)
		return code, nil
	}
	if _, err := s.account(ctx, owner); err != nil {
		return "", err
	}
	_, err = s.o.Ledger.Credit(ctx, billing.Adjustment{
		Account: owner, ID: bonusID(code, owner), Kind: billing.Bonus,
		Amount: billing.Money{Amount: inv.Bonus, Currency: inv.Currency}, Note: "invite " + code,
	})
	if err != nil {
		return "", fmt.Errorf("signup: invite bonus: %w", err)
	}
	return code, nil
}

// bonusID is the posting id of code's bonus for owner; a JID too long for
// a posting id is hashed.
func bonusID(code, owner string) string {
	id := "invite:" + code + ":" + owner
	if len(id) > 200 || strings.ContainsAny(owner, " \t\r\n") {
		h := sha256.Sum256([]byte(owner))
		id = "invite:" + code + ":" + hex.EncodeToString(h[:16])
	}
	return id
}

// Bounds of the invite-codes command.
const (
	maxCodes     = 100
	maxCodeUses  = 100000
	maxValidDays = 3650
)

// Invites is where invite codes are kept; *store.Store implements it.
type Invites interface {
	CreateInvite(ctx context.Context, inv store.Invite) error
}

// Issue creates count codes in st, each admitting uses JIDs, with bonus
// credit (zero for none) and an expiry (zero: never), for the admins'
// command and `switchboard invites create`.
func Issue(ctx context.Context, st Invites, count, uses int, bonus billing.Money, expires, now time.Time) ([]store.Invite, error) {
	if count < 1 || count > maxCodes || uses < 1 || uses > maxCodeUses || bonus.Amount < 0 {
		return nil, fmt.Errorf("signup: issue 1 to %d codes of 1 to %d uses, without negative bonus", maxCodes, maxCodeUses)
	}
	out := make([]store.Invite, 0, count)
	for len(out) < count {
		inv := store.Invite{Code: newCode(), Uses: int64(uses), Bonus: bonus.Amount, Currency: bonus.Currency, Expires: expires, Created: now}
		err := st.CreateInvite(ctx, inv)
		if errors.Is(err, store.ErrInviteExists) {
			continue // a collision: draw again
		}
		if err != nil {
			return out, err
		}
		inv.Left = inv.Uses
		out = append(out, inv)
	}
	return out, nil
}

// invitesStep is the admins' "Issue invite codes".
func (s *Signup) invitesStep(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	if r.Stage == "" {
		f := &adhoc.Form{Type: adhoc.TypeForm, Title: "Issue invite codes", Fields: []adhoc.Field{
			{Var: "count", Label: "How many codes", Required: true, Values: []string{"1"}, Desc: "1 to " + strconv.Itoa(maxCodes)},
			{Var: "uses", Label: "Sign-ups each code admits", Required: true, Values: []string{"1"}, Desc: "1 for single use"},
			{Var: "days", Label: "Valid for days", Desc: "empty: no expiry"},
		}}
		if s.o.Ledger != nil {
			f.Fields = append(f.Fields, adhoc.Field{Var: "bonus", Label: "Bonus credit (" + s.o.Ledger.Currency() + ")", Desc: "for each JID using the code; empty: none"})
		}
		return &adhoc.Step{Stage: "issue", Form: f, Final: true}, nil
	}
	count, err := strconv.Atoi(r.Values.Get("count"))
	if err != nil || count < 1 || count > maxCodes {
		return nil, adhoc.Invalid("count", "give a number from 1 to %d", maxCodes)
	}
	uses, err := strconv.Atoi(r.Values.Get("uses"))
	if err != nil || uses < 1 || uses > maxCodeUses {
		return nil, adhoc.Invalid("uses", "give a number from 1 to %d", maxCodeUses)
	}
	var expires time.Time
	if d := r.Values.Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > maxValidDays {
			return nil, adhoc.Invalid("days", "give a number of days from 1 to %d, or nothing", maxValidDays)
		}
		expires = s.o.Now().Add(time.Duration(n) * 24 * time.Hour)
	}
	var bonus billing.Money
	if b := r.Values.Get("bonus"); b != "" && s.o.Ledger != nil {
		bonus, err = billing.ParseMoney(b, s.o.Ledger.Currency())
		if err != nil || bonus.Amount < 0 {
			return nil, adhoc.Invalid("bonus", "give an amount such as 5.00, or nothing")
		}
	}
	invs, err := Issue(ctx, s.o.Store, count, uses, bonus, expires, s.o.Now())
	if err != nil {
		return nil, err
	}
	codes := make([]string, len(invs))
	for i, inv := range invs {
		codes[i] = inv.Code
	}
	s.log.Info("signup: invite codes issued", "by", r.From.Bare().String(), "count", count, "uses", uses, "bonus", bonus.Amount)
	what := strconv.Itoa(uses) + " sign-up"
	if uses > 1 {
		what += "s"
	}
	note := "Each code admits " + what
	if bonus.Amount > 0 {
		note += " and credits " + bonus.String()
	}
	if !expires.IsZero() {
		note += ", until " + expires.UTC().Format(time.DateOnly)
	}
	return &adhoc.Step{Done: true, Notes: []adhoc.Note{{Type: adhoc.Info, Text: note + "."}},
		Form: &adhoc.Form{Type: adhoc.TypeResult, Title: "Invite codes", Fields: []adhoc.Field{
			{Var: "codes", Type: adhoc.TextMulti, Label: "Codes", Values: codes},
		}}}, nil
}
