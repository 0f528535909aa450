package bandwidth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

func TestAuthorizeMedia(t *testing.T) {
	c := newTest(t, testSettings("https://messaging.bandwidth.com"))
	own := "https://messaging.bandwidth.com/api/v2/users/" + testAccount + "/media/"
	tests := []struct {
		name string
		url  string
		err  error
	}{
		{"inbound media", own + "14762070468292kw2fuqty55yp2b2/0/bw.png", nil},
		{"explicit port", "https://messaging.bandwidth.com:443/api/v2/users/" + testAccount + "/media/m1", nil},
		{"upper-case host", "https://MESSAGING.bandwidth.com/api/v2/users/" + testAccount + "/media/m1", nil},
		{"another host", "https://files.example.org/api/v2/users/" + testAccount + "/media/m1", errForeignMediaHost},
		{"look-alike host", "https://messaging.bandwidth.com.example.org/api/v2/users/" + testAccount + "/media/m1", errForeignMediaHost},
		{"plain http", "http://messaging.bandwidth.com/api/v2/users/" + testAccount + "/media/m1", errForeignMediaHost},
		{"other port", "https://messaging.bandwidth.com:8443/api/v2/users/" + testAccount + "/media/m1", errForeignMediaHost},
		{"user info", "https://x@messaging.bandwidth.com/api/v2/users/" + testAccount + "/media/m1", errForeignMediaHost},
		{"another account", "https://messaging.bandwidth.com/api/v2/users/9900001/media/m1", errNotMediaURL},
		{"account prefix", "https://messaging.bandwidth.com/api/v2/users/" + testAccount + "0/media/m1", errNotMediaURL},
		{"not media", "https://messaging.bandwidth.com/api/v2/users/" + testAccount + "/messages", errNotMediaURL},
		{"no id", own, errNotMediaURL},
		{"dot dot", own + "../messages", errNotMediaURL},
		{"empty segment", own + "a//b", errNotMediaURL},
		{"query", own + "m1?x=1", errNotMediaURL},
		{"fragment", own + "m1#x", errNotMediaURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = c.AuthorizeMedia(req)
			if !errors.Is(err, tt.err) {
				t.Fatalf("AuthorizeMedia = %v, want %v", err, tt.err)
			}
			u, p, ok := req.BasicAuth()
			if tt.err == nil && (!ok || u != testUser || p != testPass) {
				t.Fatal("no credentials added")
			}
			if tt.err != nil && ok {
				t.Fatal("credentials added to a refused URL")
			}
		})
	}
	if err := c.AuthorizeMedia(nil); err == nil {
		t.Fatal("AuthorizeMedia(nil) = nil")
	}
}

// testDeleteMedia deletes a media item at Prism, which takes deleteMedia
// only with Basic auth at the definition's path.
func testDeleteMedia(t *testing.T, prism *carriertest.Prism) {
	rec := &recorder{next: &http.Transport{DisableKeepAlives: true}}
	set := testSettings(prism.URL)
	set.Transport = rec
	c := newTest(t, set)
	if err := c.DeleteMedia(context.Background(), prism.URL+"/api/v2/users/"+testAccount+"/media/14762070468292kw2fuqty55yp2b2"); err != nil {
		t.Fatal(err)
	}
	if req, _, _, status := rec.last(); req != "DELETE /api/v2/users/"+testAccount+"/media/14762070468292kw2fuqty55yp2b2" || status != http.StatusNoContent {
		t.Fatalf("%s answered %d", req, status)
	}
}

// TestDeleteMedia: an inbound media URL is deleted as given (its id holds
// slashes); gone already is deleted; other answers are errors, and foreign
// URLs are never requested.
func TestDeleteMedia(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		status int
		err    error
	}{
		{"inbound media", "/api/v2/users/" + testAccount + "/media/14762070468292kw2fuqty55yp2b2/0/bw.png", http.StatusNoContent, nil},
		{"gone already", "/api/v2/users/" + testAccount + "/media/m1", http.StatusNotFound, nil},
		{"server error", "/api/v2/users/" + testAccount + "/media/m1", http.StatusInternalServerError, carriers.ErrUnavailable},
		{"forbidden", "/api/v2/users/" + testAccount + "/media/m1", http.StatusForbidden, carriers.ErrRejected},
		{"another account", "/api/v2/users/1/media/m1", 0, errNotMediaURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if u, p, ok := r.BasicAuth(); ok && u == testUser && p == testPass {
					got = r.Method + " " + r.URL.EscapedPath()
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			c := newTest(t, testSettings(srv.URL))
			err := c.DeleteMedia(context.Background(), srv.URL+tt.path)
			if !errors.Is(err, tt.err) {
				t.Fatalf("DeleteMedia = %v, want %v", err, tt.err)
			}
			want := "DELETE " + tt.path
			if tt.status == 0 {
				want = ""
			}
			if got != want {
				t.Fatalf("request %q, want %q", got, want)
			}
		})
	}
	c := newTest(t, testSettings("https://messaging.bandwidth.com"))
	if err := c.DeleteMedia(context.Background(), "https://files.example.org/api/v2/users/"+testAccount+"/media/m1"); !errors.Is(err, errForeignMediaHost) {
		t.Fatalf("DeleteMedia foreign = %v", err)
	}
}

// FuzzMediaURL: credentials go only to a media URL of this account on the
// configured API, whatever the URL.
func FuzzMediaURL(f *testing.F) {
	f.Add("https://messaging.bandwidth.com/api/v2/users/" + testAccount + "/media/m1/0/a.png")
	f.Add("https://messaging.bandwidth.com/api/v2/users/" + testAccount + "/media/../x")
	f.Add("https://evil.example.org/api/v2/users/" + testAccount + "/media/m1")
	c := newTest(f, testSettings("https://messaging.bandwidth.com"))
	prefix := "/api/v2/users/" + testAccount + "/media/"
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := http.NewRequest(http.MethodGet, raw, nil)
		if err != nil {
			return
		}
		if c.AuthorizeMedia(req) != nil {
			return
		}
		u := req.URL
		if !strings.EqualFold(u.Hostname(), "messaging.bandwidth.com") ||
			!strings.HasPrefix(u.EscapedPath(), prefix) || strings.Contains(u.EscapedPath(), "/../") || u.User != nil {
			t.Fatalf("credentials added to %q", raw)
		}
	})
}
