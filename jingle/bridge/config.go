package bridge

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/internal/config"
	"github.com/switchboard-gw/switchboard/internal/wav"
)

// Defaults of the [calls] section, which Settings also fall back on. The
// limits are far above what a small operator's users make, and far below
// what a flood needs.
const (
	defaultRingTimeout      = 30 * time.Second
	defaultVoicemailMax     = 2 * time.Minute
	defaultCDRRetention     = 90 * 24 * time.Hour
	defaultMaxCalls         = 100
	defaultMaxPerNumber     = 4
	defaultMaxPerSource     = 10
	defaultPerMinute        = 30
	defaultMaxPerUser       = 4
	defaultVoicemailPerHour = 10
	defaultVoicemailBudget  = 64 << 20
	defaultBudgetText       = "64MB"
)

// Config is the [calls] section: how calls to users' numbers are handled.
type Config struct {
	RingTimeout  time.Duration `toml:"ring_timeout"` // how long inbound calls ring; default 30s
	Voicemail    bool          `toml:"voicemail"`    // unanswered and declined calls go to voicemail
	VoicemailMax time.Duration `toml:"voicemail_max"`
	// VoicemailGreeting is a WAV file (16-bit PCM, mono or stereo, at
	// 8, 11.025, 16, 22.05, 24, 32, 44.1 or 48 kHz; converted to 8 kHz
	// mono) played before recording; default a beep. Users may set their
	// own in the settings command.
	VoicemailGreeting string `toml:"voicemail_greeting"`
	// CDRRetention is how long call records are kept: whole days ("90d",
	// the default) or a Go duration ("2160h").
	CDRRetention string `toml:"cdr_retention"`

	// Limits; 0 takes the default.
	MaxCalls                int `toml:"max_calls"`                   // calls at once on this instance, both directions
	MaxCallsPerNumber       int `toml:"max_calls_per_number"`        // calls from phones at once to one number
	MaxCallsPerSource       int `toml:"max_calls_per_source"`        // calls from phones at once from one IP address
	CallsPerMinutePerSource int `toml:"calls_per_minute_per_source"` // new calls from phones a minute from one IP address
	MaxCallsPerUser         int `toml:"max_calls_per_user"`          // calls to phones at once from one user
	VoicemailPerHour        int `toml:"voicemail_per_hour"`          // recordings per number in any hour
	// VoicemailBudget bounds the bytes of all stored recordings, across
	// instances: "64MB" (KB, MB, GB are powers of 1024, as Redis reads
	// maxmemory).
	VoicemailBudget string `toml:"voicemail_budget"`

	greeting     []int16       // the file's samples, read by Check
	budget       int64         // VoicemailBudget in bytes
	cdrRetention time.Duration // CDRRetention, parsed by Check
}

// Check fills in the defaults, validates the section and reads the
// greeting, so that a bad file is found before the gateway starts.
func (c *Config) Check() error {
	if err := config.Duration("ring_timeout", &c.RingTimeout, defaultRingTimeout); err != nil {
		return err
	}
	if err := config.Duration("voicemail_max", &c.VoicemailMax, defaultVoicemailMax); err != nil {
		return err
	}
	var err error
	if c.cdrRetention, err = parseRetention(c.CDRRetention); err != nil {
		return config.Invalid("cdr_retention", "%v", err)
	}
	for _, l := range []struct {
		key string
		v   *int
		def int
	}{
		{"max_calls", &c.MaxCalls, defaultMaxCalls},
		{"max_calls_per_number", &c.MaxCallsPerNumber, defaultMaxPerNumber},
		{"max_calls_per_source", &c.MaxCallsPerSource, defaultMaxPerSource},
		{"calls_per_minute_per_source", &c.CallsPerMinutePerSource, defaultPerMinute},
		{"max_calls_per_user", &c.MaxCallsPerUser, defaultMaxPerUser},
		{"voicemail_per_hour", &c.VoicemailPerHour, defaultVoicemailPerHour},
	} {
		if *l.v < 0 {
			return config.Invalid(l.key, "%d: must be a positive number (0 takes the default, %d)", *l.v, l.def)
		}
		if *l.v == 0 {
			*l.v = l.def
		}
	}
	if c.VoicemailBudget == "" {
		c.VoicemailBudget = defaultBudgetText
	}
	n, err := ParseSize(c.VoicemailBudget)
	if err != nil {
		return config.Invalid("voicemail_budget", "%v", err)
	}
	// A budget smaller than one recording of voicemail_max would refuse
	// every caller.
	if one := recordingBytes(c.VoicemailMax); n < one {
		return config.Invalid("voicemail_budget", "%s holds not even one recording of voicemail_max (%v, %d bytes)", c.VoicemailBudget, c.VoicemailMax, one)
	}
	c.budget = n
	c.greeting = nil
	if c.VoicemailGreeting == "" {
		return nil
	}
	b, err := os.ReadFile(c.VoicemailGreeting)
	if err != nil {
		return config.Invalid("voicemail_greeting", "%v", err)
	}
	pcm, err := wav.Load(b)
	if errors.Is(err, wav.ErrRate) {
		return config.Invalid("voicemail_greeting", "%v; convert it to 8000 Hz (sox in.wav -r 8000 -c 1 -b 16 out.wav)", err)
	}
	if err != nil {
		return config.Invalid("voicemail_greeting", "%v", err)
	}
	c.greeting = pcm
	return nil
}

// Greeting is the checked greeting's audio; nil for the default beep.
func (c *Config) Greeting() []int16 { return c.greeting }

// Retention is how long call records are kept, as Check read it.
func (c *Config) Retention() time.Duration { return c.cdrRetention }

// parseRetention reads "90d" (days, which Go durations lack) or a Go
// duration; "" is the default.
func parseRetention(s string) (time.Duration, error) {
	if s == "" {
		return defaultCDRRetention, nil
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days > 100*365 {
			return 0, fmt.Errorf("%q is not a number of days such as 90d", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration such as 90d or 2160h", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not positive", s)
	}
	return d, nil
}

// Budget is the checked voicemail_budget in bytes.
func (c *Config) Budget() int64 { return c.budget }

// ParseSize reads a size such as "64MB": a whole number and one of the
// units KB, MB, GB (powers of 1024), any case.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	var shift uint
	switch {
	case strings.HasSuffix(t, "KB"):
		shift = 10
	case strings.HasSuffix(t, "MB"):
		shift = 20
	case strings.HasSuffix(t, "GB"):
		shift = 30
	default:
		return 0, errBadSize(s)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t[:len(t)-2]), 10, 64)
	if err != nil || n <= 0 || n > 1<<(63-shift)-1 {
		return 0, errBadSize(s)
	}
	return n << shift, nil
}

type errBadSize string

func (e errBadSize) Error() string {
	return strconv.Quote(string(e)) + ": not a size such as \"64MB\" (a whole number and KB, MB or GB)"
}

// recordingBytes is the size of the WAV of the longest recording (8 kHz,
// 16-bit): what voicemail reserves before it answers.
func recordingBytes(max time.Duration) int64 {
	return int64(max/time.Second+1)*8000*2 + 44
}
