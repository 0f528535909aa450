package signup

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// Store is the state sign-up reads and writes; *store.Store implements
// it.
type Store interface {
	Numbers(ctx context.Context, jid string) ([]store.Binding, error)
	Assign(ctx context.Context, b store.Binding) error
	Release(ctx context.Context, number string) (store.Binding, error)
	Hold(ctx context.Context, name, holder string, ttl time.Duration) (string, error)
	Unhold(ctx context.Context, name, holder string) error
	Exchange(ctx context.Context, name, value string, ttl time.Duration) (string, error)
	Holders(ctx context.Context, names []string) ([]string, error)
	Count(ctx context.Context, name string, window time.Duration) (int64, error)
	CreateInvite(ctx context.Context, inv store.Invite) error
	RedeemInvite(ctx context.Context, code, jid string, now time.Time) (store.Invite, bool, error)
	Invites(ctx context.Context) ([]store.Invite, error)
}

// Ledger is the part of *billing.Ledger sign-up uses.
type Ledger interface {
	Open(ctx context.Context, account, plan string) (billing.Account, error)
	Account(ctx context.Context, account string) (billing.Account, error)
	Credit(ctx context.Context, adj billing.Adjustment) (billing.Decision, error)
	SetNumbers(ctx context.Context, account string, n int64) error
	SetPlan(ctx context.Context, account, plan string) (billing.Renewal, error)
	Currency() string
}

// Payments starts top-ups: *topup.Stripe and the sandbox's payments
// implement it. TopUp returns the address of a payment page paying amount
// (one of Amounts) into account.
type Payments interface {
	Amounts() []billing.Money
	TopUp(ctx context.Context, account string, amount billing.Money) (string, error)
}

// Options configure sign-up.
type Options struct {
	Config  Config // checked
	Store   Store
	Numbers carriers.NumberStore // the carrier that sells numbers
	Carrier string               // its name, for the binding
	Domain  string               // the gateway's domain, for number JIDs
	// Ledger is the prepaid ledger; nil when billing is off: then sign-up
	// charges nothing.
	Ledger Ledger
	// Plan is the plan new accounts get ([signup] plan, else [billing]
	// plan); its zero value is pay as you go.
	Plan billing.Plan
	// Payments offers top-up links in the pay step; nil: only credit
	// already on the account (an admin's, an invite's) pays.
	Payments Payments
	Logger   *slog.Logger
	Now      func() time.Time // default time.Now
}

// Signup runs sign-ups.
type Signup struct {
	o   Options
	log *slog.Logger
}

// New returns sign-up as configured by o.
func New(o Options) (*Signup, error) {
	if o.Store == nil || o.Numbers == nil || o.Carrier == "" || o.Domain == "" {
		return nil, errors.New("signup: a store, a carrier that sells numbers, its name and the domain are needed")
	}
	if err := o.Config.Check(); err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Signup{o: o, log: o.Logger}, nil
}

// Nodes of the commands.
const (
	NodeRegister = "jabber:iq:register"
	NodeInvites  = "invite-codes"
)

// Register adds the sign-up command and the admins' invite-codes command
// to srv.
func (s *Signup) Register(srv *adhoc.Server) error {
	return srv.Register(
		adhoc.Command{Node: NodeRegister, Name: "Register", Access: adhoc.Anyone, Step: s.step, Aliases: []string{"register", "sign up", "signup"}},
		adhoc.Command{Node: NodeInvites, Name: "Issue invite codes", Access: adhoc.Admin, Step: s.invitesStep, Aliases: []string{"invites", "invite codes"}},
	)
}
