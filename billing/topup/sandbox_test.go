package topup

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSandboxPayment: a sandbox top-up is a page that shows the amount
// and credits it once when paid: a replayed or concurrent POST credits
// nothing more, an unknown, used or expired token is 404, a GET pays
// nothing.
func TestSandboxPayment(t *testing.T) {
	f := newFixture(t, "", nil)
	var mu sync.Mutex
	var told []Credited
	sb, err := NewSandbox(f.ledger, f.rdb, "", "http://gw.example.org/", "USD", nil, Options{OnCredit: func(_ context.Context, c Credited) {
		mu.Lock()
		defer mu.Unlock()
		told = append(told, c)
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	ctx := context.Background()

	if _, err := sb.TopUp(ctx, alice, usd(t, "7.00")); err == nil {
		t.Fatal("an amount not offered was accepted")
	}
	if _, err := sb.TopUp(ctx, "nobody@example.org", usd(t, "5.00")); err == nil {
		t.Fatal("a top-up without an account was accepted")
	}
	u, err := sb.TopUp(ctx, alice, usd(t, "10.00"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "http://gw.example.org"+SandboxPath) || len(u) < len("http://gw.example.org"+SandboxPath)+20 {
		t.Fatalf("TopUp = %q", u)
	}
	path := strings.TrimPrefix(u, "http://gw.example.org")

	do := func(method, p string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+p, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := do(http.MethodGet, path)
	if code != http.StatusOK || !strings.Contains(body, "10.00 USD") || !strings.Contains(body, `method="post"`) {
		t.Fatalf("page %d %s", code, body)
	}
	do(http.MethodGet, path)
	if b := f.balance(t, alice); !b.IsZero() {
		t.Fatalf("a GET credited %s", b)
	}

	// Several POSTs at once, and a replay after: one credit, one notice.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do(http.MethodPost, path)
		}()
	}
	wg.Wait()
	if code, _ := do(http.MethodPost, path); code != http.StatusNotFound {
		t.Fatalf("a replayed payment is %d, want 404", code)
	}
	if b := f.balance(t, alice); b != usd(t, "10.00") {
		t.Fatalf("balance %s after paying 10.00 (five times at once)", b)
	}
	mu.Lock()
	if len(told) != 1 || told[0].Amount != usd(t, "10.00") || told[0].Account != alice {
		t.Errorf("told %+v, want one credit", told)
	}
	mu.Unlock()

	// Expired and unknown tokens.
	u2, err := sb.TopUp(ctx, alice, usd(t, "5.00"))
	if err != nil {
		t.Fatal(err)
	}
	token := u2[strings.LastIndex(u2, "/")+1:]
	if err := f.rdb.PExpire(ctx, sb.key(token), time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	for _, p := range []string{SandboxPath + token, SandboxPath + "AAAAAAAAAAAAAAAAAAAAAA", SandboxPath + "short", SandboxPath + "..%2f..%2fx"} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			if code, _ := do(m, p); code != http.StatusNotFound {
				t.Errorf("%s %s = %d, want 404", m, p, code)
			}
		}
	}
	if b := f.balance(t, alice); b != usd(t, "10.00") {
		t.Fatalf("balance %s, want 10.00", b)
	}
	if code, _ := do(http.MethodPut, path); code != http.StatusMethodNotAllowed {
		t.Errorf("PUT = %d", code)
	}
}
