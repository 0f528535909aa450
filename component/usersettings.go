package component

import (
	"context"

	"github.com/switchboard-gw/switchboard/internal/store"
)

// settingsReader reads a user's own settings (the settings command);
// *store.Store implements it. It is not part of Store: a store without it
// leaves every user on the gateway's defaults.
type settingsReader interface {
	Settings(ctx context.Context, jid string) (store.UserSettings, error)
}

// groupJIDs tells whether owner gets group texts from one JID per group:
// the user's own choice, else the gateway's group_jids.
func (c *Component) groupJIDs(ctx context.Context, owner string) bool {
	r, ok := c.store.(settingsReader)
	if !ok {
		return c.set.GroupJIDs
	}
	u, err := r.Settings(ctx, owner)
	if err != nil {
		c.log.Warn("component: cannot read a user's settings; using the gateway's", "err", err)
		return c.set.GroupJIDs
	}
	switch u.GroupTexts {
	case store.GroupJIDs:
		return true
	case store.GroupAddresses:
		return false
	}
	return c.set.GroupJIDs
}
