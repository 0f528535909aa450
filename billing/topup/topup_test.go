package topup

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// recorder keeps the form of every request the client sends.
type recorder struct {
	mu    sync.Mutex
	forms []url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		v, _ := url.ParseQuery(string(b))
		r.mu.Lock()
		r.forms = append(r.forms, v)
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) sent() []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]url.Values(nil), r.forms...)
}

// TestTopUp: a top-up opens a Checkout Session at stripe-mock, which
// validates the request against Stripe's API definition, for one of the
// offered amounts only, and no more often than per_hour.
func TestTopUp(t *testing.T) {
	mock := testenv.StartStripeMock(t)
	f := newFixture(t, mock.URL, func(c *Config) { c.PerHour = 3 })
	rec := &recorder{}
	var err error
	f.s, err = New(f.s.cfg, f.ledger, f.rdb, "", Options{HTTPClient: &http.Client{Transport: rec}, Logger: f.s.log})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	u, err := f.s.TopUp(ctx, alice, usd(t, "10.00"))
	if err != nil {
		t.Fatalf("TopUp: %v", err)
	}
	if pu, err := url.Parse(u); err != nil || pu.Scheme != "https" {
		t.Errorf("payment page %q is not an https URL", u)
	}
	sent := rec.sent()
	if len(sent) != 1 {
		t.Fatalf("%d requests to Stripe, want 1", len(sent))
	}
	want := map[string]string{
		"mode":                                          "payment",
		"line_items[0][price_data][currency]":           "usd",
		"line_items[0][price_data][unit_amount]":        "1000",
		"line_items[0][price_data][product_data][name]": "Prepaid credit",
		"line_items[0][quantity]":                       "1",
		"client_reference_id":                           alice,
		"metadata[account]":                             alice,
		"metadata[amount]":                              "10.00",
		"metadata[purpose]":                             purpose,
		"success_url":                                   "https://gw.example.org" + PaidPath,
		"cancel_url":                                    "https://gw.example.org" + CancelledPath,
	}
	for k, v := range want {
		if got := sent[0].Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}

	for _, tc := range []struct {
		name    string
		account string
		amount  billing.Money
		want    error
	}{
		{"an amount not offered", alice, usd(t, "7.00"), ErrAmount},
		{"a negative amount", alice, usd(t, "-10.00"), ErrAmount},
		{"another currency", alice, billing.Money{Amount: 1000, Currency: "EUR"}, ErrAmount},
		{"no account", "mallory@example.org", usd(t, "10.00"), billing.ErrAccount},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.s.TopUp(ctx, tc.account, tc.amount); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
	if n := len(rec.sent()); n != 1 {
		t.Errorf("refused top-ups reached Stripe (%d requests)", n)
	}

	// per_hour = 3: two more, then refused.
	for i := range 3 {
		_, err := f.s.TopUp(ctx, alice, usd(t, "5.00"))
		if i < 2 && err != nil {
			t.Fatalf("top-up %d: %v", i+2, err)
		}
		if i == 2 && !errors.Is(err, ErrLimit) {
			t.Fatalf("top-up 4 in an hour: error %v, want ErrLimit", err)
		}
	}
	if got := f.balance(t, alice); got.Amount != 0 {
		t.Errorf("opening sessions credited %s", got)
	}
}

// TestTopUpStripeDown: an unreachable Stripe is an error, not a page.
func TestTopUpStripeDown(t *testing.T) {
	f := newFixture(t, "", nil) // api_url is a closed port
	if _, err := f.s.TopUp(context.Background(), alice, usd(t, "5.00")); !errors.Is(err, ErrStripe) {
		t.Fatalf("error %v, want ErrStripe", err)
	}
}
