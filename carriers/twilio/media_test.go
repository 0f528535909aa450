package twilio

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

const (
	msgSID   = "MM0123456789abcdef0123456789abcdef"
	mediaSID = "ME0123456789abcdef0123456789abcdef"
	// mediaPath is an inbound MediaUrl's path, as Twilio sends it.
	mediaPath = "/2010-04-01/Accounts/" + testSID + "/Messages/" + msgSID + "/Media/" + mediaSID
)

func TestAuthorizeMedia(t *testing.T) {
	tests := []struct {
		name, api, url string
		ok             bool
	}{
		{"twilio", "", "https://api.twilio.com" + mediaPath, true},
		{"twilio, default port", "", "https://api.twilio.com:443" + mediaPath, true},
		{"twilio, upper case", "", "HTTPS://API.Twilio.COM" + mediaPath, true},
		{"configured api", "http://127.0.0.1:4010", "http://127.0.0.1:4010" + mediaPath, true},
		{"plain http", "", "http://api.twilio.com" + mediaPath, false},
		{"other port", "", "https://api.twilio.com:8443" + mediaPath, false},
		{"suffix host", "", "https://api.twilio.com.evil.example" + mediaPath, false},
		{"other host", "", "https://evil.example" + mediaPath, false},
		{"user info", "", "https://x@api.twilio.com" + mediaPath, false},
		{"twilio when another api is configured", "http://127.0.0.1:4010", "https://api.twilio.com" + mediaPath, false},
		{"configured host, other port", "http://127.0.0.1:4010", "http://127.0.0.1:4011" + mediaPath, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: tt.api})
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequest(http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = c.AuthorizeMedia(req)
			user, pass, has := req.BasicAuth()
			if tt.ok {
				if err != nil || !has || user != testSID || pass != testToken {
					t.Fatalf("AuthorizeMedia = %v, credentials %q %q %v", err, user, pass, has)
				}
				return
			}
			if !errors.Is(err, errForeignMediaHost) || req.Header.Get("Authorization") != "" {
				t.Fatalf("AuthorizeMedia = %v, Authorization %q", err, req.Header.Get("Authorization"))
			}
		})
	}
}

// TestAuthorizeMediaOverHTTP: the API's server gets the account's Basic
// credentials, another server none, even from a caller that sends the
// request after AuthorizeMedia refused it.
func TestAuthorizeMediaOverHTTP(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	record := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name] = r.Header.Get("Authorization")
			mu.Unlock()
		})
	}
	api := httptest.NewServer(record("api"))
	defer api.Close()
	foreign := httptest.NewServer(record("foreign"))
	defer foreign.Close()
	c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: api.URL})
	if err != nil {
		t.Fatal(err)
	}
	cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, base := range []string{api.URL, foreign.URL} {
		req, _ := http.NewRequest(http.MethodGet, base+mediaPath, nil)
		_ = c.AuthorizeMedia(req)
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "Basic " + basic(testSID, testToken); seen["api"] != want {
		t.Errorf("api got Authorization %q", seen["api"])
	}
	if got, ok := seen["foreign"]; !ok || got != "" {
		t.Errorf("foreign host got Authorization %q (request seen: %v)", got, ok)
	}
}

func basic(user, pass string) string {
	r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// TestDeleteMediaAgainstTwilioSpec deletes through the real SDK at Prism
// serving Twilio's own API definition, which checks the path's SIDs and the
// Basic auth and answers 204.
func TestDeleteMediaAgainstTwilioSpec(t *testing.T) {
	prism := carriertest.StartTwilioPrism(t)
	rec := &recorder{next: http.DefaultTransport}
	c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: prism.URL, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	for _, sid := range []string{msgSID, sid1} { // MMS and SMS message SIDs
		path := "/2010-04-01/Accounts/" + testSID + "/Messages/" + sid + "/Media/" + mediaSID
		if err := c.DeleteMedia(context.Background(), prism.URL+path); err != nil {
			t.Fatalf("DeleteMedia: %v", err)
		}
		if got := rec.lastRequest(); got != "DELETE "+path+".json" {
			t.Errorf("request %q", got)
		}
	}
	// Prism itself refuses a request without credentials or with a SID
	// out of shape: the successes above are the definition's, not a mock's
	// that takes anything.
	tests := []struct {
		name, path string
		auth       bool
		want       int
	}{
		{"no credentials", mediaPath + ".json", false, http.StatusUnauthorized},
		{"media sid out of shape", strings.Replace(mediaPath, mediaSID, "ME0123", 1) + ".json", true, http.StatusUnprocessableEntity},
	}
	cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodDelete, prism.URL+tt.path, nil)
		if tt.auth {
			req.SetBasicAuth(testSID, testToken)
		}
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, res.StatusCode, tt.want)
		}
	}
}

// TestDeleteMediaRefusals: URLs that are not this account's Media resources
// on the configured API are refused without any request.
func TestDeleteMediaRefusals(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	other := "AC9876543210fedcba9876543210fedcba"
	tests := []struct {
		name, url string
		want      error
	}{
		{"twilio host when another api is configured", "https://api.twilio.com" + mediaPath, errForeignMediaHost},
		{"other host", "http://127.0.0.2:1" + mediaPath, errForeignMediaHost},
		{"not a url", "http://[::1" + mediaPath, errNotMediaURL},
		{"another account", srv.URL + strings.Replace(mediaPath, testSID, other, 1), errForeignAccount},
		{"message", srv.URL + "/2010-04-01/Accounts/" + testSID + "/Messages/" + msgSID, errNotMediaURL},
		{"media list", srv.URL + "/2010-04-01/Accounts/" + testSID + "/Messages/" + msgSID + "/Media", errNotMediaURL},
		{"json suffix", srv.URL + mediaPath + ".json", errNotMediaURL},
		{"trailing slash", srv.URL + mediaPath + "/", errNotMediaURL},
		{"query", srv.URL + mediaPath + "?x=1", errNotMediaURL},
		{"empty query", srv.URL + mediaPath + "?", errNotMediaURL},
		{"fragment", srv.URL + mediaPath + "#x", errNotMediaURL},
		{"escaped", srv.URL + strings.Replace(mediaPath, "/Media/", "/Media%2F", 1), errNotMediaURL},
		{"dot segment", srv.URL + "/2010-04-01/Accounts/" + testSID + "/Messages/" + msgSID + "/Media/../Media/" + mediaSID, errNotMediaURL},
		{"media sid shape", srv.URL + strings.Replace(mediaPath, mediaSID, "ME0123", 1), errNotMediaURL},
		{"message sid kind", srv.URL + strings.Replace(mediaPath, msgSID, "CA0123456789abcdef0123456789abcdef", 1), errNotMediaURL},
		{"account sid not hex", srv.URL + strings.Replace(mediaPath, testSID, "ACzz23456789abcdef0123456789abcdef", 1), errNotMediaURL},
		{"other version", srv.URL + strings.Replace(mediaPath, "2010-04-01", "2010-04-02", 1), errNotMediaURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.DeleteMedia(context.Background(), tt.url); !errors.Is(err, tt.want) {
				t.Fatalf("DeleteMedia = %v, want %v", err, tt.want)
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("made %d requests", n)
	}
}

// TestDeleteMediaErrors: media already gone counts as deleted; other errors
// are the gateway's error kinds.
func TestDeleteMediaErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"deleted", http.StatusNoContent, "", nil},
		{"already gone", http.StatusNotFound, `{"code":20404,"message":"The requested resource was not found","status":404}`, nil},
		{"bad credentials", http.StatusUnauthorized, `{"code":20003,"message":"Authenticate","status":401}`, carriers.ErrRejected},
		{"server error", http.StatusInternalServerError, `{"code":20500,"message":"Internal Server Error","status":500}`, carriers.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodDelete || r.URL.Path != mediaPath+".json" {
					http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusTeapot)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := New(Settings{AccountSID: testSID, AuthToken: testToken, APIURL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			err = c.DeleteMedia(context.Background(), srv.URL+mediaPath)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("DeleteMedia = %v, want %v", err, tt.want)
			}
		})
	}
}

// FuzzMediaPath: any URL parses without panicking, and one accepted is
// exactly a Media resource path built from its three SIDs.
func FuzzMediaPath(f *testing.F) {
	f.Add("https://api.twilio.com" + mediaPath)
	f.Add("https://api.twilio.com" + mediaPath + ".json")
	f.Add("https://api.twilio.com/2010-04-01/Accounts/" + testSID + "/Messages/" + sid1 + "/Media/%4DE0123456789abcdef0123456789abcdef")
	f.Add("/2010-04-01/Accounts//Messages//Media/")
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		ref, ok := twilioDialect().mediaPath(u)
		if !ok {
			return
		}
		want := "/2010-04-01/Accounts/" + ref.account + "/Messages/" + ref.message + "/Media/" + ref.media
		if u.EscapedPath() != want || u.Path != want || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted %q as %+v", raw, ref)
		}
		if !isSID(ref.account, "AC") || !messageSID(ref.message) || !isSID(ref.media, "ME") {
			t.Fatalf("accepted SIDs %+v", ref)
		}
	})
}
