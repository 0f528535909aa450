package launch

import (
	"bufio"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Stop leaves no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestStartStop starts Redis and a Prosody that offers TLS in one directory,
// as the demo does, and checks that Stop leaves no process and no listener.
func TestStartStop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis and Prosody (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()

	r, err := StartRedis(ctx, filepath.Join(dir, "redis"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	if !strings.HasPrefix(r.URL, "redis://127.0.0.1:") || !redisPing(r.Addr) {
		t.Fatalf("redis at %s (%s) does not answer", r.Addr, r.URL)
	}

	p, err := StartProsody(ctx, filepath.Join(dir, "prosody"), ProsodyOptions{TLS: true, Modules: []string{"pep"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if p.Cert == nil || !strings.Contains(p.Cert.SHA256, ":") {
		t.Fatalf("Cert = %+v", p.Cert)
	}
	if err := p.Register(ctx, "demo", "pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, "data", "localhost", "accounts", "demo.dat")); err != nil {
		t.Errorf("account not stored: %v", err)
	}
	checkStartTLS(t, p)
	if got := p.WebSocketURL(); got != "ws://"+p.HTTPAddr+"/xmpp-websocket" {
		t.Errorf("WebSocketURL = %s", got)
	}

	procs := map[string]*Process{"redis": r.proc, "prosody": p.proc}
	addrs := []string{r.Addr, p.C2SAddr, p.ComponentAddr, p.HTTPAddr}
	r.Stop()
	p.Stop()
	r.Stop() // stopping twice does nothing
	for name, pr := range procs {
		if err := syscall.Kill(-pr.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s process group %d still there after Stop (kill 0: %v)", name, pr.Pid(), err)
		}
	}
	for _, addr := range addrs {
		if Accepts(addr) {
			t.Errorf("%s still accepts connections after Stop", addr)
		}
	}

	// Start again: same ports, same data.
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctx); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second Start = %v", err)
	}
	p.Stop()
}

// checkStartTLS checks that c2s offers STARTTLS without requiring it and that
// the handshake verifies against p.Cert for the name "localhost".
func checkStartTLS(t *testing.T, p *Prosody) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", p.C2SAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(conn)
	readUntil := func(s string) string {
		t.Helper()
		var b strings.Builder
		for !strings.Contains(b.String(), s) {
			c, err := rd.ReadByte()
			if err != nil {
				t.Fatalf("waiting for %q: %v after %q", s, err, b.String())
			}
			b.WriteByte(c)
		}
		return b.String()
	}
	fmt.Fprintf(conn, `<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`)
	features := readUntil("</stream:features>")
	if !strings.Contains(features, "urn:ietf:params:xml:ns:xmpp-tls") || strings.Contains(features, "<required") {
		t.Fatalf("features = %s; want optional STARTTLS", features)
	}
	if !strings.Contains(features, "<mechanism>PLAIN</mechanism>") {
		t.Errorf("features = %s; want PLAIN offered without TLS", features)
	}
	fmt.Fprintf(conn, `<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`)
	readUntil("<proceed")
	readUntil(">")

	pem, err := os.ReadFile(p.Cert.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	tc := tls.Client(conn, &tls.Config{ServerName: "localhost", RootCAs: roots})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	// The fingerprints the demo prints are those of what clients are shown.
	der := tc.ConnectionState().PeerCertificates[0].Raw
	s1, s256 := sha1.Sum(der), sha256.Sum256(der)
	if Fingerprint(s1[:]) != p.Cert.SHA1 || Fingerprint(s256[:]) != p.Cert.SHA256 {
		t.Errorf("served certificate's fingerprints %s / %s, want %s / %s",
			Fingerprint(s1[:]), Fingerprint(s256[:]), p.Cert.SHA1, p.Cert.SHA256)
	}
	if !regexp.MustCompile(`^([0-9A-F]{2}:){19}[0-9A-F]{2}$`).MatchString(p.Cert.SHA1) {
		t.Errorf("SHA1 = %q, want 20 colon-separated hex pairs", p.Cert.SHA1)
	}
}

func TestFixedPortTaken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prosody (skipped with -short)")
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if PortFree(port) {
		t.Fatalf("PortFree(%d) with a listener on it", port)
	}
	_, err = StartProsody(context.Background(), t.TempDir(), ProsodyOptions{C2SPort: port})
	if err == nil || !PortTaken(err) {
		t.Fatalf("StartProsody on a taken port = %v; want an error PortTaken recognises", err)
	}
}

func TestStartCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := StartRedis(ctx, t.TempDir()); !errors.Is(err, context.Canceled) {
		t.Fatalf("StartRedis with a canceled context = %v", err)
	}
}

func TestMissingPackages(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if got := strings.Join(MissingPackages(), " "); got != "redis-server prosody" {
		t.Errorf("MissingPackages without PATH = %q; want \"redis-server prosody\"", got)
	}
	if _, err := StartRedis(context.Background(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "apt-get install redis-server") {
		t.Errorf("StartRedis without PATH = %v; want a hint to install redis-server", err)
	}
}
