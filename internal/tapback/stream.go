package tapback

import (
	"crypto/sha256"
	"encoding/base64"
	"hash"
)

// prefixMAC computes HMAC-SHA256 of every prefix of one text in a single
// pass: the inner hash runs over the text once and is cloned where a
// prefix ends, instead of hashing each prefix from its start. Fingerprints
// runs on every message the gateway carries, so this is its hot path.
// Its sums equal crypto/hmac's (match_test.go checks).
type prefixMAC struct {
	key   *Key
	inner hash.Hash // ipad, then the text so far
}

// Key is an HMAC key made ready once: the keyed inner and outer states
// that every fingerprint starts from, which cost as much to compute as a
// short text's hash. It is safe for concurrent use: it is only cloned.
type Key struct {
	ipad, opad   [sha256.BlockSize]byte
	inner, outer hash.Hash // ipad and opad written; never written again
}

// NewKey readies secret for fingerprints. A nil secret hashes without a key.
func NewKey(secret []byte) *Key {
	if len(secret) > sha256.BlockSize {
		k := sha256.Sum256(secret)
		secret = k[:]
	}
	k := &Key{inner: sha256.New(), outer: sha256.New()}
	copy(k.ipad[:], secret)
	copy(k.opad[:], secret)
	for i := range k.ipad {
		k.ipad[i] ^= 0x36
		k.opad[i] ^= 0x5c
	}
	k.inner.Write(k.ipad[:])
	k.outer.Write(k.opad[:])
	return k
}

// mac starts a text.
func (k *Key) mac() *prefixMAC { return &prefixMAC{key: k, inner: k.fresh(k.inner, &k.ipad)} }

// fresh copies a keyed state (h, with pad written).
func (k *Key) fresh(h hash.Hash, pad *[sha256.BlockSize]byte) hash.Hash {
	if c, err := h.(hash.Cloner).Clone(); err == nil {
		return c
	}
	// sha256's state always clones; keep a correct answer anyway.
	c := sha256.New()
	c.Write(pad[:])
	return c
}

// write feeds the next part of the text.
func (m *prefixMAC) write(s string) { m.inner.Write([]byte(s)) }

// fingerprint is kind + ":" + the MAC of what was written so far, 16
// characters of base64url; writing may go on after (Sum leaves the inner
// state as it was).
func (m *prefixMAC) fingerprint(kind string) string {
	var sum [sha256.Size]byte
	out := m.key.fresh(m.key.outer, &m.key.opad)
	out.Write(m.inner.Sum(sum[:0]))
	return kind + ":" + base64.RawURLEncoding.EncodeToString(out.Sum(sum[:0])[:12])
}
