package component

import (
	"context"
	"time"

	"github.com/switchboard-gw/switchboard/internal/store"
)

// Store is the state the component needs; *store.Store implements it.
type Store interface {
	Route(ctx context.Context, jid, to string) (from, recipient store.Binding, err error)
	Lookup(ctx context.Context, number string) (store.Binding, error)
	ClaimInbound(ctx context.Context, carrier, id, number string, ttl time.Duration) (store.Claim, error)
	Taken(ctx context.Context, carrier, id string, ttl time.Duration, rs ...store.Recent) error
	Unsee(ctx context.Context, carrier, id string) error

	Track(ctx context.Context, carrier, id string, s store.Sent, ttl time.Duration) error
	Tracked(ctx context.Context, carrier, id string) (store.Sent, error)
	Untrack(ctx context.Context, carrier, id string) error

	OptOut(ctx context.Context, from, to string, ttl time.Duration) error
	OptIn(ctx context.Context, from, to string) error

	Remember(ctx context.Context, r store.Recent) error
	Recent(ctx context.Context, conv string) ([][]byte, error)

	PushPending(ctx context.Context, item []byte, ttl time.Duration) error
	PeekPending(ctx context.Context) ([]byte, error)
	AckPending(ctx context.Context, item []byte) error
}
