package launch

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
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
	// SHA256 is the certificate's fingerprint in the colon-separated form
	// clients show when they ask whether to trust it.
	SHA256 string
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
	sum := sha256.Sum256(der)
	hexSum := strings.ToUpper(hex.EncodeToString(sum[:]))
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(hexSum); i += 2 {
		pairs = append(pairs, hexSum[i:i+2])
	}
	c.SHA256 = strings.Join(pairs, ":")
	return c, nil
}

func writePEM(path, typ string, der []byte) error {
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("launch: write %s: %w", path, err)
	}
	return nil
}
