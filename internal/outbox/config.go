package outbox

import (
	"os"
	"time"

	"github.com/switchboard-gw/switchboard/internal/config"
)

// Config is the [outbox] section.
type Config struct {
	// Workers is how many jobs are sent at once; default 256. Each
	// conversation keeps to one worker (its order), so with few workers
	// unrelated conversations wait behind each other's carrier requests:
	// at a carrier's 100-300 ms a request, 32 workers held a gateway to a
	// few hundred messages a second, and the benchmark (50 conversations,
	// loopback carrier) ran 25 % faster with 256 than with 32. A carrier's
	// own concurrency limit (Twilio answers 429) is the ceiling.
	Workers int `toml:"workers"`
	// MaxAge is how long a message may wait (carrier down, pacing) before
	// it is given up and the user told; default "1h".
	MaxAge    time.Duration `toml:"max_age"`
	RetryMin  time.Duration `toml:"retry_min"`  // first retry delay, doubled each time; default "5s"
	RetryMax  time.Duration `toml:"retry_max"`  // longest retry delay; default "5m"
	ClaimIdle time.Duration `toml:"claim_idle"` // a job unfinished this long belonged to a dead instance; default "2m"
	// NumberRate overrides each carrier's own sends per second per sending
	// number (a US long code is about 1); 0 keeps the carrier's.
	NumberRate float64 `toml:"number_rate"`
	// CarrierRate bounds each carrier's sends per second, all numbers
	// together; 0: unpaced.
	CarrierRate float64 `toml:"carrier_rate"`
	// SharedPacing paces through Redis, so that several gateway instances
	// sending from one number (or through one carrier) keep its rate
	// together; each books a send in one round trip. Off, each instance
	// paces alone.
	SharedPacing bool `toml:"shared_pacing"`
	// Consumer names this instance in the queue's consumer group; default
	// the host name. Instances sharing a Redis need different names; an
	// instance restarted under its name resumes its unfinished jobs at once.
	Consumer string `toml:"consumer"`
}

// Check fills in defaults and validates the section.
func (c *Config) Check() error {
	if c.Workers == 0 {
		c.Workers = 256
	}
	if c.Workers < 1 || c.Workers > 4096 {
		return config.Invalid("workers", "%d is not between 1 and 4096", c.Workers)
	}
	for _, d := range []struct {
		key string
		d   *time.Duration
		def time.Duration
	}{
		{"max_age", &c.MaxAge, time.Hour},
		{"retry_min", &c.RetryMin, 5 * time.Second},
		{"retry_max", &c.RetryMax, 5 * time.Minute},
		{"claim_idle", &c.ClaimIdle, 2 * time.Minute},
	} {
		if err := config.Duration(d.key, d.d, d.def); err != nil {
			return err
		}
	}
	if c.RetryMax < c.RetryMin {
		return config.Invalid("retry_max", "%s is shorter than retry_min %s", c.RetryMax, c.RetryMin)
	}
	if c.ClaimIdle < 30*time.Second {
		return config.Invalid("claim_idle", "%s is too short: a live instance's slow send would be taken over and sent twice (at least 30s)", c.ClaimIdle)
	}
	if c.NumberRate < 0 {
		return config.Invalid("number_rate", "%g is negative", c.NumberRate)
	}
	if c.CarrierRate < 0 {
		return config.Invalid("carrier_rate", "%g is negative", c.CarrierRate)
	}
	if c.Consumer == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "switchboard"
		}
		c.Consumer = h
	}
	return nil
}
