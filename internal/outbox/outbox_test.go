package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/outbox"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// handler is a carrier and a user in one: it records what was sent and
// what was reported.
type handler struct {
	mu      sync.Mutex
	limits  carriers.Limits
	send    func(j *outbox.Job) (string, error) // nil: accept
	sends   []sendRec
	sent    map[string]string // key -> carrier id
	failed  map[string]error
	changed chan struct{}
}

type sendRec struct {
	key, from, body string
	at              time.Time
}

func newHandler() *handler {
	return &handler{sent: map[string]string{}, failed: map[string]error{}, changed: make(chan struct{}, 1)}
}

func (h *handler) Send(_ context.Context, j *outbox.Job) (string, error) {
	h.mu.Lock()
	h.sends = append(h.sends, sendRec{j.Key, j.Message.From, j.Message.Body, time.Now()})
	f := h.send
	h.mu.Unlock()
	if f != nil {
		return f(j)
	}
	return "C-" + j.Key, nil
}

func (h *handler) Limits(string) (carriers.Limits, bool) { return h.limits, true }

func (h *handler) Sent(_ context.Context, j *outbox.Job, id string) {
	h.mu.Lock()
	h.sent[j.Key] = id
	h.mu.Unlock()
	h.poke()
}

func (h *handler) Failed(_ context.Context, j *outbox.Job, err error) {
	h.mu.Lock()
	h.failed[j.Key] = err
	h.mu.Unlock()
	h.poke()
}

func (h *handler) poke() {
	select {
	case h.changed <- struct{}{}:
	default:
	}
}

// wait waits until done() holds.
func (h *handler) wait(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		h.mu.Lock()
		ok := done()
		h.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-h.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func testConfig() outbox.Config {
	return outbox.Config{Workers: 4, MaxAge: time.Minute, RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond,
		ClaimIdle: 300 * time.Millisecond, Consumer: "test"}
}

func start(t *testing.T, cfg outbox.Config, st *store.Store, h *handler) (*outbox.Outbox, func()) {
	t.Helper()
	o := outbox.New(cfg, st, h, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); o.Run(ctx) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return o, stop
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	r := testenv.StartRedis(t)
	st, err := store.Open(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func job(from, to, body string) *outbox.Job {
	return &outbox.Job{Message: carriers.Message{Carrier: "c", From: from, To: to, Body: body}, Origin: outbox.Origin{JID: "u@example.org/r"}}
}

func empty(t *testing.T, st *store.Store) {
	t.Helper()
	q, r, err := st.OutboxLen(context.Background())
	if err != nil || q != 0 || r != 0 {
		t.Errorf("queue holds %d entries and %d retries (err %v); want none: no body at rest after sending", q, r, err)
	}
}

func TestSendsEachOnceInOrder(t *testing.T) {
	st := openStore(t)
	h := newHandler()
	o, _ := start(t, testConfig(), st, h)
	const n = 200
	var keys []string
	for i := range n {
		j := job(fmt.Sprintf("+1201555010%d", i%3), "+12015550123", fmt.Sprint(i))
		if err := o.Add(t.Context(), j); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, j.Key)
	}
	h.wait(t, "all sent", func() bool { return len(h.sent) == n })
	if len(h.sends) != n {
		t.Errorf("carrier saw %d sends, want %d", len(h.sends), n)
	}
	last := map[string]int{}
	for _, s := range h.sends {
		var i int
		fmt.Sscan(s.body, &i)
		if p, ok := last[s.from]; ok && i < p {
			t.Errorf("number %s sent %d after %d: out of order", s.from, i, p)
		}
		last[s.from] = i
	}
	for _, k := range keys {
		if h.sent[k] != "C-"+k {
			t.Errorf("job %s reported sent as %q", k, h.sent[k])
		}
	}
	empty(t, st)
}

func TestPacesPerNumber(t *testing.T) {
	st := openStore(t)
	h := newHandler()
	h.limits.PerNumber = 20 // one send each 50 ms
	o, _ := start(t, testConfig(), st, h)
	t0 := time.Now()
	for i := range 5 {
		if err := o.Add(t.Context(), job("+12015550100", "+12015550123", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
		if err := o.Add(t.Context(), job("+12015550101", "+12015550123", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	h.wait(t, "all sent", func() bool { return len(h.sent) == 10 })
	// The pacer books a number's sends in 50 ms slots from when it first
	// sees it (after t0), so its k-th send is never before t0+k*50ms. A
	// busy machine can only make a send late, which shortens the gap to
	// the next one; comparing with the slot, not the gap, keeps that from
	// failing the test. The due loop may send a little early by its own
	// rounding, never by half a slot.
	n := map[string]int{}
	for _, s := range h.sends {
		if slot := t0.Add(time.Duration(n[s.from]) * 50 * time.Millisecond); s.at.Before(slot.Add(-25 * time.Millisecond)) {
			t.Errorf("number %s: send %d at %v, before its slot at %v", s.from, n[s.from], s.at.Sub(t0), slot.Sub(t0))
		}
		n[s.from]++
	}
	empty(t, st)
}

// TestSharedPacing: two instances on one Redis (two consumers of one
// queue) sending from one number at 10 a second keep that rate together
// with shared_pacing: the number's k-th send, whichever instance makes it,
// is never before its slot k*100 ms after the first.
func TestSharedPacing(t *testing.T) {
	st := openStore(t)
	h := newHandler()
	h.limits.PerNumber = 10
	var obs []*outbox.Outbox
	for _, name := range []string{"a", "b"} {
		cfg := testConfig()
		cfg.Consumer, cfg.SharedPacing = name, true
		o, _ := start(t, cfg, st, h)
		obs = append(obs, o)
	}
	t0 := time.Now()
	for i := range 10 {
		if err := obs[i%2].Add(t.Context(), job("+12015550100", fmt.Sprintf("+120155501%02d", i), "hi")); err != nil {
			t.Fatal(err)
		}
	}
	h.wait(t, "all sent", func() bool { return len(h.sent) == 10 })
	h.mu.Lock()
	sends := slices.Clone(h.sends)
	h.mu.Unlock()
	slices.SortFunc(sends, func(a, b sendRec) int { return a.at.Compare(b.at) })
	for k, s := range sends {
		if slot := t0.Add(time.Duration(k) * 100 * time.Millisecond); s.at.Before(slot.Add(-25 * time.Millisecond)) {
			t.Errorf("send %d at %v, before its slot at %v", k, s.at.Sub(t0), slot.Sub(t0))
		}
	}
	empty(t, st)
}

func TestRetriesUnavailableThenSends(t *testing.T) {
	st := openStore(t)
	h := newHandler()
	var tries int
	h.send = func(j *outbox.Job) (string, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		tries++
		if tries < 3 {
			return "", &carriers.Error{Kind: carriers.ErrUnavailable, Message: "HTTP 503"}
		}
		return "ok", nil
	}
	o, _ := start(t, testConfig(), st, h)
	j := job("+12015550100", "+12015550123", "hi")
	if err := o.Add(t.Context(), j); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "sent", func() bool { return h.sent[j.Key] == "ok" })
	if tries != 3 || len(h.failed) != 0 {
		t.Errorf("tries %d, failed %v; want 3 tries and no failure", tries, h.failed)
	}
	empty(t, st)
}

func TestFinalOutcomes(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		maxAge time.Duration
		want   error
	}{
		{"rejected", &carriers.Error{Kind: carriers.ErrRejected, Reason: carriers.ReasonOptedOut, Code: "21610"}, time.Minute, carriers.ErrRejected},
		{"unavailable past max age", &carriers.Error{Kind: carriers.ErrUnavailable, Message: "HTTP 500"}, 150 * time.Millisecond, outbox.ErrGaveUp},
		{"429 past max age", &carriers.Error{Kind: carriers.ErrUnavailable, Message: "HTTP 429", RetryAfter: time.Hour}, time.Minute, outbox.ErrGaveUp},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			h := newHandler()
			h.send = func(*outbox.Job) (string, error) { return "", tt.err }
			cfg := testConfig()
			cfg.MaxAge = tt.maxAge
			o, _ := start(t, cfg, st, h)
			j := job("+12015550100", "+12015550123", "hi")
			if err := o.Add(t.Context(), j); err != nil {
				t.Fatal(err)
			}
			h.wait(t, "failure", func() bool { return h.failed[j.Key] != nil })
			if err := h.failed[j.Key]; !errors.Is(err, tt.want) {
				t.Errorf("failed with %v; want %v", err, tt.want)
			}
			if len(h.sent) != 0 {
				t.Errorf("reported sent: %v", h.sent)
			}
			empty(t, st)
		})
	}
}

// A consumer that dies with jobs in hand: its successor under the same
// name resumes them at start, and another instance claims them once idle.
func TestResumesAbandonedJobs(t *testing.T) {
	for _, tt := range []struct {
		name, successor string
	}{
		{"same name restarts", "dead"},
		{"another instance claims", "other"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			h := newHandler()
			o := outbox.New(testConfig(), st, h, nil)
			var keys []string
			for i := range 3 {
				j := job("+12015550100", "+12015550123", fmt.Sprint(i))
				if err := o.Add(t.Context(), j); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, j.Key)
			}
			// "dead" takes them and dies before sending.
			es, err := st.OutboxRead(t.Context(), "dead", "", 10, time.Second)
			if err != nil || len(es) != 3 {
				t.Fatalf("read %d entries, %v", len(es), err)
			}
			cfg := testConfig()
			cfg.Consumer = tt.successor
			start(t, cfg, st, h)
			h.wait(t, "all three reported", func() bool { return len(h.sent) == 3 })
			for _, k := range keys {
				if _, ok := h.sent[k]; !ok {
					t.Errorf("job %s not reported", k)
				}
			}
			if len(h.sends) != 3 {
				t.Errorf("carrier saw %d sends; want 3", len(h.sends))
			}
			empty(t, st)
		})
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// reconciling is a handler that can ask "the carrier" about interrupted
// sends.
type reconciling struct {
	*handler
	found map[string]string // job key -> carrier id the carrier has
	asked []string
}

func (r *reconciling) Reconcile(_ context.Context, j *outbox.Job) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, j.Key)
	id, ok := r.found[j.Key]
	return id, ok, nil
}

// A consumer that died in the middle of sending leaves its job in doubt:
// it is never sent blindly a second time.
func TestInterruptedSendNotRepeated(t *testing.T) {
	for _, tt := range []struct {
		name      string
		reconcile bool
		atCarrier bool
		wantSends int
		wantErr   error
	}{
		{"carrier cannot tell", false, false, 0, outbox.ErrInDoubt},
		{"carrier has it", true, true, 0, nil},
		{"carrier never saw it", true, false, 1, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			h := newHandler()
			j := job("+12015550100", "+12015550123", "once")
			if err := outbox.New(testConfig(), st, h, nil).Add(t.Context(), j); err != nil {
				t.Fatal(err)
			}
			// "dead" takes the job, marks it in flight, and dies.
			if es, err := st.OutboxRead(t.Context(), "dead", "", 10, time.Second); err != nil || len(es) != 1 {
				t.Fatalf("read %d, %v", len(es), err)
			}
			if state, _, _, err := st.OutboxBegin(t.Context(), j.Key, time.Hour, "", nil); err != nil || state != store.OutboxNew {
				t.Fatalf("begin: %s %v", state, err)
			}
			var hd outbox.Handler = h
			r := &reconciling{handler: h, found: map[string]string{}}
			if tt.reconcile {
				if tt.atCarrier {
					r.found[j.Key] = "C-earlier"
				}
				hd = r
			}
			o := outbox.New(testConfig(), st, hd, nil)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); o.Run(ctx) }()
			defer func() { cancel(); <-done }()
			h.wait(t, "an outcome", func() bool { return len(h.sent)+len(h.failed) == 1 })
			if len(h.sends) != tt.wantSends {
				t.Errorf("carrier saw %d sends; want %d", len(h.sends), tt.wantSends)
			}
			if tt.wantErr != nil && !errors.Is(h.failed[j.Key], tt.wantErr) {
				t.Errorf("failed with %v; want %v", h.failed[j.Key], tt.wantErr)
			}
			if tt.atCarrier && h.sent[j.Key] != "C-earlier" {
				t.Errorf("reported %q; want the carrier's earlier id", h.sent[j.Key])
			}
			empty(t, st)
		})
	}
}

// TestOptedOutNotSent: a recipient the carrier reported opted out is not
// sent to again; the job fails with that reason at once.
func TestOptedOutNotSent(t *testing.T) {
	st := openStore(t)
	h := newHandler()
	if err := st.OptOut(t.Context(), "+12015550100", "+12015550123", time.Hour); err != nil {
		t.Fatal(err)
	}
	o, _ := start(t, testConfig(), st, h)
	j := job("+12015550100", "+12015550123", "hi")
	other := job("+12015550101", "+12015550123", "hi") // another sender: not opted out
	for _, jj := range []*outbox.Job{j, other} {
		if err := o.Add(t.Context(), jj); err != nil {
			t.Fatal(err)
		}
	}
	h.wait(t, "both outcomes", func() bool { return len(h.failed)+len(h.sent) == 2 })
	var ce *carriers.Error
	if err := h.failed[j.Key]; !errors.As(err, &ce) || ce.Reason != carriers.ReasonOptedOut {
		t.Errorf("opted-out job failed with %v", err)
	}
	if len(h.sends) != 1 || h.sends[0].key != other.Key {
		t.Errorf("carrier saw %+v; want only the other sender's", h.sends)
	}
}

// failingReconciler cannot reach the carrier at first.
type failingReconciler struct {
	*handler
	fails int
}

func (r *failingReconciler) Reconcile(context.Context, *outbox.Job) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fails > 0 {
		r.fails--
		return "", false, errors.New("carrier unreachable")
	}
	return "", false, nil
}

// TestInterruptedSendAskedAgain: a carrier that cannot be asked about an
// interrupted send right away is asked again, not given up on.
func TestInterruptedSendAskedAgain(t *testing.T) {
	st := openStore(t)
	h := newHandler()
	j := job("+12015550100", "+12015550123", "once")
	if err := outbox.New(testConfig(), st, h, nil).Add(t.Context(), j); err != nil {
		t.Fatal(err)
	}
	if es, err := st.OutboxRead(t.Context(), "dead", "", 10, time.Second); err != nil || len(es) != 1 {
		t.Fatalf("read %d, %v", len(es), err)
	}
	if _, _, _, err := st.OutboxBegin(t.Context(), j.Key, time.Hour, "", nil); err != nil {
		t.Fatal(err)
	}
	o := outbox.New(testConfig(), st, &failingReconciler{handler: h, fails: 2}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); o.Run(ctx) }()
	defer func() { cancel(); <-done }()
	h.wait(t, "an outcome", func() bool { return len(h.sent)+len(h.failed) == 1 })
	if len(h.failed) != 0 || len(h.sends) != 1 {
		t.Errorf("failed %v, sends %d; want one send after the carrier answered", h.failed, len(h.sends))
	}
	empty(t, st)
}
