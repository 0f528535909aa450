package topup

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/billing"
)

// SandboxPath is where sandbox payment pages live:
// {public_url}/sandbox/pay/{token}.
const SandboxPath = "/sandbox/pay/"

// SandboxTTL is how long a sandbox payment page can be paid.
const SandboxTTL = time.Hour

// sandboxTokenLen is the token's bytes before base64: 128 bits, as
// unguessable as the capability it is.
const sandboxTokenLen = 16

// Sandbox is a pretend payment provider for a gateway running the sandbox
// carrier without [stripe] (make demo): TopUp returns the address of a
// page with the amount and a Pay button, and paying it credits the ledger,
// once. The address is the capability: whoever opens it may pay it, for
// an hour, once. No money moves anywhere.
type Sandbox struct {
	ledger  Ledger
	rdb     redis.UniversalClient
	prefix  string
	base    string
	amounts []billing.Money
	log     *slog.Logger
	onCred  func(ctx context.Context, c Credited)
	now     func() time.Time
}

// sandboxPayment is what a token stands for.
type sandboxPayment struct {
	Account string `json:"a"`
	Amount  int64  `json:"m"`
	Cur     string `json:"c"`
}

// NewSandbox returns sandbox top-ups into ledger of the amounts given
// ("5.00", "10.00", "25.00" of currency when none), with pages under
// publicURL. rdb and prefix ("sb:" when empty) keep the open payments.
// Of opts, Logger, OnCredit and Now are used.
func NewSandbox(ledger Ledger, rdb redis.UniversalClient, prefix, publicURL, currency string, amounts []billing.Money, opts Options) (*Sandbox, error) {
	if len(amounts) == 0 {
		for _, s := range []string{"5.00", "10.00", "25.00"} {
			m, err := billing.ParseMoney(s, currency)
			if err != nil {
				return nil, fmt.Errorf("topup: sandbox: %w", err)
			}
			amounts = append(amounts, m)
		}
	}
	if prefix == "" {
		prefix = "sb:"
	}
	s := &Sandbox{ledger: ledger, rdb: rdb, prefix: prefix, base: strings.TrimRight(publicURL, "/"),
		amounts: slices.Clone(amounts), log: opts.Logger, onCred: opts.OnCredit, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Amounts are the top-ups offered.
func (s *Sandbox) Amounts() []billing.Money { return slices.Clone(s.amounts) }

func (s *Sandbox) key(token string) string { return s.prefix + "topup:sandbox:" + token }

// TopUp opens a sandbox payment of amount (one of Amounts) into account
// and returns its page's address.
func (s *Sandbox) TopUp(ctx context.Context, account string, amount billing.Money) (string, error) {
	if !slices.Contains(s.amounts, amount) {
		return "", fmt.Errorf("%w: %s", ErrAmount, amount)
	}
	acct, err := s.ledger.Account(ctx, account)
	if err != nil {
		return "", err
	}
	if acct.Balance.Currency != amount.Currency {
		return "", fmt.Errorf("%w: %s, not %s", ErrCurrency, amount.Currency, acct.Balance.Currency)
	}
	var b [sandboxTokenLen]byte
	_, _ = rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	v, err := json.Marshal(sandboxPayment{Account: account, Amount: amount.Amount, Cur: amount.Currency})
	if err != nil {
		return "", fmt.Errorf("topup: sandbox: %w", err)
	}
	if err := s.rdb.Set(ctx, s.key(token), v, SandboxTTL).Err(); err != nil {
		return "", fmt.Errorf("topup: sandbox: %w", err)
	}
	s.log.Info("topup: sandbox payment opened", "account", account, "amount", amount.String())
	return s.base + SandboxPath + token, nil
}

// errNoPayment: the token is unknown, paid or expired.
var errNoPayment = errors.New("topup: no such sandbox payment")

func (s *Sandbox) payment(ctx context.Context, token string) (sandboxPayment, error) {
	var p sandboxPayment
	if len(token) != base64.RawURLEncoding.EncodedLen(sandboxTokenLen) {
		return p, errNoPayment
	}
	b, err := s.rdb.Get(ctx, s.key(token)).Bytes()
	if errors.Is(err, redis.Nil) {
		return p, errNoPayment
	}
	if err != nil {
		return p, fmt.Errorf("topup: sandbox: %w", err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("topup: sandbox: %w", err)
	}
	return p, nil
}

// Handler serves GET and POST SandboxPath{token}: the page, and paying
// it. Mount it at SandboxPath.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+SandboxPath+"{token}", s.page)
	mux.HandleFunc("POST "+SandboxPath+"{token}", s.pay)
	return mux
}

func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The address is the capability: never pass it on, never be framed.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
}

const sandboxPage = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sandbox payment</title><style>body{font-family:sans-serif;max-width:30em;margin:3em auto;padding:0 1em}button{font-size:1.2em;padding:.4em 1.5em}</style></head>
<body><h1>%s</h1><p>%s</p>%s</body></html>
`

func (s *Sandbox) write(w http.ResponseWriter, code int, title, text, form string) {
	pageHeaders(w)
	w.WriteHeader(code)
	_, _ = fmt.Fprintf(w, sandboxPage, html.EscapeString(title), html.EscapeString(text), form)
}

// open reads the payment r's path names, or answers r itself (ok false).
func (s *Sandbox) open(w http.ResponseWriter, r *http.Request) (p sandboxPayment, token string, ok bool) {
	token = r.PathValue("token")
	p, err := s.payment(r.Context(), token)
	switch {
	case errors.Is(err, errNoPayment):
		s.write(w, http.StatusNotFound, "No such payment", "This payment page is unknown, already paid or expired. Start a new top-up from your chat.", "")
		return p, token, false
	case err != nil:
		s.log.Error("topup: sandbox payment", "err", err)
		s.write(w, http.StatusInternalServerError, "Try again", "The payment cannot be read right now.", "")
		return p, token, false
	}
	return p, token, true
}

func (s *Sandbox) page(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.open(w, r)
	if !ok {
		return
	}
	m := billing.Money{Amount: p.Amount, Currency: p.Cur}
	s.write(w, http.StatusOK, "Pay "+m.String(), "Sandbox payment: no money moves. Paying credits "+m.String()+" to "+p.Account+".",
		`<form method="post"><button type="submit">Pay</button></form>`)
}

// pay credits the payment once: its posting id derives from the token, so
// a repeated or concurrent POST is a replay the ledger ignores; the token
// is then forgotten, and later POSTs find nothing.
func (s *Sandbox) pay(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, token, ok := s.open(w, r)
	if !ok {
		return
	}
	sum := sha256.Sum256([]byte(token))
	id := "sandbox_" + hex.EncodeToString(sum[:12])
	amount := billing.Money{Amount: p.Amount, Currency: p.Cur}
	d, err := s.ledger.Credit(ctx, billing.Adjustment{Account: p.Account, ID: id, Kind: billing.Payment, Amount: amount, Note: "sandbox"})
	if err != nil || !d.Allowed {
		s.log.Error("topup: sandbox payment not credited", "account", p.Account, "reason", d.Reason, "err", err)
		s.write(w, http.StatusInternalServerError, "Not paid", "The payment could not be credited; try again.", "")
		return
	}
	if err := s.rdb.Del(ctx, s.key(token)).Err(); err != nil {
		s.log.Warn("topup: sandbox payment not forgotten (a replay credits nothing)", "err", err)
	}
	if !d.Replay {
		s.log.Info("topup: sandbox payment credited", "account", p.Account, "amount", amount.String())
		if s.onCred != nil {
			s.onCred(ctx, Credited{Account: p.Account, Amount: amount, Balance: d.Balance, Session: id, Decision: d})
		}
	}
	s.write(w, http.StatusOK, "Paid", "Thank you: "+amount.String()+" was credited. The gateway tells you so in your chat.", "")
}
