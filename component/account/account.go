// Package account holds the gateway's account and admin ad-hoc commands:
// balance, usage, top-up, change Jabber ID (and its accept side), cancel,
// and the admins' credit, suspend and resume. New builds them from the
// gateway's parts; Register adds those that make sense to an adhoc.Server
// (without billing: cancel and the change of Jabber ID only). README.md is
// the manual.
package account

import (
	"context"
	"log/slog"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// Store is the state the commands read and write; *store.Store
// implements it.
type Store interface {
	Numbers(ctx context.Context, jid string) ([]store.Binding, error)
	Release(ctx context.Context, number string) (store.Binding, error)
	MoveUser(ctx context.Context, from, to string) error
	PutJIDChange(ctx context.Context, c store.JIDChange) error
	JIDChangeFor(ctx context.Context, to string) (store.JIDChange, error)
	DropJIDChange(ctx context.Context, to string) error
	CountJIDChange(ctx context.Context, from string, window time.Duration) (int64, error)
}

// Ledger is what the commands need of *billing.Ledger.
type Ledger interface {
	Currency() string
	Account(ctx context.Context, account string) (billing.Account, error)
	Usage(ctx context.Context, account string, n int64) ([]billing.Posting, error)
	Credit(ctx context.Context, adj billing.Adjustment) (billing.Decision, error)
	Suspend(ctx context.Context, account, reason string) error
	Resume(ctx context.Context, account string) error
	SetNumbers(ctx context.Context, account string, n int64) error
	CancelAtEnd(ctx context.Context, account string, on bool) error
	Closed(ctx context.Context, account string) error
	Move(ctx context.Context, from, to string) error
}

// Payments start top-ups: *topup.Stripe, or *topup.Sandbox for the demo.
type Payments interface {
	Amounts() []billing.Money
	// TopUp returns the address of a page that pays amount into account.
	TopUp(ctx context.Context, account string, amount billing.Money) (string, error)
}

// Notifier sends a user (a bare JID) a chat message from the gateway's
// JID; *component.Component implements it.
type Notifier interface {
	Notify(ctx context.Context, user, text string) error
}

// Releaser gives a number back to its carrier (carriers.NumberStore).
type Releaser interface {
	ReleaseNumber(ctx context.Context, id string) error
}

// Options configure the commands.
type Options struct {
	Store  Store
	Notify Notifier
	// Ledger is nil when billing is off: then balance, usage, top-up and
	// the admins' credit, suspend and resume are not offered.
	Ledger Ledger
	// Payments is nil without a payment provider: no top-up command.
	Payments Payments
	// Releasers give cancelled numbers back, by carrier name, with the
	// carrier's id that sign-up kept in the binding (store.Binding.
	// CarrierID). A number without either (assigned by hand) is only
	// unbound, and the log says so for the operator.
	Releasers map[string]Releaser
	// Cancel is [billing] cancel: billing.CancelImmediate (default) or
	// billing.CancelPeriodEnd.
	Cancel string
	// Domain is the gateway's domain.
	Domain string
	// ChangeTTL is how long a new JID has to accept a change of Jabber ID;
	// default an hour.
	ChangeTTL time.Duration
	// UsageLines is how many postings usage lists; default 20.
	UsageLines int
	Logger     *slog.Logger
	// Redact shortens numbers in logs; default phone.Redact.
	Redact func(string) string
	Now    func() time.Time
}

// Accounts are the commands, built once.
type Accounts struct {
	o   Options
	log *slog.Logger
}

// New returns the commands of o.
func New(o Options) *Accounts {
	if o.Cancel == "" {
		o.Cancel = billing.CancelImmediate
	}
	if o.ChangeTTL <= 0 {
		o.ChangeTTL = time.Hour
	}
	if o.UsageLines <= 0 {
		o.UsageLines = 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Redact == nil {
		o.Redact = phone.Redact
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Accounts{o: o, log: o.Logger}
}

// Nodes of the commands.
const (
	NodeBalance = "balance"
	NodeUsage   = "usage"
	NodeTopUp   = "top-up"
	NodeChange  = "change-jid"
	NodeAccept  = "accept-jid"
	NodeCancel  = "cancel-number"
	NodeCredit  = "credit"
	NodeSuspend = "suspend"
	NodeResume  = "resume"
)

// Commands are the commands that make sense with a's options, in the
// order a menu lists them.
func (a *Accounts) Commands() []adhoc.Command {
	var cs []adhoc.Command
	if a.o.Ledger != nil {
		cs = append(cs,
			adhoc.Command{Node: NodeBalance, Name: "Balance", Access: adhoc.Registered, Step: a.balance},
			adhoc.Command{Node: NodeUsage, Name: "Usage", Access: adhoc.Registered, Step: a.usage, Aliases: []string{"statement"}},
		)
		if a.o.Payments != nil {
			cs = append(cs, adhoc.Command{Node: NodeTopUp, Name: "Top up", Access: adhoc.Registered, Step: a.topUp, Aliases: []string{"topup", "pay"}})
		}
	}
	cs = append(cs,
		adhoc.Command{Node: NodeChange, Name: "Change Jabber ID", Access: adhoc.Registered, Step: a.change, Aliases: []string{"change jid", "jid-switch"}},
		adhoc.Command{Node: NodeAccept, Name: "Accept a change of Jabber ID", Access: adhoc.Anyone, Step: a.accept, Aliases: []string{"accept"}},
		adhoc.Command{Node: NodeCancel, Name: "Cancel my number", Access: adhoc.Registered, Step: a.cancel},
	)
	if a.o.Ledger != nil {
		cs = append(cs,
			adhoc.Command{Node: NodeCredit, Name: "Credit or debit an account", Access: adhoc.Admin, Step: a.credit},
			adhoc.Command{Node: NodeSuspend, Name: "Suspend an account", Access: adhoc.Admin, Step: a.suspend},
			adhoc.Command{Node: NodeResume, Name: "Resume an account", Access: adhoc.Admin, Step: a.resume},
		)
	}
	return cs
}

// Register adds a's commands to srv.
func (a *Accounts) Register(srv *adhoc.Server) error { return srv.Register(a.Commands()...) }

// done ends a command with one note.
func done(t adhoc.NoteType, text string) *adhoc.Step {
	return &adhoc.Step{Done: true, Notes: []adhoc.Note{{Type: t, Text: text}}}
}

// noAccount is the answer to a user whose ledger account does not exist.
var noAccount = done(adhoc.Info, "You have no account with a balance on this gateway.")

func (a *Accounts) notify(ctx context.Context, user, text string) {
	if a.o.Notify == nil {
		return
	}
	if err := a.o.Notify.Notify(ctx, user, text); err != nil {
		a.log.Warn("account: cannot tell a user", "err", err)
	}
}

const dateTime = "2 Jan 2006 15:04 MST"
