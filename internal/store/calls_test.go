package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestCalls(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	if err := s.ClaimCall(ctx, "c1", "gw-a", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimCall(ctx, "c1", "gw-b", time.Minute); !errors.Is(err, ErrTaken) {
		t.Fatalf("second claim: %v, want ErrTaken", err)
	}
	if owner, err := s.CallOwner(ctx, "c1"); err != nil || owner != "gw-a" {
		t.Fatalf("owner = %q, %v", owner, err)
	}
	// An owner that stops refreshing loses its call to the sweep.
	if err := s.ClaimCall(ctx, "c2", "gw-dead", time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.Heartbeat(ctx, []string{"c1"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		orphans, err := s.Orphans(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(orphans) == 1 && orphans[0] == "c2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("orphans = %v, want [c2]", orphans)
		}
		time.Sleep(100 * time.Millisecond)
	}

	start := time.UnixMilli(1_700_000_000_000)
	rec := CDR{ID: "c1", Direction: "outbound", From: "+12015550100", To: "+15551234567", JID: "alice@example.org",
		Start: start, Answer: start.Add(3 * time.Second), End: start.Add(63 * time.Second), Reason: "success"}
	if err := s.EndCall(ctx, rec, Retention{MaxLen: 1000}); err != nil {
		t.Fatal(err)
	}
	if err := s.EndCall(ctx, CDR{ID: "c2", Direction: "inbound", Start: start, End: start.Add(time.Second), Reason: "timeout"}, Retention{MaxLen: 1000}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CallOwner(ctx, "c1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ended call still owned: %v", err)
	}
	if orphans, _ := s.Orphans(ctx); len(orphans) != 0 {
		t.Errorf("orphans after end = %v", orphans)
	}
	got, err := s.CDRs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "c2" || got[1] != rec {
		t.Fatalf("cdrs = %+v", got)
	}
	if got[1].Duration() != time.Minute || got[0].Duration() != 0 {
		t.Errorf("durations = %v, %v", got[1].Duration(), got[0].Duration())
	}
}

func TestForwardAndMedia(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	if err := s.SetForward(ctx, "+12015550100", "+15551234567"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("forward of an unbound number: %v", err)
	}
	if err := s.Assign(ctx, Binding{Number: "+12015550100", JID: "alice@example.org", Carrier: "sandbox"}); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"+15551234567", "sip:desk@pbx.example.org", ""} {
		if err := s.SetForward(ctx, "+12015550100", target); err != nil {
			t.Fatal(err)
		}
		b, err := s.Lookup(ctx, "+12015550100")
		if err != nil || b.Forward != target || b.JID != "alice@example.org" {
			t.Errorf("after forward to %q: %+v %v", target, b, err)
		}
	}

	if err := s.PutMedia(ctx, "m1", "audio/wav", []byte("RIFF\x00\x01"), time.Second); err != nil {
		t.Fatal(err)
	}
	ct, data, err := s.Media(ctx, "m1")
	if err != nil || ct != "audio/wav" || string(data) != "RIFF\x00\x01" {
		t.Fatalf("media = %q %q %v", ct, data, err)
	}
	if _, _, err := s.Media(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing media: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, _, err := s.Media(ctx, "m1"); errors.Is(err, ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("media did not expire")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCDRRetention: records older than the retention are trimmed on the
// next append (they used to stay forever, capped by length only); younger
// ones stay.
func TestCDRRetention(t *testing.T) {
	s, r := open(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer rdb.Close()
	now := time.Now()
	for _, x := range []struct {
		id  string
		age time.Duration
	}{{"ancient", 400 * 24 * time.Hour}, {"old", 91 * 24 * time.Hour}, {"recent", 89 * 24 * time.Hour}} {
		id := strconv.FormatInt(now.Add(-x.age).UnixMilli(), 10) + "-0"
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "sb:cdrs", ID: id, Values: []string{"id", x.id, "from", "+12015550100"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EndCall(ctx, CDR{ID: "new", Direction: "inbound", Start: now, End: now, Reason: "success"},
		Retention{MaxLen: 1000, MaxAge: 90 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	got, err := s.CDRs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, " ") != "new recent" {
		t.Fatalf("records after the append: %v, want [new recent]", ids)
	}
}

// TestAnsweredCall: what CallAnswered keeps is read back whole, outlives
// the call's ownership by AnsweredGrace under Heartbeat, and goes with
// EndCall.
func TestAnsweredCall(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	if _, _, err := s.AnsweredCall(ctx, "c1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before the answer: %v, want ErrNotFound", err)
	}
	start := time.UnixMilli(1_700_000_000_000)
	rec := CDR{ID: "c1", Direction: "inbound", From: "+15551234567", To: "+12015550100", JID: "bob@example.org",
		Start: start, Answer: start.Add(2 * time.Second)}
	if err := s.ClaimCall(ctx, "c1", "gw-a", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.CallAnswered(ctx, rec, []byte(`{"events":[]}`), time.Minute); err != nil {
		t.Fatal(err)
	}
	got, meter, err := s.AnsweredCall(ctx, "c1")
	if err != nil || !got.Answer.Equal(rec.Answer) || !got.Start.Equal(rec.Start) || got.From != rec.From || got.JID != rec.JID || string(meter) != `{"events":[]}` {
		t.Fatalf("AnsweredCall = %+v, %s, %v", got, meter, err)
	}
	if err := s.Heartbeat(ctx, []string{"c1"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if ttl := s.rdb.TTL(ctx, s.answeredKey("c1")).Val(); ttl < AnsweredGrace {
		t.Errorf("the answered record lives %v after a heartbeat, want more than %v", ttl, AnsweredGrace)
	}
	if err := s.EndCall(ctx, CDR{ID: "c1", End: start.Add(time.Minute)}, Retention{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AnsweredCall(ctx, "c1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after EndCall: %v, want ErrNotFound", err)
	}
}
