package commands

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/numbers"
	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// settings lets a user change their own settings in two steps: calls
// (forwarding, voicemail, ring time, voicemail greeting), then texts and balance (group-text
// style, low-balance threshold). Nothing is saved before the last step is
// completed.
type settings struct{ o Options }

// Ring time bounds, in seconds.
const (
	minRing = 5
	maxRing = 120
)

// maxAmountDigits bounds the low-balance threshold (minor units).
const maxAmountDigits = 12

// Stages and fields.
const (
	stageCalls = "calls"
	stageTexts = "texts"

	fieldForward   = "forward"
	fieldVoicemail = "voicemail"
	fieldRing      = "ring_timeout"
	fieldGreeting  = "greeting"
	fieldGroups    = "group_texts"
	fieldLow       = "low_balance"

	groupDefault = "default"
)

func (c settings) step(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	owner := r.From.Bare().String()
	switch r.Stage {
	case "":
		bs, err := c.o.Store.Numbers(ctx, owner)
		if err != nil {
			return nil, err
		}
		if len(bs) == 0 {
			return &adhoc.Step{Done: true, Notes: []adhoc.Note{{Type: adhoc.Info, Text: "You have no phone number on this gateway. " + c.o.NoNumber}}}, nil
		}
		u, err := c.o.Store.Settings(ctx, owner)
		if err != nil {
			return nil, err
		}
		r.State["number"] = bs[0].Number
		r.State[fieldGroups] = u.GroupTexts
		r.State[fieldLow] = u.LowBalance
		own, err := c.ownGreeting(ctx, owner)
		if err != nil {
			return nil, err
		}
		return c.calls(bs[0], u, own), nil
	case stageCalls:
		fwd, err := c.forward(ctx, owner, r.Values.Get(fieldForward))
		if err != nil {
			return nil, err
		}
		ring := ""
		if s := strings.TrimSpace(r.Values.Get(fieldRing)); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < minRing || n > maxRing {
				return nil, adhoc.Invalid(fieldRing, "give a number of seconds from %d to %d, or leave it empty for the gateway's default", minRing, maxRing)
			}
			ring = strconv.Itoa(n)
		}
		// Last: the fetch is the slow part, and a step that fails keeps
		// nothing.
		greet, err := c.greeting(ctx, owner, r.Values.Get(fieldGreeting))
		if err != nil {
			return nil, err
		}
		r.State[fieldForward] = fwd
		r.State[fieldVoicemail] = r.Values.Get(fieldVoicemail)
		r.State[fieldRing] = ring
		r.State[fieldGreeting] = greet
		return c.texts(r.State), nil
	case stageTexts:
		low := strings.TrimSpace(r.Values.Get(fieldLow))
		if low != "" && !amount(low) {
			return nil, adhoc.Invalid(fieldLow, "give a whole amount in the smallest unit of your currency (e.g. 500 for 5.00), or leave it empty")
		}
		return c.save(ctx, owner, r.State, r.Values.Get(fieldGroups), low)
	}
	return nil, errors.New("commands: settings: unknown stage " + r.Stage)
}

// calls is the first step.
func (c settings) calls(b store.Binding, u store.UserSettings, own time.Duration) *adhoc.Step {
	vm := c.o.Voicemail
	if u.Voicemail != nil {
		vm = *u.Voicemail
	}
	ring := ""
	if u.RingTimeout > 0 {
		ring = strconv.Itoa(int(u.RingTimeout / time.Second))
	}
	instr := "Calls to " + b.Number + "."
	if !c.o.Voice {
		instr += "\nThis gateway does not carry calls yet: these settings apply once it does."
	}
	fields := []adhoc.Field{
		{Var: fieldForward, Type: adhoc.TextSingle, Label: "Forward calls to", Desc: "a phone number or a sip: URI; empty or off: ring me here", Values: nonEmpty(b.Forward)},
		{Var: fieldVoicemail, Type: adhoc.Boolean, Label: "Voicemail", Desc: "unanswered calls leave a message", Values: []string{adhoc.Bool(vm)}},
		{Var: fieldRing, Type: adhoc.TextSingle, Label: "Ring for (seconds)",
			Desc: strconv.Itoa(minRing) + " to " + strconv.Itoa(maxRing) + "; empty: the gateway's default (" + strconv.Itoa(int(c.o.RingTimeout/time.Second)) + ")", Values: nonEmpty(ring)},
	}
	if _, ok := c.greetings(); ok {
		// Empty each time: it is an address to fetch, not a value kept.
		fields = append(fields, adhoc.Field{Var: fieldGreeting, Type: adhoc.TextSingle, Label: "Voicemail greeting", Desc: greetingDesc(own)})
	}
	return &adhoc.Step{Stage: stageCalls, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Settings: calls", Instructions: instr, Fields: fields}}
}

// texts is the second, last step.
func (c settings) texts(st adhoc.State) *adhoc.Step {
	def := "one conversation per sender, with the group's addresses"
	if c.o.GroupJIDs {
		def = "one conversation per group"
	}
	g := st[fieldGroups]
	if g == "" {
		g = groupDefault
	}
	return &adhoc.Step{Stage: stageTexts, Final: true, Form: &adhoc.Form{Type: adhoc.TypeForm, Title: "Settings: texts and balance", Fields: []adhoc.Field{
		{Var: fieldGroups, Type: adhoc.ListSingle, Label: "Group texts arrive as", Required: true, Values: []string{g}, Options: []adhoc.Option{
			{Label: "The gateway's default (" + def + ")", Value: groupDefault},
			{Label: "One conversation per sender, with the group's addresses (XEP-0033)", Value: store.GroupAddresses},
			{Label: "One conversation per group (a JID of the other numbers)", Value: store.GroupJIDs},
		}},
		{Var: fieldLow, Type: adhoc.TextSingle, Label: "Warn me when my balance falls below",
			Desc: "an amount in the smallest unit of your currency, e.g. 500 for 5.00; empty: no warning", Values: nonEmpty(st[fieldLow])},
	}}}
}

// save writes everything gathered, and ends the command.
func (c settings) save(ctx context.Context, owner string, st adhoc.State, groups, low string) (*adhoc.Step, error) {
	u := store.UserSettings{LowBalance: low}
	if groups != groupDefault {
		u.GroupTexts = groups
	}
	// A value equal to the gateway's default follows the default.
	if vm := st[fieldVoicemail] == "true"; vm != c.o.Voicemail {
		u.Voicemail = &vm
	}
	if n, err := strconv.Atoi(st[fieldRing]); err == nil {
		u.RingTimeout = time.Duration(n) * time.Second
	}
	if err := c.o.Store.SetForward(ctx, st["number"], st[fieldForward]); errors.Is(err, store.ErrNotFound) {
		return &adhoc.Step{Done: true, Notes: []adhoc.Note{{Type: adhoc.Error, Text: st["number"] + " is no longer yours; nothing was saved."}}}, nil
	} else if err != nil {
		return nil, err
	}
	if err := c.o.Store.SetSettings(ctx, owner, u); err != nil {
		return nil, err
	}
	if err := c.saveGreeting(ctx, owner, st[fieldGreeting]); errors.Is(err, store.ErrNotFound) {
		return &adhoc.Step{Done: true, Notes: []adhoc.Note{{Type: adhoc.Warn, Text: "Settings saved, but not your new greeting: it waited too long. Give its address again."}}}, nil
	} else if err != nil {
		return nil, err
	}
	return &adhoc.Step{Done: true, Notes: []adhoc.Note{{Type: adhoc.Info, Text: "Settings saved."}}}, nil
}

// forward checks a forwarding target: a number (normalised, and allowed by
// the calls policy), a SIP URI, or empty/off for none.
func (c settings) forward(ctx context.Context, owner, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "off") {
		return "", nil
	}
	to, err := numbers.ParseTarget(s, c.o.Region)
	if err != nil {
		return "", adhoc.Invalid(fieldForward, "not a phone number in international form (+12015550123) or a SIP URI (sip:desk@pbx.example.org)")
	}
	if c.o.Calls != nil && strings.HasPrefix(to, "+") {
		if err := c.o.Calls.Allow(ctx, owner, to); err != nil {
			why := "calls to this number are refused by the gateway's policy"
			var r *policy.Refusal
			if errors.As(err, &r) {
				why = r.Text()
			}
			return "", adhoc.Invalid(fieldForward, "%s", why)
		}
	}
	return to, nil
}

// amount reports whether s is a whole, non-negative amount of minor units.
func amount(s string) bool {
	if len(s) > maxAmountDigits {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
