package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/switchboard-gw/switchboard/carriers"
)

var (
	_ carriers.NumberStore  = (*Carrier)(nil)
	_ carriers.NumberFinder = (*Carrier)(nil)
)

// defaultAreaCode is where the sandbox's numbers are when a search names
// no area code: the demo's (+1 201).
const defaultAreaCode = "201"

// numberBook is what the sandbox has sold, in memory: a restart forgets
// it, as it forgets messages.
type numberBook struct {
	mu    sync.Mutex
	owned map[string]string // carrier id → number
}

// SearchNumbers implements carriers.NumberStore. The sandbox sells the
// numbers that can never ring a real phone, the North American range set
// aside for fiction, +1 NXX 555-0100 to 555-0199, in the query's area
// code (201 without one), leaving out those sold and those the gateway's
// users hold already. It has no other country: a search elsewhere finds
// nothing. Region is echoed back, not checked.
func (c *Carrier) SearchNumbers(ctx context.Context, q carriers.NumberQuery) ([]carriers.AvailableNumber, error) {
	q, err := q.Normal()
	if err != nil {
		return nil, err
	}
	ac := q.AreaCode
	if ac == "" {
		ac = defaultAreaCode
	}
	// No area code begins with 0 or 1.
	if q.Country != "US" && q.Country != "CA" || ac[0] < '2' {
		return []carriers.AvailableNumber{}, nil
	}
	taken, err := c.taken(ctx)
	if err != nil {
		return nil, err
	}
	out := []carriers.AvailableNumber{}
	for i := 100; i <= 199 && len(out) < q.Limit; i++ {
		n := fmt.Sprintf("+1%s55501%02d", ac, i-100)
		if slices.Contains(taken, n) || !strings.Contains(n[2:], q.Contains) {
			continue
		}
		out = append(out, carriers.AvailableNumber{Number: n, Locality: "Sandbox", Region: q.Region, Country: q.Country,
			Capabilities: carriers.Capabilities{SMS: true, MMS: true, Voice: true}})
	}
	return out, nil
}

// BuyNumber implements carriers.NumberStore: at once, with an id in
// Twilio's shape (PN and 32 hex digits). A number outside the sandbox's
// range is refused; one sold already, or held by a user, is
// carriers.ErrNumberGone, so a sign-up can try that path by buying a
// number twice.
func (c *Carrier) BuyNumber(ctx context.Context, number string) (carriers.OwnedNumber, error) {
	if !sandboxNumber(number) {
		return carriers.OwnedNumber{}, &carriers.Error{Kind: carriers.ErrRejected, Code: "21421",
			Message: "the sandbox sells only +1 NXX 555-0100 to 555-0199"}
	}
	held, err := c.gatewayNumbers(ctx)
	if err != nil {
		return carriers.OwnedNumber{}, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "cannot list the gateway's numbers"}
	}
	b := &c.book
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, sold := b.idLocked(number); sold || slices.Contains(held, number) {
		return carriers.OwnedNumber{}, &carriers.Error{Kind: carriers.ErrNumberGone, Code: "21422", Message: "PhoneNumber is not available"}
	}
	if b.owned == nil {
		b.owned = map[string]string{}
	}
	id := newNumberID()
	b.owned[id] = number
	c.set.Logger.Info("sandbox: number bought", "id", id)
	return carriers.OwnedNumber{Number: number, ID: id}, nil
}

// FindNumber implements carriers.NumberFinder from what the sandbox sold.
func (c *Carrier) FindNumber(ctx context.Context, number string) (carriers.OwnedNumber, bool, error) {
	b := &c.book
	b.mu.Lock()
	defer b.mu.Unlock()
	if id, ok := b.idLocked(number); ok {
		return carriers.OwnedNumber{Number: number, ID: id}, true, nil
	}
	return carriers.OwnedNumber{}, false, nil
}

// ReleaseNumber implements carriers.NumberStore: the number goes back on
// sale at once. An id the sandbox never gave, or gave and took back,
// counts as released.
func (c *Carrier) ReleaseNumber(ctx context.Context, id string) error {
	if !numberID(id) {
		return &carriers.Error{Kind: carriers.ErrRejected, Message: "not a sandbox phone number id"}
	}
	b := &c.book
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.owned, id)
	return nil
}

// taken lists the numbers not for sale: sold, or held by users.
func (c *Carrier) taken(ctx context.Context) ([]string, error) {
	held, err := c.gatewayNumbers(ctx)
	if err != nil {
		return nil, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "cannot list the gateway's numbers"}
	}
	held = slices.Clone(held) // the caller's, perhaps
	b := &c.book
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range b.owned {
		held = append(held, n)
	}
	return held, nil
}

// idLocked finds a sold number's id; b.mu is held.
func (b *numberBook) idLocked(number string) (string, bool) {
	for id, n := range b.owned {
		if n == number {
			return id, true
		}
	}
	return "", false
}

// sandboxNumber reports whether n is +1 NXX 555 01XX (N: 2 to 9).
func sandboxNumber(n string) bool {
	d, ok := strings.CutPrefix(n, "+1")
	if !ok || len(d) != 10 || d[0] < '2' || d[3:8] != "55501" {
		return false
	}
	for i := range len(d) {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

func newNumberID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "PN" + hex.EncodeToString(b[:])
}

// numberID reports whether s is PN and 32 lower-case hex digits.
func numberID(s string) bool {
	d, ok := strings.CutPrefix(s, "PN")
	if !ok || len(d) != 32 {
		return false
	}
	_, err := hex.DecodeString(d)
	return err == nil && strings.ToLower(d) == d
}
