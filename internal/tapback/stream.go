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
	inner, outer hash.Hash // keyed: ipad and opad already written
}

func newPrefixMAC(key []byte) *prefixMAC {
	if len(key) > sha256.BlockSize {
		k := sha256.Sum256(key)
		key = k[:]
	}
	var ipad, opad [sha256.BlockSize]byte
	copy(ipad[:], key)
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	m := &prefixMAC{inner: sha256.New(), outer: sha256.New()}
	m.inner.Write(ipad[:])
	m.outer.Write(opad[:])
	return m
}

// write feeds the next part of the text.
func (m *prefixMAC) write(s string) { m.inner.Write([]byte(s)) }

// fingerprint is kind + ":" + the MAC of what was written so far, 16
// characters of base64url; writing may go on after.
func (m *prefixMAC) fingerprint(kind string) string {
	var sum [sha256.Size]byte
	in := m.inner.(hash.Cloner)
	c, err := in.Clone()
	if err != nil {
		// sha256's digest always clones; keep a correct answer anyway.
		c = in
	}
	out, _ := m.outer.(hash.Cloner).Clone()
	out.Write(c.Sum(sum[:0]))
	return kind + ":" + base64.RawURLEncoding.EncodeToString(out.Sum(sum[:0])[:12])
}
