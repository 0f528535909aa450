package topup

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
	"go.uber.org/goleak"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The secrets of the tests; no log may show them.
const (
	secretKey     = "sk_test_topupsecretkey0123456789"
	webhookSecret = "whsec_topupwebhooksecret0123456789"
	alice         = "alice@example.org"
)

// fixture is a real ledger on a real Redis, top-ups over it, and what
// they logged and told users.
type fixture struct {
	s      *Stripe
	ledger *billing.Ledger
	rdb    *redis.Client
	redis  *testenv.Redis
	logs   *syncbuf.Buffer

	mu      sync.Mutex
	credits []Credited
}

// newFixture opens alice's account (USD, empty) in a fresh ledger. apiURL
// is stripe-mock's, or "" where Stripe's API is not called.
func newFixture(t *testing.T, apiURL string, edit func(*Config)) *fixture {
	t.Helper()
	srv := testenv.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	bc := &billing.Config{Enabled: true, Currency: "USD"}
	if err := bc.Check(); err != nil {
		t.Fatal(err)
	}
	l, err := billing.New(rdb, "", bc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Open(context.Background(), alice, ""); err != nil {
		t.Fatal(err)
	}
	if apiURL == "" {
		apiURL = "http://127.0.0.1:1" // never called
	}
	cfg := &Config{SecretKey: secretKey, WebhookSecret: webhookSecret, APIURL: apiURL}
	if edit != nil {
		edit(cfg)
	}
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	if err := cfg.SetCurrency("USD", "https://gw.example.org"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{ledger: l, rdb: rdb, redis: srv, logs: &syncbuf.Buffer{}}
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.s, err = New(cfg, l, rdb, "", Options{Logger: log, OnCredit: func(_ context.Context, c Credited) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.credits = append(f.credits, c)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range []string{secretKey, webhookSecret} {
			if strings.Contains(f.logs.String(), s) {
				t.Errorf("a secret was logged:\n%s", f.logs.String())
			}
		}
	})
	return f
}

func (f *fixture) balance(t *testing.T, account string) billing.Money {
	t.Helper()
	a, err := f.ledger.Account(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

func (f *fixture) told() []Credited {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Credited(nil), f.credits...)
}

// session is a Checkout Session of this gateway as Stripe reports it in
// an event: paid, 10.00 USD, for alice.
func session(id string) map[string]any {
	return map[string]any{
		"id": id, "object": "checkout.session", "mode": "payment", "status": "complete",
		"payment_status": "paid", "amount_total": 1000, "amount_subtotal": 1000, "currency": "usd",
		"client_reference_id": alice, "livemode": false,
		"metadata": map[string]any{"purpose": purpose, "account": alice, "amount": "10.00"},
	}
}

// event is a Stripe event of typ about obj.
func event(t testing.TB, id, typ string, obj map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": stripe.APIVersion, "created": time.Now().Unix(),
		"type": typ, "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": obj},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signed is the Stripe-Signature header for body, made by stripe-go's own
// test helper.
func signed(body []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at}).Header
}

// post delivers body to the webhook with header as its signature and
// returns the status.
func (f *fixture) post(t *testing.T, body []byte, header string) int {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, WebhookPath, strings.NewReader(string(body)))
	if header != "" {
		r.Header.Set("Stripe-Signature", header)
	}
	w := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(w, r)
	return w.Code
}

func usd(t testing.TB, s string) billing.Money {
	t.Helper()
	m, err := billing.ParseMoney(s, "USD")
	if err != nil {
		t.Fatal(err)
	}
	return m
}
