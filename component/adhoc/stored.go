package adhoc

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Blobs keeps sessions as bytes, per owner, each for a while: Redis
// (*store.Store) implements it. Session returns nil for none.
type Blobs interface {
	PutSession(ctx context.Context, owner, id string, data []byte, ttl time.Duration, max int) error
	Session(ctx context.Context, owner, id string) ([]byte, error)
	DeleteSession(ctx context.Context, owner, id string) error
}

// Stored is a Sessions store over Blobs: sessions outlive a restart of
// the gateway and are shared by its instances. Each lives ttl from its
// last use; an owner holding perOwner sessions loses its oldest when it
// starts another.
type Stored struct {
	b        Blobs
	ttl      time.Duration
	perOwner int
}

// NewStored returns a Sessions store over b.
func NewStored(b Blobs, ttl time.Duration, perOwner int) *Stored {
	return &Stored{b: b, ttl: ttl, perOwner: perOwner}
}

// Put implements Sessions.
func (s *Stored) Put(ctx context.Context, sess *Session) error {
	sess.Expires = time.Now().Add(s.ttl)
	data, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("adhoc: keep session: %w", err)
	}
	return s.b.PutSession(ctx, sess.Owner, sess.ID, data, s.ttl, s.perOwner)
}

// Get implements Sessions.
func (s *Stored) Get(ctx context.Context, owner, id string) (*Session, error) {
	data, err := s.b.Session(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return nil, ErrNoSession
	}
	var sess Session
	if err := json.Unmarshal(data, &sess); err != nil {
		return nil, fmt.Errorf("adhoc: read session: %w", err)
	}
	return &sess, nil
}

// Delete implements Sessions.
func (s *Stored) Delete(ctx context.Context, owner, id string) error {
	return s.b.DeleteSession(ctx, owner, id)
}
