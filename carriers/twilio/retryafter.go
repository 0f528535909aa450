package twilio

import (
	"time"

	"github.com/switchboard-gw/switchboard/carriers/internal/api"
)

// maxRetryAfter caps the delay Twilio may ask for (api.MaxRetryAfter).
const maxRetryAfter = api.MaxRetryAfter

// retryAfter reads a Retry-After header at now (api.RetryAfter).
func retryAfter(v string, now time.Time) time.Duration { return api.RetryAfter(v, now) }
