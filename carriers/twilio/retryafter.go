package twilio

import (
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// maxRetryAfter caps the delay Twilio may ask for (carriers.MaxRetryAfter).
const maxRetryAfter = carriers.MaxRetryAfter

// retryAfter reads a Retry-After header at now (carriers.RetryAfter).
func retryAfter(v string, now time.Time) time.Duration { return carriers.RetryAfter(v, now) }
