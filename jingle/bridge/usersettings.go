package bridge

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-gw/switchboard/internal/store"
)

// settingsReader reads a user's own settings (the settings command);
// *store.Store implements it. It is not part of Store: without it every
// user has the gateway's ring_timeout and voicemail.
type settingsReader interface {
	Settings(ctx context.Context, jid string) (store.UserSettings, error)
}

// greetingReader reads a user's own voicemail greeting (8 kHz PCM; the
// settings command keeps it); *store.Store implements it. Without it every
// user has the gateway's greeting.
type greetingReader interface {
	Greeting(ctx context.Context, jid string) ([]int16, error)
}

// greeting is what voicemail plays to owner's callers: owner's own
// greeting, else the gateway's. It is read only when voicemail takes a
// call, not for every call that rings.
func (b *Bridge) greeting(ctx context.Context, owner string) []int16 {
	r, ok := b.store.(greetingReader)
	if !ok {
		return b.set.Greeting
	}
	pcm, err := r.Greeting(ctx, owner)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return b.set.Greeting
	case err != nil:
		b.log.Warn("bridge: cannot read a user's voicemail greeting; playing the gateway's", "err", err)
		return b.set.Greeting
	case len(pcm) == 0 || len(pcm) > store.MaxGreeting:
		b.log.Warn("bridge: a user's voicemail greeting is out of bounds; playing the gateway's", "samples", len(pcm))
		return b.set.Greeting
	}
	return pcm
}

// answering is how an inbound call to owner is answered: how long it
// rings, and whether voicemail takes it then. The user's own settings
// override the gateway's.
func (b *Bridge) answering(ctx context.Context, owner string) (ring time.Duration, voicemail bool) {
	ring, voicemail = b.set.RingTimeout, b.set.Voicemail
	r, ok := b.store.(settingsReader)
	if !ok {
		return ring, voicemail
	}
	u, err := r.Settings(ctx, owner)
	if err != nil {
		b.log.Warn("bridge: cannot read a user's settings; using the gateway's", "err", err)
		return ring, voicemail
	}
	if u.RingTimeout > 0 {
		ring = u.RingTimeout
	}
	if u.Voicemail != nil {
		voicemail = *u.Voicemail
	}
	return ring, voicemail
}
