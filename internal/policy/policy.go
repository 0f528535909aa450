// Package policy is the gateway's destination policy: which phone numbers
// users may text and call through it. It is the [policy] section; the
// component enforces the SMS rules, the call bridge and `switchboard
// numbers forward` the call rules.
package policy

import (
	"context"
	"fmt"
	"strings"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// Policy decides whether account (a bare JID; "" when no user is involved)
// may reach number (E.164). It returns nil or a *Refusal. The section's
// Rules are the gateway-wide policy; billing can wrap them with
// per-account rules behind the same method.
type Policy interface {
	Allow(ctx context.Context, account, number string) error
}

// Range is a well-known range refused by default.
type Range struct {
	Prefix string
	Why    string // shown to the user, e.g. "premium rate"
}

// Defaults is the deny list used for SMS and calls alike when the section
// does not set its own: ranges where a message or call costs far more than
// an ordinary one, the favourites of toll fraud. A function, so that nobody
// can change the list at run time.
func Defaults() []Range {
	return []Range{
		{"+1900", "premium rate"},              // NANP 900 pay-per-call
		{"+1976", "premium rate"},              // NANP area code 976, not in service; 976 is also the pay-per-call exchange in many area codes, which no prefix catches
		{"+449", "premium rate"},               // UK 09 premium rate services
		{"+49900", "premium rate"},             // Germany 0900 premium rate services
		{"+61190", "premium rate"},             // Australia 190 premium rate services
		{"+870", "satellite"},                  // Inmarsat
		{"+881", "satellite"},                  // ITU Global Mobile Satellite System (Iridium, Globalstar, ...)
		{"+882", "international network"},      // ITU International Networks
		{"+883", "international network"},      // ITU International Networks
		{"+979", "international premium rate"}, // ITU International Premium Rate Service
	}
}

// Config is the [policy] section. A number is refused when it starts with a
// prefix of the deny list, or when the allow list is not empty and it
// starts with none of its prefixes; deny wins. A deny list left unset is
// Defaults; one that is set replaces them ([] refuses nothing).
type Config struct {
	SMSAllow   []string  `toml:"sms_allow"`
	SMSDeny    *[]string `toml:"sms_deny"`
	CallsAllow []string  `toml:"calls_allow"`
	CallsDeny  *[]string `toml:"calls_deny"`

	sms, calls Rules // built by Check
}

// Check validates every prefix ("+" and digits) and builds the rules.
func (c *Config) Check() error {
	var err error
	if c.sms, err = rules("sms", c.SMSAllow, c.SMSDeny); err != nil {
		return err
	}
	c.calls, err = rules("calls", c.CallsAllow, c.CallsDeny)
	return err
}

// SMS is the policy for text messages; Check must have run.
func (c *Config) SMS() Rules { return c.sms }

// Calls is the policy for calls and call forwarding; Check must have run.
func (c *Config) Calls() Rules { return c.calls }

func rules(kind string, allow []string, deny *[]string) (Rules, error) {
	r := Rules{kind: kind}
	for _, p := range allow {
		if !isPrefix(p) {
			return Rules{}, config.Invalid(kind+"_allow", "%q is not a number prefix such as +1 or +4420", p)
		}
		r.allow = append(r.allow, p)
	}
	if deny == nil {
		r.deny = Defaults()
		return r, nil
	}
	for _, p := range *deny {
		if !isPrefix(p) {
			return Rules{}, config.Invalid(kind+"_deny", "%q is not a number prefix such as +1900", p)
		}
		r.deny = append(r.deny, Range{Prefix: p})
	}
	return r, nil
}

func isPrefix(p string) bool {
	if len(p) < 2 || len(p) > 16 || p[0] != '+' {
		return false
	}
	for _, d := range p[1:] {
		if d < '0' || d > '9' {
			return false
		}
	}
	return true
}

// Rules is one service's allow and deny lists. The zero value allows
// everything.
type Rules struct {
	kind  string // "sms" or "calls", naming the keys in refusals
	allow []string
	deny  []Range
}

// Allow implements Policy with the gateway-wide rules, for any account.
func (r Rules) Allow(_ context.Context, _ string, number string) error {
	for _, d := range r.deny {
		if strings.HasPrefix(number, d.Prefix) {
			return &Refusal{Prefix: d.Prefix, Why: d.Why, Key: r.kind + "_deny"}
		}
	}
	if len(r.allow) == 0 {
		return nil
	}
	for _, a := range r.allow {
		if strings.HasPrefix(number, a) {
			return nil
		}
	}
	return &Refusal{Allowed: r.allow, Key: r.kind + "_allow"}
}

// Refusal is a number the policy refuses, naming the rule. Its text holds
// no full number, so it may be logged and shown to the user alike.
type Refusal struct {
	Prefix  string   // the denied prefix; "" when the number is not in Allowed
	Why     string   // why the prefix is denied, for the default ranges
	Allowed []string // the allow list the number is not in
	Key     string   // the [policy] key, e.g. "sms_deny"
}

func (e *Refusal) Error() string {
	if e.Prefix == "" {
		return fmt.Sprintf("policy: only numbers starting with %s are allowed by this gateway's destination policy (policy.%s)", strings.Join(e.Allowed, ", "), e.Key)
	}
	why := e.Why
	if why == "" {
		why = "policy." + e.Key
	}
	return fmt.Sprintf("policy: %s… is refused by this gateway's destination policy (%s)", e.Prefix, why)
}

// Text is the refusal as the user reads it: a sentence without the
// package prefix or a full stop.
func (e *Refusal) Text() string {
	t := strings.TrimPrefix(e.Error(), "policy: ")
	return strings.ToUpper(t[:1]) + t[1:]
}
