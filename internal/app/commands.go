package app

import (
	"fmt"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/component/commands"
	"github.com/switchboard-gw/switchboard/internal/mms"
)

// newCommands serves the self-service ad-hoc commands on the gateway's
// JID. Further commands (sign-up, billing) register on the same server.
func (g *Gateway) newCommands(domain jid.JID) error {
	cfg := g.cfg
	admins, err := cfg.Component.AdminJIDs()
	if err != nil {
		return fmt.Errorf("app: component.admins: %w", err)
	}
	g.cmds = adhoc.New(adhoc.Settings{
		Expiry: cfg.Component.CommandExpiry,
		// In Redis: sessions outlive a restart.
		Sessions: adhoc.NewStored(g.store, cfg.Component.CommandExpiry, adhoc.DefaultPerOwner),
		Roles:    commands.Roles(admins, g.store),
		Intro:    component.Hint(domain.Domainpart()),
		Logger:   g.log,
	})
	// Greetings are fetched like MMS (its address rules, fetch_allow and
	// timeout), within a cap of their own.
	greet := cfg.MMS.FetchSettings()
	greet.MaxBytes = commands.MaxGreetingBytes
	greet.Timeout = min(greet.Timeout, commands.GreetingFetchTimeout)
	if greet.Timeout <= 0 {
		greet.Timeout = commands.GreetingFetchTimeout
	}
	err = commands.Register(g.cmds, commands.Options{
		Store:       ledgerSettings{g.store, g.ledger}, // the low-balance threshold reaches the ledger
		Domain:      domain.Domainpart(),
		Region:      cfg.Numbers.DefaultRegion,
		Calls:       cfg.Policy.Calls(),
		Voice:       cfg.SIP != nil,
		Voicemail:   cfg.Calls.Voicemail,
		RingTimeout: cfg.Calls.RingTimeout,
		GroupJIDs:   cfg.Component.GroupJIDs,
		NoNumber:    signupHint(cfg),
		Fetch:       mms.NewFetcher(greet),
	})
	if err != nil {
		return err
	}
	if err := g.newAccounts(domain); err != nil {
		return err
	}
	g.comp.SetCommands(g.cmds)
	return nil
}
