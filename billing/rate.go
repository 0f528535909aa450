package billing

import (
	"fmt"
	"strconv"
	"strings"
)

// Price is what one kind of event costs toward one destination prefix.
type Price struct {
	// Unit is the price of Per units of quantity, in minor units: per
	// segment or message (Per 1), per minute of seconds (Per 60).
	Unit int64
	Per  int64
	// First and Next are a timed kind's billing increments in seconds
	// (60/60, 6/6, 30/6): the first increment is billed whole, then
	// every started Next.
	First, Next int64
	// Included: the plan's allowances cover this destination.
	Included bool
	// Where is the rate table prefix that matched ("+44", "+1416", "*"):
	// what the ledger keeps of the number.
	Where string
}

// Billed is quantity rounded up to the billing increments; untimed kinds
// bill their quantity as it is. Zero or less bills nothing.
func (p Price) Billed(quantity int64) int64 {
	if quantity <= 0 {
		return 0
	}
	if p.First == 0 {
		return quantity
	}
	if quantity <= p.First {
		return p.First
	}
	return p.First + ceilDiv(quantity-p.First, p.Next)*p.Next
}

// Cost is what quantity billed units cost beyond allowance units,
// rounded up to a whole minor unit once per event (never per increment).
func (p Price) Cost(billed, allowance int64) int64 {
	if billed <= allowance {
		return 0
	}
	return ceilDiv((billed-allowance)*p.Unit, p.Per)
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// Increment is a call billing increment written first/next in seconds:
// "60/60", "6/6", "30/6", "1/1".
type Increment struct{ First, Next int64 }

// ParseIncrement reads "first/next", each 1 to 3600 seconds.
func ParseIncrement(s string) (Increment, error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return Increment{}, fmt.Errorf("billing: increment %q is not first/next seconds such as 60/60", clip(s))
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	next, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || first < 1 || next < 1 || first > 3600 || next > 3600 || !digits(a) || !digits(b) {
		return Increment{}, fmt.Errorf("billing: increment %q is not first/next seconds between 1 and 3600", clip(s))
	}
	return Increment{First: first, Next: next}, nil
}

// rateRow is one checked [[billing.rates]] entry: minor units per unit;
// -1 where the kind is not offered to the prefix.
type rateRow struct {
	prices   map[Kind]int64
	inc      Increment
	included bool
}

// Tariff is the checked rate table: prices by destination prefix,
// longest match first. It is immutable and safe to share.
type Tariff struct {
	currency string
	rows     map[string]rateRow // by prefix: "+1", "+4420", "*"
}

// Currency is the tariff's currency.
func (t *Tariff) Currency() string { return t.currency }

// maxQuantity bounds an event's quantity (segments, messages, seconds:
// 10^7 s is 115 days) so that quantity times price stays exact in Lua.
const maxQuantity = 10_000_000

// maxUnit bounds a unit price in minor units (10^6: 10,000 USD).
const maxUnit = 1_000_000

// Price returns the price of kind toward remote, matching the longest
// prefix of remote's digits and then "*". ok is false when the rate table
// offers kind to no matching prefix. Inbound kinds that the table leaves
// unpriced are free.
func (t *Tariff) Price(kind Kind, remote string) (p Price, ok bool) {
	number := remote
	if i := strings.IndexAny(number, ";@"); i >= 0 {
		number = number[:i] // a short code's phone-context, a JID's domain
	}
	if len(number) > 20 {
		number = number[:20]
	}
	for n := len(number); n >= 0; n-- {
		prefix := number[:n]
		if n == 0 {
			prefix = "*"
		}
		row, found := t.rows[prefix]
		if !found {
			continue
		}
		unit := row.prices[kind]
		if unit < 0 {
			if inbound(kind) {
				unit = 0
			} else {
				return Price{}, false
			}
		}
		p = Price{Unit: unit, Per: 1, Included: row.included, Where: prefix}
		if kind.timed() {
			p.Per, p.First, p.Next = 60, row.inc.First, row.inc.Next
		}
		return p, true
	}
	if inbound(kind) {
		// Nothing priced: inbound is free unless the table says otherwise.
		p = Price{Per: 1, Where: "*"}
		if kind.timed() {
			p.Per, p.First, p.Next = 60, 1, 1
		}
		return p, true
	}
	return Price{}, false
}

func inbound(k Kind) bool { return k == SMSIn || k == MMSIn || k == CallIn }
