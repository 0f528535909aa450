package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/wav"
)

// Greetings keep users' own voicemail greetings; *store.Store implements
// it. A Store without it (or Options without Fetch) offers no greeting
// field.
type Greetings interface {
	StageGreeting(ctx context.Context, jid string, pcm []int16, ttl time.Duration) error
	SaveGreeting(ctx context.Context, jid string) error
	DropGreeting(ctx context.Context, jid string) error
	HasGreeting(ctx context.Context, jid string) (time.Duration, error)
}

// Greeting bounds.
const (
	// MaxGreetingBytes is the largest greeting file fetched: 30 s of mono
	// 48 kHz audio. The fetcher given as Options.Fetch should cap at it.
	MaxGreetingBytes = 3 << 20
	// GreetingFetchTimeout bounds the fetch: the user's client waits for
	// the step's answer meanwhile. The fetcher should be no slower.
	GreetingFetchTimeout = 15 * time.Second
	maxGreeting          = 30 * time.Second
	minGreeting          = time.Second / 2
	// greetingHold is how long a checked greeting waits for the settings'
	// last step before it is forgotten.
	greetingHold = time.Hour
)

// Values of the greeting field besides a URL.
const (
	greetKeep    = ""        // state: leave it as it is
	greetNew     = "new"     // state: the staged one
	greetDefault = "default" // typed and state: the gateway's greeting
)

// greetings returns the store's Greetings when the greeting can be set.
func (c settings) greetings() (Greetings, bool) {
	g, ok := c.o.Store.(Greetings)
	return g, ok && c.o.Fetch != nil
}

// greetingDesc says what the greeting field takes, and what the user has.
func greetingDesc(own time.Duration) string {
	now := "now the gateway's"
	if own > 0 {
		now = fmt.Sprintf("now your own, %.1f s", own.Seconds())
	}
	return "the https address of a WAV file (upload it from your client and paste its link), 0.5 to 30 s; " +
		greetDefault + ": the gateway's greeting; empty: keep it (" + now + ")"
}

// greeting checks the greeting field: empty or - keeps it, "default" goes
// back to the gateway's, and an address is fetched, decoded to 8 kHz and
// staged for save. It returns what save should do.
func (c settings) greeting(ctx context.Context, owner, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "-":
		return greetKeep, nil
	case strings.EqualFold(s, greetDefault):
		return greetDefault, nil
	}
	g, ok := c.greetings()
	if !ok {
		return greetKeep, nil
	}
	d, err := c.o.Fetch.Get(ctx, s, nil)
	if err != nil {
		return "", adhoc.Invalid(fieldGreeting, "%s", fetchProblem(err))
	}
	pcm, err := wav.Load(d.Data)
	var rate int
	switch {
	case errors.Is(err, wav.ErrRate):
		_, rate, _ = wav.Decode(d.Data)
		return "", adhoc.Invalid(fieldGreeting, "its sample rate is %d Hz; use one of %s Hz", rate, rates())
	case err != nil:
		return "", adhoc.Invalid(fieldGreeting, "not a WAV file of 16-bit PCM, mono or stereo; convert it (sox in.mp3 -b 16 out.wav)")
	}
	switch n := time.Duration(len(pcm)) * time.Second / wav.Rate; {
	case n > maxGreeting:
		return "", adhoc.Invalid(fieldGreeting, "longer than 30 s (%.1f s)", n.Seconds())
	case n < minGreeting:
		return "", adhoc.Invalid(fieldGreeting, "shorter than 0.5 s")
	}
	if err := g.StageGreeting(ctx, owner, pcm, greetingHold); err != nil {
		return "", err
	}
	return greetNew, nil
}

// fetchProblem says why a greeting could not be fetched, without the
// gateway's internals.
func fetchProblem(err error) string {
	var se *mms.StatusError
	switch {
	case errors.As(err, &se):
		return "could not fetch: " + strconv.Itoa(se.Code)
	case errors.Is(err, mms.ErrForbiddenAddress):
		return "the address is not allowed (it is not on the public internet)"
	case errors.Is(err, mms.ErrURL):
		return "not an http or https address the gateway can fetch"
	case errors.Is(err, mms.ErrTooLarge):
		return fmt.Sprintf("larger than %d MB", MaxGreetingBytes>>20)
	case errors.Is(err, context.DeadlineExceeded):
		return "could not fetch: timed out"
	}
	return "could not fetch it"
}

func rates() string {
	s := make([]string, len(wav.Rates))
	for i, r := range wav.Rates {
		s[i] = strconv.Itoa(r)
	}
	return strings.Join(s, ", ")
}

// saveGreeting does what greeting decided.
func (c settings) saveGreeting(ctx context.Context, owner, what string) error {
	g, ok := c.greetings()
	if !ok {
		return nil
	}
	switch what {
	case greetNew:
		return g.SaveGreeting(ctx, owner)
	case greetDefault:
		return g.DropGreeting(ctx, owner)
	}
	return nil
}

// ownGreeting is how long the user's own greeting is; 0 without one.
func (c settings) ownGreeting(ctx context.Context, owner string) (time.Duration, error) {
	g, ok := c.greetings()
	if !ok {
		return 0, nil
	}
	return g.HasGreeting(ctx, owner)
}

var _ Greetings = (*store.Store)(nil)
