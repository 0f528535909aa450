package bridge

import (
	"os"
	"time"

	"github.com/switchboard-gw/switchboard/internal/config"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// Defaults of the [calls] section, which Settings also fall back on.
const (
	defaultRingTimeout  = 30 * time.Second
	defaultVoicemailMax = 2 * time.Minute
)

// Config is the [calls] section: how calls to users' numbers are handled.
type Config struct {
	RingTimeout  time.Duration `toml:"ring_timeout"` // how long inbound calls ring; default 30s
	Voicemail    bool          `toml:"voicemail"`    // unanswered and declined calls go to voicemail
	VoicemailMax time.Duration `toml:"voicemail_max"`
	// VoicemailGreeting is a WAV file (16-bit PCM, mono, 8 kHz) played
	// before recording; default a beep.
	VoicemailGreeting string `toml:"voicemail_greeting"`

	greeting []int16 // the file's samples, read by Check
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
