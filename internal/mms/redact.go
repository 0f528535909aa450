package mms

import (
	"net/url"
	"strings"
)

// redactURL is rawURL fit for logs and errors: scheme and host only, since
// paths and queries of media URLs carry account ids and signatures.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "(URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// scrubURL is err's text with rawURL (as given and as re-encoded), its
// query and its path redacted, for errors from code that quotes the URLs
// it fetched.
func scrubURL(err error, rawURL string) string {
	s := strings.ReplaceAll(err.Error(), rawURL, redactURL(rawURL))
	if u, perr := url.Parse(rawURL); perr == nil {
		s = strings.ReplaceAll(s, u.String(), redactURL(rawURL))
		if u.RawQuery != "" {
			s = strings.ReplaceAll(s, u.RawQuery, "…")
		}
		if len(u.Path) > 1 {
			s = strings.ReplaceAll(s, u.Path, "/…")
		}
	}
	return s
}

// redactedError is an error whose text has had a URL scrubbed, still
// wrapping the original for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactErr is err with rawURL scrubbed from its text (scrubURL).
func redactErr(err error, rawURL string) error {
	return &redactedError{msg: scrubURL(err, rawURL), err: err}
}
