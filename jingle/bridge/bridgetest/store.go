package bridgetest

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
)

// Store is an in-memory fake of bridge.Store and bridge.MediaStore.
type Store struct {
	mu       sync.Mutex
	bindings []store.Binding     // in assignment order, as Route picks the first
	claims   map[string]string   // call id -> owner instance
	orphans  []string            // returned by Orphans
	media    map[string]Media    // by id
	beats    int                 // Heartbeat calls
	lookupFn func(string) error  // fails Lookup when set
	cdrs     recorder[store.CDR] // appended by EndCall
	vm       map[string]vmEntry  // the voicemail ledger, by id
	vmTimes  map[string][]time.Time
	greet    map[string][]int16 // users' own voicemail greetings
	answered map[string]Answered
}

// Answered is what CallAnswered kept of a call.
type Answered struct {
	CDR   store.CDR
	Meter []byte
}

type vmEntry struct {
	size   int64
	expiry time.Time
}

// Media is a file the bridge stored.
type Media struct {
	ContentType string
	Data        []byte
	TTL         time.Duration
}

var (
	_ bridge.Store      = (*Store)(nil)
	_ bridge.MediaStore = (*Store)(nil)
)

// NewStore returns a store holding bindings (numbers and their owners).
func NewStore(bindings ...store.Binding) *Store {
	return &Store{bindings: bindings, claims: map[string]string{}, media: map[string]Media{},
		vm: map[string]vmEntry{}, vmTimes: map[string][]time.Time{}, answered: map[string]Answered{}}
}

// Route returns the first number jid owns, and the binding of to if any.
func (s *Store) Route(_ context.Context, jid, to string) (from, recipient store.Binding, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bindings {
		if b.Number == to {
			recipient = b
		}
	}
	for _, b := range s.bindings {
		if b.JID == jid {
			return b, recipient, nil
		}
	}
	return store.Binding{}, recipient, store.ErrNotFound
}

// Lookup returns the binding of number.
func (s *Store) Lookup(_ context.Context, number string) (store.Binding, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookupFn != nil {
		if err := s.lookupFn(number); err != nil {
			return store.Binding{}, err
		}
	}
	for _, b := range s.bindings {
		if b.Number == number {
			return b, nil
		}
	}
	return store.Binding{}, store.ErrNotFound
}

// FailLookups makes Lookup return err (Redis down); nil restores it.
func (s *Store) FailLookups(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.lookupFn = nil
		return
	}
	s.lookupFn = func(string) error { return err }
}

// ClaimCall records owner as the call's instance.
func (s *Store) ClaimCall(_ context.Context, id, owner string, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims[id] = owner
	return nil
}

// Heartbeat counts refreshes.
func (s *Store) Heartbeat(context.Context, []string, time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beats++
	return nil
}

// SetOrphans sets the call ids Orphans reports (calls of a dead instance).
func (s *Store) SetOrphans(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orphans = append([]string(nil), ids...)
}

// Orphans returns the ids set by SetOrphans that have no record yet.
func (s *Store) Orphans(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.orphans...), nil
}

// CallAnswered keeps r and meter until EndCall.
func (s *Store) CallAnswered(_ context.Context, r store.CDR, meter []byte, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answered[r.ID] = Answered{CDR: r, Meter: meter}
	return nil
}

// AnsweredCall returns what CallAnswered kept of id.
func (s *Store) AnsweredCall(_ context.Context, id string) (store.CDR, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.answered[id]
	if !ok {
		return store.CDR{}, nil, store.ErrNotFound
	}
	return a.CDR, a.Meter, nil
}

// Answered returns what CallAnswered keeps now, by call id.
func (s *Store) Answered() map[string]Answered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.answered)
}

// EndCall releases the call and records it.
func (s *Store) EndCall(_ context.Context, r store.CDR, _ store.Retention) error {
	s.mu.Lock()
	delete(s.claims, r.ID)
	delete(s.answered, r.ID)
	for i, id := range s.orphans {
		if id == r.ID {
			s.orphans = append(s.orphans[:i:i], s.orphans[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	s.cdrs.add(r)
	return nil
}

// Claimed returns the call ids currently owned.
func (s *Store) Claimed() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.claims)
}

// CDRs returns the call records written so far.
func (s *Store) CDRs() []store.CDR { return s.cdrs.all() }

// WaitCDR returns the first call record written (any call).
func (s *Store) WaitCDR(t testing.TB) store.CDR {
	t.Helper()
	return s.cdrs.wait(t, "call record", func(store.CDR) bool { return true })
}

// WaitCDRFor returns the record of call id.
func (s *Store) WaitCDRFor(t testing.TB, id string) store.CDR {
	t.Helper()
	return s.cdrs.wait(t, "call record of "+id, func(r store.CDR) bool { return r.ID == id })
}

// PutMedia keeps a file.
func (s *Store) PutMedia(_ context.Context, id, contentType string, data []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = Media{ContentType: contentType, Data: append([]byte(nil), data...), TTL: ttl}
	return nil
}

// SetGreeting gives jid a voicemail greeting of its own; nil takes it
// away, and an empty one reads as corrupt (store.ErrGreeting).
func (s *Store) SetGreeting(jid string, pcm []int16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.greet == nil {
		s.greet = map[string][]int16{}
	}
	s.greet[jid] = pcm
}

// Greeting returns jid's own greeting, or store.ErrNotFound.
func (s *Store) Greeting(_ context.Context, jid string) ([]int16, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pcm, ok := s.greet[jid]
	switch {
	case !ok || pcm == nil:
		return nil, store.ErrNotFound
	case len(pcm) == 0:
		return nil, store.ErrGreeting
	}
	return pcm, nil
}

// Media returns the files stored so far, by id.
func (s *Store) Media() map[string]Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.media)
}

// vmUsed forgets expired ledger entries and sums the rest; s.mu is held.
func (s *Store) vmUsed(now time.Time) int64 {
	var n int64
	for id, e := range s.vm {
		if !e.expiry.After(now) {
			delete(s.vm, id)
			continue
		}
		n += e.size
	}
	return n
}

// ReserveVoicemail keeps the voicemail ledger as store.Store does, in
// memory.
func (s *Store) ReserveVoicemail(_ context.Context, now time.Time, id, number string, size int64, expiry time.Time, lim store.VoicemailLimits) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var recent []time.Time
	for _, t := range s.vmTimes[number] {
		if now.Sub(t) < time.Hour {
			recent = append(recent, t)
		}
	}
	s.vmTimes[number] = recent
	if len(recent) >= lim.PerHour {
		return store.ErrVoicemailHourly
	}
	if s.vmUsed(now)+size > lim.Budget {
		return store.ErrVoicemailBudget
	}
	s.vm[id] = vmEntry{size, expiry}
	s.vmTimes[number] = append(recent, now)
	return nil
}

// SettleVoicemail counts id at its stored size.
func (s *Store) SettleVoicemail(_ context.Context, _ time.Time, id string, size int64, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vm[id] = vmEntry{size, expiry}
	return nil
}

// ReleaseVoicemail gives id's bytes back.
func (s *Store) ReleaseVoicemail(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.vm, id)
	return nil
}

// VoicemailBytes returns the bytes the ledger counts at now.
func (s *Store) VoicemailBytes(now time.Time) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vmUsed(now)
}
