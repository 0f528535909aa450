package mms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Sentinel errors.
var (
	// ErrNotFound: no such id, or it has expired.
	ErrNotFound = errors.New("mms: no such file (files expire)")
	// ErrBadItem: Put was given a name or type the handler cannot serve.
	ErrBadItem = errors.New("mms: bad item")
)

// Store keeps files for a while under unguessable ids. Implementations
// never return an expired file, whether or not housekeeping has removed
// it yet.
type Store interface {
	// Put keeps data, described by it, for ttl and returns its new id.
	Put(ctx context.Context, it Item, data []byte, ttl time.Duration) (id string, err error)
	// Open returns the item and its contents, or ErrNotFound. The caller
	// closes the reader.
	Open(ctx context.Context, id string) (Item, io.ReadSeekCloser, error)
	// Delete removes the file; deleting a missing one is not an error.
	Delete(ctx context.Context, id string) error
	// Run does the store's housekeeping (removing expired files) until
	// ctx is done; stores that need none return at once.
	Run(ctx context.Context) error
}

// checkPut validates Put's arguments, for every store alike.
func checkPut(ctx context.Context, it Item, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ttl < time.Millisecond {
		return fmt.Errorf("%w: lifetime %v", ErrBadItem, ttl)
	}
	return it.check()
}
