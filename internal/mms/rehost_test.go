package mms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// mediaCarrier plays a carrier whose media URLs need its credentials
// (Twilio): /Accounts/AC1/Media/<n> on its own host answers the
// credentialed with a redirect to signed storage on another host.
type mediaCarrier struct {
	host    string // carrier.test:port
	storage string // storage.test:port
	files   map[string]struct{ typ, data string }

	mu        sync.Mutex
	deleted   []string
	deleteErr error
	storeAuth []string // Authorization headers the storage saw
}

func (c *mediaCarrier) Name() string                                           { return "fake" }
func (c *mediaCarrier) Send(context.Context, carriers.Message) (string, error) { return "", nil }
func (c *mediaCarrier) Limits() carriers.Limits                                { return carriers.Limits{} }

// AuthorizeMedia adds credentials for the carrier's own host only.
func (c *mediaCarrier) AuthorizeMedia(req *http.Request) error {
	if req.URL.Host != c.host {
		return fmt.Errorf("fake: not my media URL: %s", req.URL)
	}
	req.SetBasicAuth("AC1", "token")
	return nil
}

func (c *mediaCarrier) DeleteMedia(_ context.Context, url string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deleted = append(c.deleted, url)
	if c.deleteErr != nil {
		// As an HTTP client's errors do, it quotes the URL.
		return fmt.Errorf("%w: DELETE %q", c.deleteErr, url)
	}
	return nil
}

func (c *mediaCarrier) url(n string) string {
	return "http://" + c.host + "/2010-04-01/Accounts/AC1/Messages/MM1/Media/" + n
}

func startCarrier(t *testing.T, files map[string]struct{ typ, data string }) *mediaCarrier {
	t.Helper()
	c := &mediaCarrier{files: files}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.Host)
		n := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		f, ok := c.files[n]
		switch {
		case !ok:
			http.NotFound(w, r)
		case host == "carrier.test":
			if u, p, ok := r.BasicAuth(); !ok || u != "AC1" || p != "token" {
				http.Error(w, "credentials", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "http://"+c.storage+"/signed/"+n+"?Signature=s3cr3t", http.StatusTemporaryRedirect)
		case host == "storage.test":
			c.mu.Lock()
			c.storeAuth = append(c.storeAuth, r.Header.Get("Authorization"))
			c.mu.Unlock()
			w.Header().Set("Content-Type", f.typ)
			_, _ = w.Write([]byte(f.data))
		}
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	c.host, c.storage = "carrier.test:"+port, "storage.test:"+port
	return c
}

// noAuthCarrier is a carrier whose media URLs are public.
type noAuthCarrier struct{}

func (noAuthCarrier) Name() string                                           { return "plain" }
func (noAuthCarrier) Send(context.Context, carriers.Message) (string, error) { return "", nil }
func (noAuthCarrier) Limits() carriers.Limits                                { return carriers.Limits{} }

func newTestRehoster(t *testing.T, st Store, public string, log *slog.Logger) *Rehoster {
	t.Helper()
	a := netip.MustParseAddr("127.0.0.1")
	f := newTestFetcher(t, FetchSettings{
		Allow:    []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Resolver: testDNS(t, map[string][]netip.Addr{"carrier.test": {a}, "storage.test": {a}}),
	})
	r, err := NewRehoster(RehostSettings{Store: st, Fetch: f, PublicURL: public, TTL: time.Hour, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRehostAll(t *testing.T) {
	st := openDir(t, t.TempDir(), nil)
	public := serve(t, st)
	c := startCarrier(t, map[string]struct{ typ, data string }{
		"ME1": {"image/jpeg", "JPEG"},
		"ME2": {"audio/amr", "#!AMR"},
		"ME3": {"application/octet-stream", "PNG"},
		"ME4": {"", "????"},
		"ME5": {"text/html; charset=utf-8", "<script>"},
	})
	var logs bytes.Buffer
	r := newTestRehoster(t, st, public, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	in := []carriers.Media{
		{URL: c.url("ME1"), Type: "image/jpeg"},
		{URL: c.url("ME2")},
		{URL: c.url("ME3"), Type: "image/png"}, // the webhook's type, where the response's says nothing
		{URL: c.url("ME4")},
		{URL: c.url("ME5"), Type: "image/png"}, // the response's type wins
	}
	c.deleteErr = errors.New("fake: delete failed")
	out, err := r.RehostAll(context.Background(), c, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ typ, name, data string }{
		{"image/jpeg", "image.jpg", "JPEG"},
		{"audio/amr", "audio.amr", "#!AMR"},
		{"image/png", "image.png", "PNG"},
		{"application/octet-stream", "file.bin", "????"},
		{"text/html; charset=utf-8", "file.html", "<script>"},
	}
	if len(out) != len(want) {
		t.Fatalf("%d media, want %d", len(out), len(want))
	}
	for i, w := range want {
		m := out[i]
		if !strings.HasPrefix(m.URL, public+"/media/") || !strings.HasSuffix(m.URL, "/"+w.name) || m.Type != w.typ {
			t.Errorf("media %d: %+v, want %s at %s/media/<id>/%s", i, m, w.typ, public, w.name)
			continue
		}
		resp, body := do(t, "GET", m.URL)
		if resp.StatusCode != 200 || body != w.data || resp.Header.Get("Content-Type") != w.typ {
			t.Errorf("media %d served as %d %q %q", i, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.deleted) != len(in) || c.deleted[0] != in[0].URL || c.deleted[4] != in[4].URL {
		t.Errorf("deleted at the carrier: %v", c.deleted)
	}
	for _, a := range c.storeAuth {
		if a != "" {
			t.Errorf("the storage host got the carrier's credentials: %q", a)
		}
	}
	if l := logs.String(); strings.Contains(l, "AC1") || strings.Contains(l, "s3cr3t") || !strings.Contains(l, "cannot delete") {
		t.Errorf("logs:\n%s", l)
	}
}

// TestRehostAllOrNothing: a message whose media cannot all be copied
// leaves no copies and the carrier's items in place, for the retry.
func TestRehostAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	st := openDir(t, dir, nil)
	c := startCarrier(t, map[string]struct{ typ, data string }{"ME1": {"image/jpeg", "JPEG"}})
	r := newTestRehoster(t, st, "https://gw.example.org", nil)
	_, err := r.RehostAll(context.Background(), c, []carriers.Media{{URL: c.url("ME1")}, {URL: c.url("ME404")}})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 404 {
		t.Fatalf("err = %v, want a 404", err)
	}
	if strings.Contains(err.Error(), "AC1") {
		t.Errorf("error names the URL: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("copies left: %v", entries)
	}
	if len(c.deleted) != 0 {
		t.Errorf("deleted at the carrier: %v", c.deleted)
	}
	// Without an authorizer, a carrier's URL that needs credentials fails.
	if _, err := r.RehostAll(context.Background(), noAuthCarrier{}, []carriers.Media{{URL: c.url("ME1")}}); !errors.As(err, &se) || se.Code != 401 {
		t.Errorf("without credentials: %v", err)
	}
	// The authorizer refuses a URL off the carrier's host: the credentials
	// never go to a third party a webhook names.
	_, err = r.Rehost(context.Background(), carriers.Media{URL: "http://" + c.storage + "/signed/ME1?Signature=s3cr3t"}, c)
	if err == nil || !strings.Contains(err.Error(), "not my media URL") {
		t.Errorf("fetched with the carrier's authorizer off its host: %v", err)
	} else if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "/signed/") {
		t.Errorf("error names the URL: %v", err)
	}
	if out, err := r.RehostAll(context.Background(), c, nil); out != nil || err != nil {
		t.Errorf("no media: %v %v", out, err)
	}
}
