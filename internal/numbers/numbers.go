// Package numbers holds the rules for giving users phone numbers: which
// JIDs may hold one, through which carrier, and where its calls go. The
// command line (switchboard numbers) is a thin shell around it, and so
// will sign-up be.
package numbers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// Sentinel errors, wrapped with the offending input.
var (
	ErrNumber      = errors.New("numbers: bad number")
	ErrOwner       = errors.New("numbers: not a bare user JID such as alice@example.org")
	ErrCarrier     = errors.New("numbers: carrier")
	ErrTarget      = errors.New("numbers: not a phone number, a sip: URI or off")
	ErrNotAssigned = errors.New("numbers: not assigned")
	ErrRefused     = errors.New("numbers: forwarding target refused")
)

// Store is the state the rules act on (store.Store).
type Store interface {
	Assign(ctx context.Context, b store.Binding) error
	Release(ctx context.Context, number string) (store.Binding, error)
	List(ctx context.Context) ([]store.Binding, error)
	SetForward(ctx context.Context, number, target string) error
}

// Book applies the rules to one gateway's numbers.
type Book struct {
	Store    Store
	Region   string   // [numbers] default_region, for numbers written without +
	Carriers []string // the configured carriers, in the configuration's order
	// Calls is the destination policy for calls, which forwarding targets
	// must pass when they are set; nil allows every number.
	Calls policy.Policy
}

// Assign gives number to owner (a bare JID) through carrier, which may be
// empty when only one carrier is configured.
func (b Book) Assign(ctx context.Context, number, owner, carrier string) (store.Binding, error) {
	num, err := b.number(number)
	if err != nil {
		return store.Binding{}, err
	}
	j, err := ParseOwner(owner)
	if err != nil {
		return store.Binding{}, err
	}
	if carrier, err = b.carrier(carrier); err != nil {
		return store.Binding{}, err
	}
	bind := store.Binding{Number: num, JID: j.String(), Carrier: carrier}
	if err := b.Store.Assign(ctx, bind); err != nil {
		return store.Binding{}, err
	}
	return bind, nil
}

// Release takes number back from its owner and returns what it was.
func (b Book) Release(ctx context.Context, number string) (store.Binding, error) {
	num, err := b.number(number)
	if err != nil {
		return store.Binding{}, err
	}
	bind, err := b.Store.Release(ctx, num)
	if errors.Is(err, store.ErrNotFound) {
		return store.Binding{}, fmt.Errorf("%w: %s", ErrNotAssigned, num)
	}
	return bind, err
}

// Forward sends number's calls to target (a number, a sip: URI, or "off"
// for its owner) and returns both normalised; target "" means the owner.
func (b Book) Forward(ctx context.Context, number, target string) (num, to string, err error) {
	if num, err = b.number(number); err != nil {
		return "", "", err
	}
	if to, err = ParseTarget(target, b.Region); err != nil {
		return "", "", err
	}
	if b.Calls != nil && strings.HasPrefix(to, "+") {
		if err := b.Calls.Allow(ctx, "", to); err != nil {
			return "", "", fmt.Errorf("%w %s: %w", ErrRefused, to, err)
		}
	}
	err = b.Store.SetForward(ctx, num, to)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", fmt.Errorf("%w: %s", ErrNotAssigned, num)
	}
	return num, to, err
}

// List returns every assigned number.
func (b Book) List(ctx context.Context) ([]store.Binding, error) { return b.Store.List(ctx) }

func (b Book) number(s string) (string, error) {
	n, err := phone.Normalize(s, b.Region)
	if err != nil {
		return "", fmt.Errorf("%w %q: %w", ErrNumber, s, err)
	}
	return n, nil
}

// carrier picks the carrier a new number goes through.
func (b Book) carrier(name string) (string, error) {
	switch {
	case len(b.Carriers) == 0:
		return "", fmt.Errorf("%w: none is configured", ErrCarrier)
	case name == "" && len(b.Carriers) == 1:
		return b.Carriers[0], nil
	case name == "":
		return "", fmt.Errorf("%w: one must be named, several are configured %v", ErrCarrier, b.Carriers)
	case !slices.Contains(b.Carriers, name):
		return "", fmt.Errorf("%w %q is not configured (configured: %v)", ErrCarrier, name, b.Carriers)
	}
	return name, nil
}

// ParseOwner reads a number's owner: a bare JID with a local part.
func ParseOwner(s string) (jid.JID, error) {
	j, err := jid.Parse(s)
	if err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
		return jid.JID{}, fmt.Errorf("%w: %q", ErrOwner, s)
	}
	return j, nil
}

// ParseTarget checks a forwarding destination: "off" (returned as ""), a
// SIP URI, or a phone number (normalised).
func ParseTarget(s, region string) (string, error) {
	switch {
	case s == "off":
		return "", nil
	case strings.HasPrefix(s, "sip:") || strings.HasPrefix(s, "sips:"):
		rest := s[strings.Index(s, ":")+1:]
		user, host, _ := strings.Cut(rest, "@")
		if rest == "" || strings.ContainsAny(rest, " <>\"\r\n\t") || strings.Contains(rest, "@") && (user == "" || host == "") {
			return "", fmt.Errorf("%w: %q is not a SIP URI such as sip:desk@pbx.example.org", ErrTarget, s)
		}
		return s, nil
	}
	n, err := phone.Normalize(s, region)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrTarget, s, err)
	}
	return n, nil
}
