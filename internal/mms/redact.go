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

// scrubURL is err's text with rawURL, and its path, replaced by the
// redacted URL, for errors from code that quotes the URLs it fetched.
func scrubURL(err error, rawURL string) string {
	s := strings.ReplaceAll(err.Error(), rawURL, redactURL(rawURL))
	if u, perr := url.Parse(rawURL); perr == nil && len(u.Path) > 1 {
		s = strings.ReplaceAll(s, u.Path, "/…")
	}
	return s
}
