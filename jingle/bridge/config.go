package bridge

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/internal/config"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// Defaults of the [calls] section, which Settings also fall back on.
const (
	defaultRingTimeout  = 30 * time.Second
	defaultVoicemailMax = 2 * time.Minute
	defaultCDRRetention = 90 * 24 * time.Hour
)

// Config is the [calls] section: how calls to users' numbers are handled.
type Config struct {
	RingTimeout  time.Duration `toml:"ring_timeout"` // how long inbound calls ring; default 30s
	Voicemail    bool          `toml:"voicemail"`    // unanswered and declined calls go to voicemail
	VoicemailMax time.Duration `toml:"voicemail_max"`
	// VoicemailGreeting is a WAV file (16-bit PCM, mono, 8 kHz) played
	// before recording; default a beep.
	VoicemailGreeting string `toml:"voicemail_greeting"`
	// CDRRetention is how long call records are kept: whole days ("90d",
	// the default) or a Go duration ("2160h").
	CDRRetention string `toml:"cdr_retention"`

	greeting     []int16       // the file's samples, read by Check
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
	c.greeting = nil
	if c.VoicemailGreeting == "" {
		return nil
	}
	b, err := os.ReadFile(c.VoicemailGreeting)
	if err != nil {
		return config.Invalid("voicemail_greeting", "%v", err)
	}
	pcm, rate, err := media.DecodeWAV(b)
	if err != nil {
		return config.Invalid("voicemail_greeting", "%v", err)
	}
	if rate != 8000 {
		return config.Invalid("voicemail_greeting", "%d Hz; convert it to 8000 Hz (sox in.wav -r 8000 -c 1 -b 16 out.wav)", rate)
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
