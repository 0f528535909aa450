// Package commands holds the gateway's self-service ad-hoc commands that
// need neither billing nor a carrier: "info" (My number), "settings", and
// the admins' "list users". Register adds them to an adhoc.Server; Roles
// tells that server who is an admin or holds a number.
package commands

import (
	"context"
	"slices"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// Store is the state the commands read and write; *store.Store
// implements it.
type Store interface {
	Numbers(ctx context.Context, jid string) ([]store.Binding, error)
	List(ctx context.Context) ([]store.Binding, error)
	Settings(ctx context.Context, jid string) (store.UserSettings, error)
	SetSettings(ctx context.Context, jid string, u store.UserSettings) error
	SetForward(ctx context.Context, number, target string) error
}

// Options configure the commands.
type Options struct {
	Store  Store
	Domain string // the gateway's domain, for number JIDs
	Region string // [numbers] default_region, for numbers typed without +
	// Calls is the destination policy forwarding targets must pass; nil
	// allows every number.
	Calls policy.Policy
	// Voice tells whether the gateway carries calls; without it the call
	// settings say they wait for it.
	Voice bool
	// The gateway's defaults the user's settings override.
	Voicemail   bool
	RingTimeout time.Duration
	GroupJIDs   bool
	// NoNumber tells a user without a number how to get one; default:
	// ask the operator.
	NoNumber string
	// Fetch fetches the voicemail greetings users give by address; nil:
	// users cannot set one. It should cap at MaxGreetingBytes and
	// GreetingFetchTimeout.
	Fetch    *mms.Fetcher
	PageSize int // users per page of list users; default 20
}

func (o *Options) defaults() {
	if o.RingTimeout <= 0 {
		o.RingTimeout = 30 * time.Second
	}
	if o.NoNumber == "" {
		o.NoNumber = "Ask the operator of " + o.Domain + " to assign you one."
	}
	if o.PageSize <= 0 {
		o.PageSize = 20
	}
}

// Nodes of the commands.
const (
	NodeInfo     = "info"
	NodeSettings = "settings"
	NodeUsers    = "list-users"
)

// Register adds info, settings and list users to srv.
func Register(srv *adhoc.Server, o Options) error {
	o.defaults()
	return srv.Register(
		adhoc.Command{Node: NodeInfo, Name: "My number", Access: adhoc.Anyone, Step: info{o}.step, Aliases: []string{"number"}},
		adhoc.Command{Node: NodeSettings, Name: "Settings", Access: adhoc.Registered, Step: settings{o}.step},
		adhoc.Command{Node: NodeUsers, Name: "List users", Access: adhoc.Admin, Step: users{o}.step, Aliases: []string{"list users", "users"}},
	)
}

// Roles: the configured admins are Admin; a JID holding a number is
// Registered; anyone else is Anyone.
func Roles(admins []jid.JID, st Store) adhoc.Roles {
	return func(ctx context.Context, who jid.JID) (adhoc.Access, error) {
		if slices.ContainsFunc(admins, func(a jid.JID) bool { return a.Equal(who.Bare()) }) {
			return adhoc.Admin, nil
		}
		bs, err := st.Numbers(ctx, who.Bare().String())
		if err != nil {
			return adhoc.Anyone, err
		}
		if len(bs) > 0 {
			return adhoc.Registered, nil
		}
		return adhoc.Anyone, nil
	}
}
