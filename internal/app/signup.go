package app

import (
	"errors"
	"fmt"
	"slices"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/component/signup"
	"github.com/switchboard-gw/switchboard/internal/config"
)

// checkSignup: sign-up's plan is one of [billing]'s, and its carrier one
// configured.
func (c *Config) checkSignup() error {
	s := &c.Signup
	if !s.Enabled {
		return nil
	}
	if s.Plan != "" && c.Billing.Enabled {
		if _, ok := c.Billing.PlanNamed(s.Plan); !ok {
			return config.Invalid("signup.plan", "%q is not one of [[billing.plans]]", s.Plan)
		}
	}
	names := c.CarrierNames()
	if s.Carrier != "" && !slices.Contains(names, s.Carrier) {
		return config.Invalid("signup.carrier", "%q is not a configured carrier (%v)", s.Carrier, names)
	}
	if s.Carrier == "" && len(names) > 1 {
		return config.Invalid("signup.carrier", "several carriers are configured (%v): name the one that sells numbers", names)
	}
	return nil
}

// newSignup serves self-service sign-up ([signup] enabled): the
// jabber:iq:register command and XEP-0077 on the gateway's JID, and the
// admins' invite-codes command. Top-ups come from Payments (Stripe, or the
// sandbox's pretend payments).
func (g *Gateway) newSignup(domain jid.JID, cs []carriers.Carrier) error {
	cfg := g.cfg
	if !cfg.Signup.Enabled {
		return nil
	}
	var ns carriers.NumberStore
	var name string
	for _, c := range cs {
		if cfg.Signup.Carrier == "" || c.Name() == cfg.Signup.Carrier {
			ns, _ = c.(carriers.NumberStore)
			name = c.Name()
			break
		}
	}
	if ns == nil {
		return fmt.Errorf("app: signup: carrier %q cannot sell numbers", name)
	}
	o := signup.Options{Config: cfg.Signup, Store: g.store, Numbers: ns, Carrier: name, Domain: domain.Domainpart(), Logger: g.log}
	if g.ledger != nil {
		o.Ledger = g.ledger
		plan := cfg.Signup.Plan
		if plan == "" {
			plan = cfg.Billing.Plan
		}
		o.Plan, _ = cfg.Billing.PlanNamed(plan)
		o.Payments = g.Payments()
	}
	s, err := signup.New(o)
	if err != nil {
		return fmt.Errorf("app: signup: %w", err)
	}
	if g.cmds == nil {
		return errors.New("app: signup: no command server")
	}
	if err := s.Register(g.cmds); err != nil {
		return err
	}
	g.comp.SetRegistrar(s)
	g.signup = s
	return nil
}

// signupHint tells users without a number how to get one when they can
// sign up ("" for the commands' default: ask the operator).
func signupHint(cfg *Config) string {
	if !cfg.Signup.Enabled {
		return ""
	}
	return "Run the Register command (or send register) to pick one."
}

// Signup is the gateway's sign-up, for `switchboard invites`; nil unless
// [signup] is enabled.
func (g *Gateway) Signup() *signup.Signup { return g.signup }
