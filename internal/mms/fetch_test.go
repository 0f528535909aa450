package mms

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testZone is what the test DNS server answers.
func testZone() map[string][]netip.Addr {
	a := netip.MustParseAddr
	return map[string][]netip.Addr{
		"a.test":      {a("127.0.0.1")},
		"b.test":      {a("127.0.0.1")},
		"loop.test":   {a("127.0.0.2")},
		"loop6.test":  {a("::1")},
		"mapped.test": {a("::ffff:127.0.0.2")},
		"both.test":   {a("127.0.0.3"), a("::1")},
	}
}

// origin is a test server on 127.0.0.1 that counts requests and serves a
// few paths:
//
//	/file?type=T&size=N   N bytes of type T
//	/chunked?size=N       N bytes without Content-Length
//	/to?u=URL             302 to URL
//	/hops?n=N             N redirects, then /file
//	/echo                 records the Authorization header by host
//	/status?code=C        answers C
//	/slow                 answers when the request ends
type origin struct {
	*httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	auth     map[string]string // host -> Authorization seen
}

func startOrigin(t *testing.T, tls bool) *origin {
	t.Helper()
	o := &origin{auth: map[string]string{}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.requests.Add(1)
		q := r.URL.Query()
		size, _ := strconv.Atoi(q.Get("size"))
		switch r.URL.Path {
		case "/file":
			typ := q.Get("type")
			if typ == "" {
				typ = "image/png"
			}
			w.Header().Set("Content-Type", typ)
			w.Header().Set("Content-Length", strconv.Itoa(size))
			_, _ = w.Write([]byte(strings.Repeat("x", size)))
		case "/lying":
			// Says less than it sends: the count catches it.
			w.Header().Set("Content-Length", "10")
			hj, _ := w.(http.Hijacker)
			conn, buf, _ := hj.Hijack()
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nConnection: close\r\n\r\n%s", strings.Repeat("x", size))
			buf.Flush()
		case "/chunked":
			w.Header().Set("Content-Type", "image/gif")
			for range size / 100 {
				_, _ = w.Write([]byte(strings.Repeat("x", 100)))
				w.(http.Flusher).Flush()
			}
		case "/to":
			http.Redirect(w, r, q.Get("u"), http.StatusFound)
		case "/hops":
			n, _ := strconv.Atoi(q.Get("n"))
			if n == 0 {
				http.Redirect(w, r, "/file?size=3", http.StatusFound)
				return
			}
			http.Redirect(w, r, "/hops?n="+strconv.Itoa(n-1), http.StatusFound)
		case "/echo":
			o.mu.Lock()
			o.auth[r.Host] = r.Header.Get("Authorization")
			o.mu.Unlock()
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("ok"))
		case "/status":
			code, _ := strconv.Atoi(q.Get("code"))
			w.WriteHeader(code)
		case "/slow":
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	})
	if tls {
		o.Server = httptest.NewTLSServer(h)
	} else {
		o.Server = httptest.NewServer(h)
	}
	t.Cleanup(o.Close)
	return o
}

func (o *origin) port() string {
	_, p, _ := net.SplitHostPort(o.Listener.Addr().String())
	return p
}

// at is the origin's URL under another host name or address.
func (o *origin) at(host, path string) string {
	return "http://" + net.JoinHostPort(host, o.port()) + path
}

func newTestFetcher(t *testing.T, s FetchSettings) *Fetcher {
	t.Helper()
	if s.Resolver == nil {
		s.Resolver = testDNS(t, testZone())
	}
	return NewFetcher(s)
}

// TestFetchRefusesAddresses: every way of writing or resolving to an
// internal address is refused before a request is sent.
func TestFetchRefusesAddresses(t *testing.T) {
	o := startOrigin(t, false)
	f := newTestFetcher(t, FetchSettings{})
	for _, host := range []string{
		"127.0.0.1", "localhost", "::1", "::ffff:127.0.0.1", "0.0.0.0", "::",
		"2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "0x7f000001",
		"loop.test", "loop6.test", "mapped.test", "both.test",
	} {
		t.Run(host, func(t *testing.T) {
			_, err := f.Get(context.Background(), o.at(host, "/file?size=3"), nil)
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("Get = %v, want ErrForbiddenAddress", err)
			}
			if _, err := f.Head(context.Background(), o.at(host, "/file?size=3")); !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("Head = %v, want ErrForbiddenAddress", err)
			}
		})
	}
	if n := o.requests.Load(); n != 0 {
		t.Errorf("the origin got %d requests", n)
	}
}

// TestFetchControl: the dialer's check refuses the addresses no test
// connects to (cloud metadata, private networks).
func TestFetchControl(t *testing.T) {
	f := NewFetcher(FetchSettings{Allow: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}})
	for addr, ok := range map[string]bool{
		"169.254.169.254:80":          false,
		"[fd00:ec2::254]:80":          false,
		"[::ffff:169.254.169.254]:80": false,
		"10.0.0.1:443":                false,
		"192.168.0.1:80":              false,
		"100.100.100.200:80":          false, // Alibaba's metadata, in CGNAT space
		"[fe80::1%eth0]:80":           false,
		"10.9.1.2:80":                 true,
		"93.184.215.14:443":           true,
		"garbage":                     false,
	} {
		if err := f.control("tcp", addr, nil); (err == nil) != ok || !ok && !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("control(%s) = %v", addr, err)
		}
	}
}

func TestFetchRefusesURLs(t *testing.T) {
	o := startOrigin(t, false)
	f := newTestFetcher(t, FetchSettings{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	for _, u := range []string{
		"ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1:70/", "//127.0.0.1/x", "127.0.0.1/x",
		"http:///x", "http://u:p@" + strings.TrimPrefix(o.URL, "http://") + "/file", "\x7f", "",
	} {
		if _, err := f.Get(context.Background(), u, nil); !errors.Is(err, ErrURL) {
			t.Errorf("Get(%q) = %v, want ErrURL", u, err)
		}
	}
	if n := o.requests.Load(); n != 0 {
		t.Errorf("the origin got %d requests", n)
	}
}

// TestFetchRedirects: each hop dials anew and is checked; redirects are
// bounded and never downgrade https.
func TestFetchRedirects(t *testing.T) {
	o := startOrigin(t, false)
	f := newTestFetcher(t, FetchSettings{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	ctx := context.Background()
	if d, err := f.Get(ctx, o.at("a.test", "/to?u="+url.QueryEscape(o.at("b.test", "/file?size=3"))), nil); err != nil || string(d.Data) != "xxx" {
		t.Fatalf("allowed redirect: %q %v", d.Data, err)
	}
	for _, target := range []string{
		o.at("127.0.0.2", "/file"), o.at("::1", "/file"), o.at("loop.test", "/file"), o.at("2130706433", "/file"),
		o.at("loop6.test", "/file"), o.at("::ffff:127.0.0.2", "/file"),
	} {
		before := o.requests.Load()
		_, err := f.Get(ctx, o.URL+"/to?u="+url.QueryEscape(target), nil)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("redirect to %s: %v, want ErrForbiddenAddress", target, err)
		}
		if n := o.requests.Load() - before; n != 1 {
			t.Errorf("redirect to %s: %d requests reached the origin, want the first only", target, n)
		}
	}
	for _, target := range []string{"file:///etc/passwd", "ftp://127.0.0.1/"} {
		if _, err := f.Get(ctx, o.URL+"/to?u="+url.QueryEscape(target), nil); !errors.Is(err, ErrURL) {
			t.Errorf("redirect to %s: %v, want ErrURL", target, err)
		}
	}
	if _, err := f.Get(ctx, o.URL+"/hops?n=4", nil); err != nil {
		t.Errorf("5 redirects: %v", err)
	}
	if _, err := f.Get(ctx, o.URL+"/hops?n=5", nil); !errors.Is(err, ErrURL) {
		t.Errorf("6 redirects: %v, want ErrURL", err)
	}

	tlsOrigin := startOrigin(t, true)
	f.client.Transport.(*http.Transport).TLSClientConfig = tlsOrigin.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	if _, err := f.Get(ctx, tlsOrigin.URL+"/file?size=3", nil); err != nil {
		t.Fatalf("https: %v", err)
	}
	if _, err := f.Get(ctx, tlsOrigin.URL+"/to?u="+url.QueryEscape(o.URL+"/file?size=3"), nil); !errors.Is(err, ErrURL) {
		t.Errorf("https to http: %v, want ErrURL", err)
	}
}

// TestFetchCredentials: credentials added by the authorizer reach the
// first host only; Go's client drops Authorization on a redirect to
// another host (a carrier's media URL redirecting to signed storage).
func TestFetchCredentials(t *testing.T) {
	o := startOrigin(t, false)
	f := newTestFetcher(t, FetchSettings{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	auth := func(r *http.Request) error { r.SetBasicAuth("AC123", "secret"); return nil }
	ctx := context.Background()
	if _, err := f.Get(ctx, o.at("a.test", "/echo"), auth); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get(ctx, o.at("a.test", "/to?u="+url.QueryEscape(o.at("b.test", "/echo"))), auth); err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if got := o.auth[net.JoinHostPort("a.test", o.port())]; !strings.HasPrefix(got, "Basic ") {
		t.Errorf("first host got Authorization %q", got)
	}
	if got, ok := o.auth[net.JoinHostPort("b.test", o.port())]; !ok || got != "" {
		t.Errorf("redirect target got Authorization %q (seen %v)", got, ok)
	}
	refuse := errors.New("not my host")
	if _, err := f.Get(ctx, o.URL+"/echo", func(*http.Request) error { return refuse }); !errors.Is(err, refuse) {
		t.Errorf("authorizer's refusal: %v", err)
	}
}

func TestFetchLimits(t *testing.T) {
	o := startOrigin(t, false)
	f := newTestFetcher(t, FetchSettings{MaxBytes: 1000, Timeout: 300 * time.Millisecond, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	ctx := context.Background()
	d, err := f.Get(ctx, o.URL+"/file?size=1000&type="+url.QueryEscape("Image/JPEG; q=1"), nil)
	if err != nil || len(d.Data) != 1000 || d.Type != "image/jpeg" {
		t.Errorf("at the cap: %d bytes %q %v", len(d.Data), d.Type, err)
	}
	for _, p := range []string{"/file?size=1001", "/chunked?size=1100", "/lying?size=1001"} {
		if _, err := f.Get(ctx, o.URL+p, nil); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", p, err)
		}
	}
	if d, err := f.Get(ctx, o.URL+"/chunked?size=900", nil); err != nil || len(d.Data) != 900 || d.Type != "image/gif" {
		t.Errorf("chunked under the cap: %d %v", len(d.Data), err)
	}
	h, err := f.Head(ctx, o.URL+"/file?size=5000&type=video/mp4")
	if err != nil || h.Length != 5000 || h.Type != "video/mp4" {
		t.Errorf("Head = %+v %v", h, err)
	}
	var se *StatusError
	_, err = f.Get(ctx, o.URL+"/status?code=404&p=/2010-04-01/Accounts/ACsecret/Media/ME1", nil)
	if !errors.As(err, &se) || se.Code != 404 {
		t.Errorf("404: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "ACsecret") {
		t.Errorf("error names the path: %v", err)
	}
	start := time.Now()
	if _, err := f.Get(ctx, o.URL+"/slow", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow: %v, want a deadline", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("timeout took %v", time.Since(start))
	}
}

func TestPermanent(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{ErrTooLarge, true},
		{fmt.Errorf("wrapped: %w", ErrForbiddenAddress), true},
		{ErrURL, true},
		{fmt.Errorf("%w: not our host", ErrRefused), true},
		{&StatusError{Code: 404}, true},
		{&StatusError{Code: 403}, true},
		{&StatusError{Code: 429}, false},
		{&StatusError{Code: 408}, false},
		{&StatusError{Code: 503}, false},
		{context.DeadlineExceeded, false},
		{errors.New("connection reset"), false},
	} {
		if got := Permanent(tt.err); got != tt.want {
			t.Errorf("Permanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
