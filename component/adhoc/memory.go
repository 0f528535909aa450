package adhoc

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Memory is a Sessions store in memory: sessions expire after ttl; an
// owner holding perOwner sessions loses its oldest when it starts another
// (clients leave abandoned sessions behind); beyond total sessions in all,
// new ones are refused.
type Memory struct {
	ttl      time.Duration
	perOwner int
	total    int
	now      func() time.Time

	mu    sync.Mutex
	byKey map[string]map[string]entry // owner -> id -> session
	count int
}

// entry is a session as JSON, with its expiry at hand.
type entry struct {
	exp  time.Time
	data []byte
}

// NewMemory returns an empty store; now may be nil (time.Now).
func NewMemory(ttl time.Duration, perOwner, total int, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{ttl: ttl, perOwner: perOwner, total: total, now: now, byKey: map[string]map[string]entry{}}
}

// Put implements Sessions. Sessions are kept as JSON, as Redis will, so
// that nothing shares memory with a caller's copy.
func (m *Memory) Put(_ context.Context, s *Session) error {
	s.Expires = m.now().Add(m.ttl)
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("adhoc: keep session: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	own := m.byKey[s.Owner]
	e := entry{exp: s.Expires, data: b}
	if _, ok := own[s.ID]; ok {
		own[s.ID] = e
		return nil
	}
	m.expireLocked(s.Owner)
	own = m.byKey[s.Owner]
	if len(own) >= m.perOwner {
		m.dropOldestLocked(s.Owner)
	}
	if m.count >= m.total {
		m.expireAllLocked()
		if m.count >= m.total {
			return ErrTooMany
		}
	}
	if own = m.byKey[s.Owner]; own == nil {
		own = map[string]entry{}
		m.byKey[s.Owner] = own
	}
	own[s.ID] = e
	m.count++
	return nil
}

// Get implements Sessions.
func (m *Memory) Get(_ context.Context, owner, id string) (*Session, error) {
	m.mu.Lock()
	e, ok := m.byKey[owner][id]
	if ok && !m.now().Before(e.exp) {
		m.deleteLocked(owner, id)
		ok = false
	}
	m.mu.Unlock()
	if !ok {
		return nil, ErrNoSession
	}
	var s Session
	if err := json.Unmarshal(e.data, &s); err != nil {
		return nil, fmt.Errorf("adhoc: read session: %w", err)
	}
	return &s, nil
}

// Delete implements Sessions.
func (m *Memory) Delete(_ context.Context, owner, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deleteLocked(owner, id)
	return nil
}

// Len is the number of sessions held, expired ones included.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.count
}

func (m *Memory) deleteLocked(owner, id string) {
	own := m.byKey[owner]
	if _, ok := own[id]; !ok {
		return
	}
	delete(own, id)
	m.count--
	if len(own) == 0 {
		delete(m.byKey, owner)
	}
}

func (m *Memory) expireLocked(owner string) {
	now := m.now()
	for id, e := range m.byKey[owner] {
		if !now.Before(e.exp) {
			m.deleteLocked(owner, id)
		}
	}
}

func (m *Memory) expireAllLocked() {
	for owner := range m.byKey {
		m.expireLocked(owner)
	}
}

func (m *Memory) dropOldestLocked(owner string) {
	var oldest string
	var at time.Time
	for id, e := range m.byKey[owner] {
		if oldest == "" || e.exp.Before(at) {
			oldest, at = id, e.exp
		}
	}
	if oldest != "" {
		m.deleteLocked(owner, oldest)
	}
}
