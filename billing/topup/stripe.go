package topup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stripe/stripe-go/v82"

	"github.com/switchboard-gw/switchboard/billing"
)

// Errors of TopUp.
var (
	ErrConfig   = errors.New("topup: configuration not checked")
	ErrAmount   = errors.New("topup: amount not offered")
	ErrCurrency = errors.New("topup: not the account's currency")
	ErrLimit    = errors.New("topup: too many top-ups started this hour")
	ErrStripe   = errors.New("topup: stripe")
)

// purpose marks the Checkout Sessions this package creates, so that the
// webhook leaves alone any other payment on the same Stripe account.
const purpose = "switchboard-topup"

// Ledger is what top-ups need of *billing.Ledger.
type Ledger interface {
	Account(ctx context.Context, account string) (billing.Account, error)
	Credit(ctx context.Context, adj billing.Adjustment) (billing.Decision, error)
}

// Credited is a top-up the ledger has just credited (never a replay).
type Credited struct {
	Account  string
	Amount   billing.Money // as Stripe reported it paid
	Balance  billing.Money // after the credit
	Session  string        // the Checkout Session (cs_…): the posting's id
	Event    string        // the Stripe event (evt_…) that brought it
	Decision billing.Decision
}

// Text is the message for the user.
func (c Credited) Text() string {
	return fmt.Sprintf("Your top-up of %s has arrived. Your balance is now %s.", c.Amount, c.Balance)
}

// Options are the optional parts of New.
type Options struct {
	Logger *slog.Logger
	// HTTPClient calls Stripe's API; default one with a 30s timeout.
	HTTPClient *http.Client
	// OnCredit is called once per top-up, after the credit is durable and
	// Stripe has been answered: tell the user c.Text(). It runs on the
	// webhook's request; keep it short.
	OnCredit func(ctx context.Context, c Credited)
	// Now is the clock of the rate limit; default time.Now.
	Now func() time.Time
}

// Stripe starts top-ups as Stripe Checkout Sessions and credits the
// ledger from Stripe's signed webhook events. It is safe for concurrent
// use, and by several gateway instances sharing one Redis.
type Stripe struct {
	cfg    *Config
	ledger Ledger
	rdb    redis.UniversalClient
	prefix string
	sc     *stripe.Client
	log    *slog.Logger
	onCred func(ctx context.Context, c Credited)
	now    func() time.Time
}

// New returns top-ups into ledger with cfg (passed Check and SetCurrency).
// rdb and prefix ("sb:" when empty) hold the per-account rate limit.
func New(cfg *Config, ledger Ledger, rdb redis.UniversalClient, prefix string, opts Options) (*Stripe, error) {
	if cfg == nil || len(cfg.amounts) == 0 || cfg.SuccessURL == "" {
		return nil, ErrConfig
	}
	if prefix == "" {
		prefix = "sb:"
	}
	s := &Stripe{cfg: cfg, ledger: ledger, rdb: rdb, prefix: prefix, log: opts.Logger, onCred: opts.OnCredit, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	url := cfg.APIURL
	// stripe-go's own logger writes to stderr; errors are logged here,
	// through slog, without the key.
	s.sc = stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		HTTPClient:    hc,
		URL:           &url,
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	})))
	return s, nil
}

// Amounts are the top-ups offered, in the ledger's currency.
func (s *Stripe) Amounts() []billing.Money { return slices.Clone(s.cfg.amounts) }

// TopUp opens a Stripe Checkout Session paying amount into account and
// returns the address of its payment page. amount must be one of Amounts
// and in the account's currency; an account may start PerHour top-ups an
// hour (ErrLimit). Nothing is credited here: the webhook does that when
// Stripe says the session was paid.
func (s *Stripe) TopUp(ctx context.Context, account string, amount billing.Money) (string, error) {
	if !slices.Contains(s.cfg.amounts, amount) {
		return "", fmt.Errorf("%w: %s", ErrAmount, amount)
	}
	if len(account) > 200 {
		// Stripe's limit for client_reference_id.
		return "", fmt.Errorf("%w: account id over 200 bytes", billing.ErrEvent)
	}
	acct, err := s.ledger.Account(ctx, account)
	if err != nil {
		return "", err
	}
	if acct.Balance.Currency != amount.Currency {
		return "", fmt.Errorf("%w: %s, not %s", ErrCurrency, amount.Currency, acct.Balance.Currency)
	}
	if err := s.allow(ctx, account); err != nil {
		return "", err
	}
	unit, cur := toStripe(amount)
	sess, err := s.sc.V1CheckoutSessions.Create(ctx, &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String(string(stripe.CheckoutSessionModePayment)),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(cur),
				UnitAmount:  stripe.Int64(unit),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(s.cfg.Product)},
			},
			Quantity: stripe.Int64(1),
		}},
		ClientReferenceID: stripe.String(account),
		// For people reading the dashboard; the webhook never takes an
		// amount from here.
		Metadata: map[string]string{
			"purpose": purpose,
			"account": account,
			"amount":  amount.Decimal(),
		},
		SuccessURL: stripe.String(s.cfg.SuccessURL),
		CancelURL:  stripe.String(s.cfg.CancelURL),
	})
	if err != nil {
		s.log.Error("topup: stripe refused a checkout session", "err", err)
		return "", fmt.Errorf("%w: %w", ErrStripe, err)
	}
	if sess.URL == "" {
		return "", fmt.Errorf("%w: checkout session %s has no url", ErrStripe, sess.ID)
	}
	s.log.Info("topup: checkout session opened", "account", account, "amount", amount.String(), "session", sess.ID)
	return sess.URL, nil
}
