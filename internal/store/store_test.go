package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func open(t *testing.T) (*Store, *testenv.Redis) {
	t.Helper()
	r := testenv.StartRedis(t)
	s, err := Open(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, r
}

func TestBindings(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	a := Binding{Number: "+12015550100", JID: "alice@example.org", Carrier: "twilio", Assigned: time.Unix(100, 0)}
	a2 := Binding{Number: "+12015550101", JID: "alice@example.org", Carrier: "sandbox", Assigned: time.Unix(200, 0)}
	if err := s.Assign(ctx, a2); err != nil {
		t.Fatal(err)
	}
	if err := s.Assign(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.Assign(ctx, Binding{Number: a.Number, JID: "mallory@example.org", Carrier: "twilio"}); !errors.Is(err, ErrTaken) {
		t.Fatalf("assign to another JID: %v", err)
	}
	// Re-assigning to the owner changes the carrier.
	a.Carrier = "sandbox"
	if err := s.Assign(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Lookup(ctx, a.Number); err != nil || got != a {
		t.Fatalf("Lookup = %+v, %v", got, err)
	}
	// The earliest assigned number is the one a JID sends from.
	if from, to, err := s.Route(ctx, "alice@example.org", a2.Number); err != nil || from != a || to != a2 {
		t.Fatalf("Route = %+v, %+v, %v", from, to, err)
	}
	if _, to, err := s.Route(ctx, "alice@example.org", "+19995550000"); err != nil || to.Number != "" {
		t.Fatalf("Route to a foreign number = %+v, %v", to, err)
	}
	if got, err := s.List(ctx); err != nil || len(got) != 2 || got[0].Number != a.Number {
		t.Fatalf("List = %+v, %v", got, err)
	}
	if got, err := s.Release(ctx, a.Number); err != nil || got.JID != a.JID {
		t.Fatalf("Release = %+v, %v", got, err)
	}
	if _, err := s.Release(ctx, a.Number); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Release: %v", err)
	}
	if _, err := s.Lookup(ctx, a.Number); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Lookup after release: %v", err)
	}
	if from, _, err := s.Route(ctx, "alice@example.org", a.Number); err != nil || from.Number != a2.Number {
		t.Fatalf("Route after release = %+v, %v", from, err)
	}
	if _, to, err := s.Route(ctx, "nobody@example.org", a2.Number); !errors.Is(err, ErrNotFound) || to.JID != a2.JID {
		t.Fatalf("Route from nobody: %+v %v", to, err)
	}
}

// TestRouteHintStale: Route's remembered number for a JID is only a hint.
// Whatever happened to the number since (released, given to someone else,
// a stale entry in the JID's list), Route answers from what Redis holds.
func TestRouteHintStale(t *testing.T) {
	s, r := open(t)
	ctx := context.Background()
	const alice, bob = "alice@example.org", "bob@example.org"
	a := Binding{Number: "+12015550100", JID: alice, Carrier: "twilio", Assigned: time.Unix(100, 0)}
	if err := s.Assign(ctx, a); err != nil {
		t.Fatal(err)
	}
	if from, _, err := s.Route(ctx, alice, "+12015550123"); err != nil || from != a {
		t.Fatalf("Route = %+v, %v", from, err)
	}
	// Another instance releases the number and gives it to Bob: this
	// store's hint still names it.
	other, err := Open(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Release(ctx, a.Number); err != nil {
		t.Fatal(err)
	}
	if err := other.Assign(ctx, Binding{Number: a.Number, JID: bob, Carrier: "twilio"}); err != nil {
		t.Fatal(err)
	}
	if from, _, err := s.Route(ctx, alice, "+12015550123"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Route after the number went to Bob = %+v, %v; want ErrNotFound", from, err)
	}
	// Alice gets a new number: Route finds it without a hint.
	a2 := Binding{Number: "+12015550101", JID: alice, Carrier: "sandbox", Assigned: time.Unix(200, 0)}
	if err := other.Assign(ctx, a2); err != nil {
		t.Fatal(err)
	}
	if from, _, err := s.Route(ctx, alice, "+12015550123"); err != nil || from != a2 {
		t.Fatalf("Route with a new number = %+v, %v", from, err)
	}
	// A stale entry in Alice's list (a number whose record names Bob) is
	// never a number to send from.
	if err := s.Client().ZAdd(ctx, s.jidKey(alice), redis.Z{Score: 1, Member: a.Number}).Err(); err != nil {
		t.Fatal(err)
	}
	if from, _, err := s.Route(ctx, alice, "+12015550123"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Route with a stale entry first = %+v, %v; want ErrNotFound", from, err)
	}
}

func TestSeenAndTracking(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	b := Binding{Number: "+12015550100", JID: "alice@example.org", Carrier: "twilio", Assigned: time.Unix(100, 0)}
	if err := s.Assign(ctx, b); err != nil {
		t.Fatal(err)
	}
	// Claimed, busy while being taken, a duplicate once taken.
	for i, want := range []Claim{{First: true, Owner: b}, {Busy: true, Owner: b}} {
		c, err := s.ClaimInbound(ctx, "twilio", "SM1", b.Number, time.Minute)
		if err != nil || c != want {
			t.Fatalf("ClaimInbound #%d = %+v, %v; want %+v", i, c, err, want)
		}
	}
	if err := s.Taken(ctx, "twilio", "SM1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if c, err := s.ClaimInbound(ctx, "twilio", "SM1", b.Number, time.Minute); err != nil || c.First || c.Busy {
		t.Fatalf("after Taken: %+v %v", c, err)
	}
	// A claim whose taker died lapses after its hold.
	if c, _ := s.ClaimInbound(ctx, "twilio", "SM9", b.Number, 50*time.Millisecond); !c.First {
		t.Fatal("first claim of SM9")
	}
	time.Sleep(100 * time.Millisecond)
	if c, _ := s.ClaimInbound(ctx, "twilio", "SM9", b.Number, time.Minute); !c.First {
		t.Fatal("a lapsed claim was not taken again")
	}
	if err := s.Unsee(ctx, "twilio", "SM1"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.ClaimInbound(ctx, "twilio", "SM1", b.Number, time.Minute); !c.First {
		t.Fatal("Unsee did not forget")
	}
	if c, err := s.ClaimInbound(ctx, "twilio", "", "+19995550000", time.Minute); err != nil || !c.First || c.Owner.Number != "" {
		t.Fatalf("ClaimInbound without id for a foreign number = %+v, %v", c, err)
	}
	sent := Sent{JID: "alice@example.org/phone", StanzaID: "m1", Number: "+12015550123", Receipt: true}
	if err := s.Track(ctx, "twilio", "SM2", sent, time.Second); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Tracked(ctx, "twilio", "SM2"); err != nil || got != sent {
		t.Fatalf("Tracked = %+v, %v", got, err)
	}
	if err := s.Untrack(ctx, "twilio", "SM2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tracked(ctx, "twilio", "SM2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Untrack: %v", err)
	}
	// Tracking expires: no trace of a message outlives its TTL.
	_ = s.Track(ctx, "twilio", "SM3", sent, time.Second)
	time.Sleep(1100 * time.Millisecond)
	if _, err := s.Tracked(ctx, "twilio", "SM3"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("tracking did not expire: %v", err)
	}
}

func TestPending(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	if _, err := s.PeekPending(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty queue: %v", err)
	}
	for _, it := range []string{"a", "b"} {
		if err := s.PushPending(ctx, []byte(it), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"a", "b"} {
		got, err := s.PeekPending(ctx)
		if err != nil || string(got) != want {
			t.Fatalf("Peek = %q, %v; want %q", got, err, want)
		}
		if err := s.AckPending(ctx, got); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PeekPending(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("drained queue: %v", err)
	}
}

func TestRedisDown(t *testing.T) {
	s, r := open(t)
	ctx := context.Background()
	r.Stop(t)
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded with Redis stopped")
	}
	if _, err := s.Lookup(ctx, "+12015550100"); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("Lookup with Redis stopped: %v (must not look like 'not found')", err)
	}
	r.Start(t)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
}

func TestOpenBadURL(t *testing.T) {
	if _, err := Open("http://x"); err == nil {
		t.Fatal("accepted an http URL")
	}
}

// TestTrackConcurrent: records written by many senders at once are all
// there, and each sender learns when Redis is gone.
func TestTrackConcurrent(t *testing.T) {
	s, r := open(t)
	ctx := context.Background()
	const n = 500
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Track(ctx, "twilio", fmt.Sprint("SM", i), Sent{JID: "a@example.org/r", StanzaID: fmt.Sprint(i), Number: "+12015550123"}, time.Minute)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if got, err := s.Tracked(ctx, "twilio", fmt.Sprint("SM", i)); err != nil || got.StanzaID != fmt.Sprint(i) {
			t.Fatalf("record %d: %+v, %v", i, got, err)
		}
	}
	r.Stop(t)
	var failed int
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.Track(ctx, "twilio", fmt.Sprint("X", i), Sent{}, time.Minute) != nil {
				failed++
			}
		}()
		wg.Wait()
	}
	if failed != 20 {
		t.Fatalf("%d of 20 tracks reported Redis down", failed)
	}
	// Tracking works again once go-redis has redialled (it waits a moment
	// after failed dials).
	r.Start(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Track(ctx, "twilio", "SMafter", Sent{StanzaID: "x"}, time.Minute)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// go-redis may answer with its last dial error a moment longer.
	for {
		got, err := s.Tracked(ctx, "twilio", "SMafter")
		if err == nil && got.StanzaID == "x" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: %+v, %v", got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
