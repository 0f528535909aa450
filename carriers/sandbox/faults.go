package sandbox

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// Outcome is what the pretend phone network does with a message a user
// sends; the person playing the network picks it on the page.
type Outcome string

// Outcomes the page offers.
const (
	Deliver Outcome = "deliver" // queued, sent, delivered (the default)
	Fail    Outcome = "fail"    // queued, sent, then a failed report with Reason
	Reject  Outcome = "reject"  // Send itself fails: the carrier's API refuses
	Delay   Outcome = "delay"   // delivered, but the report comes Delay seconds late
	Never   Outcome = "never"   // sent, and no delivery report ever comes
)

// maxDelay bounds a delayed report: the message is forgotten within the
// hour anyway.
const maxDelay = 10 * time.Minute

// maxNumberFaults bounds the numbers with a standing fault.
const maxNumberFaults = 100

// Fault is what happens to one outbound message, or to every message to a
// number.
type Fault struct {
	Outcome Outcome         `json:"outcome"`
	Reason  carriers.Reason `json:"reason,omitempty"` // for Fail and Reject
	Delay   int             `json:"delay,omitempty"`  // seconds, for Delay
}

// errFault is wrapped by every refusal of a fault the page asked for.
var errFault = errors.New("sandbox: fault")

// check validates f as the page sent it.
func (f Fault) check() error {
	switch f.Outcome {
	case Deliver, Never:
	case Fail, Reject:
		if _, _, ok := failure(f.Reason); !ok {
			return fmt.Errorf("%w: reason %q: want one of %v", errFault, f.Reason, failureReasons())
		}
	case Delay:
		if d := time.Duration(f.Delay) * time.Second; d <= 0 || d > maxDelay {
			return fmt.Errorf("%w: delay %d s: want 1 to %d", errFault, f.Delay, int(maxDelay/time.Second))
		}
	default:
		return fmt.Errorf("%w: outcome %q: want deliver, fail, reject, delay or never", errFault, f.Outcome)
	}
	return nil
}

// Describe says what f does, as the page shows it beside a message (whose
// status already names the reason and code).
func (f Fault) Describe() string {
	const set = "fault set on this page"
	switch f.Outcome {
	case Fail:
		return set
	case Reject:
		return set + ": refused at send time"
	case Delay:
		return fmt.Sprintf("%s: delivery report %d s late", set, f.Delay)
	case Never:
		return set + ": no delivery report"
	}
	return ""
}

// failure is the Twilio error code and message the sandbox uses for r, so
// the gateway sees what it would see from Twilio.
func failure(r carriers.Reason) (code, message string, ok bool) {
	switch r {
	case carriers.ReasonOptedOut:
		return "21610", "Attempt to send to unsubscribed recipient", true
	case carriers.ReasonUnreachable:
		return "30003", "Unreachable destination handset", true
	case carriers.ReasonBlocked:
		return "30007", "Message filtered", true
	case carriers.ReasonInvalid:
		return "21211", "Invalid 'To' Phone Number", true
	case carriers.ReasonUnregistered:
		return "30034", "Message from an unregistered number", true
	case carriers.ReasonTooLarge:
		return "30019", "Content size exceeds carrier limit", true
	case carriers.ReasonRateLimited:
		return "30022", "US A2P 10DLC rate limits exceeded", true
	}
	return "", "", false
}

func failureReasons() []carriers.Reason {
	return []carriers.Reason{carriers.ReasonOptedOut, carriers.ReasonUnreachable, carriers.ReasonBlocked,
		carriers.ReasonInvalid, carriers.ReasonUnregistered, carriers.ReasonTooLarge, carriers.ReasonRateLimited}
}

// Faults is what the page has set: for the next message, and standing
// faults for every message to a number.
type Faults struct {
	Next    *Fault           `json:"next"`
	Numbers map[string]Fault `json:"numbers"`
}

// SetFault makes f happen to the next outbound message or, with a number
// (E.164), to every message to it until Deliver is set for it. Deliver
// for the next message clears that.
func (c *Carrier) SetFault(number string, f Fault) error {
	if err := f.check(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case number == "" && f.Outcome == Deliver:
		c.next = nil
	case number == "":
		c.next = &f
	case f.Outcome == Deliver:
		delete(c.byNumber, number)
	default:
		if _, ok := c.byNumber[number]; !ok && len(c.byNumber) >= maxNumberFaults {
			return fmt.Errorf("%w: at most %d numbers may have a fault; set deliver for some", errFault, maxNumberFaults)
		}
		c.byNumber[number] = f
	}
	return nil
}

// Faults returns what is set.
func (c *Carrier) Faults() Faults {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := Faults{Numbers: maps.Clone(c.byNumber)}
	if c.next != nil {
		f := *c.next
		out.Next = &f
	}
	return out
}

// takeFault picks the fault for a message to recipients: the one set for
// the next message (used up), else the first recipient's standing fault.
func (c *Carrier) takeFault(recipients []string) Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.next != nil {
		f := *c.next
		c.next = nil
		return f
	}
	for _, r := range recipients {
		if f, ok := c.byNumber[r]; ok {
			return f
		}
	}
	return Fault{Outcome: Deliver}
}
