package mms

import (
	"crypto/rand"
	"encoding/base64"
)

// idBytes is the randomness of an id: 192 bits, so that the URL is the
// capability and guessing one is hopeless.
const idBytes = 24

// idLen is the length of an id: idBytes in unpadded base64url.
const idLen = idBytes * 4 / 3

// newID is a fresh id: URL-safe and safe as a file name (no dot, no slash).
func newID() string {
	b := make([]byte, idBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validID reports whether s has the shape of an id; only such strings reach
// a store, so none can name a path or key of its choosing.
func validID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
