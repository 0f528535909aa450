package bridge

import (
	"context"
	"time"

	"github.com/switchboard-gw/switchboard/internal/store"
)

// settingsReader reads a user's own settings (the settings command);
// *store.Store implements it. It is not part of Store: without it every
// user has the gateway's ring_timeout and voicemail.
type settingsReader interface {
	Settings(ctx context.Context, jid string) (store.UserSettings, error)
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
