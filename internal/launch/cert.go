package launch

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1" // only for the fingerprint Profanity shows, never for trust
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Certificate is a self-signed TLS certificate and its key, as PEM files.
type Certificate struct {
	CertFile string
	KeyFile  string
	// SHA1 and SHA256 are the certificate's fingerprints in the
	// colon-separated form clients show when they ask whether to trust it:
	// some show only SHA-1 (Profanity), others only SHA-256.
	SHA1, SHA256 string
}

// SelfSigned writes a new self-signed certificate for the DNS names into
// dir as NAME.crt and NAME.key, where NAME is the first name. It is valid
// from an hour ago for a year.
func SelfSigned(dir string, names ...string) (Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Certificate{}, fmt.Errorf("launch: certificate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return Certificate{}, fmt.Errorf("launch: certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: names[0], Organization: []string{"Switchboard demo"}},
		DNSNames:              names,
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Certificate{}, fmt.Errorf("launch: create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Certificate{}, fmt.Errorf("launch: encode certificate key: %w", err)
	}
	c := Certificate{
		CertFile: filepath.Join(dir, names[0]+".crt"),
		KeyFile:  filepath.Join(dir, names[0]+".key"),
	}
	if err := writePEM(c.KeyFile, "PRIVATE KEY", keyDER); err != nil {
		return Certificate{}, err
	}
	if err := writePEM(c.CertFile, "CERTIFICATE", der); err != nil {
		return Certificate{}, err
	}
	s1, s256 := sha1.Sum(der), sha256.Sum256(der)
	c.SHA1, c.SHA256 = Fingerprint(s1[:]), Fingerprint(s256[:])
	return c, nil
}

// Fingerprint writes a digest as clients show it: upper-case hex pairs
// joined by colons.
func Fingerprint(sum []byte) string {
	h := strings.ToUpper(hex.EncodeToString(sum))
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		pairs = append(pairs, h[i:i+2])
	}
	return strings.Join(pairs, ":")
}

func writePEM(path, typ string, der []byte) error {
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("launch: write %s: %w", path, err)
	}
	return nil
}
