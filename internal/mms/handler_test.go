package mms

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serve mounts Handler on a mux as the gateway does, beside the
// voicemail route, and returns the server's URL.
func serve(t *testing.T, st Store) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(Route, Handler(st, nil))
	mux.HandleFunc("GET /media/{file}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "voicemail", http.StatusTeapot)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func put(t *testing.T, st Store, typ, name, data string, ttl time.Duration) string {
	t.Helper()
	id, err := st.Put(context.Background(), Item{Type: typ, Name: name}, []byte(data), ttl)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func do(t *testing.T, method, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestHandlerServes(t *testing.T) {
	st := openDir(t, t.TempDir(), nil)
	base := serve(t, st)
	id := put(t, st, "image/jpeg", "image.jpg", "JPEGDATA", time.Hour)
	u := base + "/media/" + id + "/image.jpg"

	resp, body := do(t, "GET", u)
	if resp.StatusCode != 200 || body != "JPEGDATA" {
		t.Fatalf("GET: %d %q", resp.StatusCode, body)
	}
	want := map[string]string{
		"Content-Type":            "image/jpeg",
		"Content-Length":          "8",
		"X-Content-Type-Options":  "nosniff",
		"Content-Disposition":     `inline; filename=image.jpg`,
		"Content-Security-Policy": "sandbox",
		"Referrer-Policy":         "no-referrer",
		"ETag":                    `"` + id + `"`,
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	cc := resp.Header.Get("Cache-Control")
	age, err := strconv.Atoi(strings.TrimPrefix(cc, "private, max-age="))
	if err != nil || age > 3600 || age < 3590 {
		t.Errorf("Cache-Control: %q, want private with the remaining hour", cc)
	}

	resp, body = do(t, "HEAD", u)
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Length") != "8" || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("HEAD: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = do(t, "GET", u, "Range", "bytes=4-")
	if resp.StatusCode != http.StatusPartialContent || body != "DATA" {
		t.Errorf("range: %d %q", resp.StatusCode, body)
	}
	resp, _ = do(t, "GET", u, "If-None-Match", `"`+id+`"`)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	resp, _ = do(t, "POST", u)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
	// Voicemail's route lives beside it.
	if resp, _ := do(t, "GET", base+"/media/"+id+".wav"); resp.StatusCode != http.StatusTeapot {
		t.Errorf("voicemail route: %d", resp.StatusCode)
	}
}

// TestHandlerNotFound: anything but a live id with its own name is 404,
// and nothing lists files.
func TestHandlerNotFound(t *testing.T) {
	c := newClock()
	st := openDir(t, t.TempDir(), c.now)
	base := serve(t, st)
	id := put(t, st, "image/jpeg", "image.jpg", "JPEGDATA", time.Hour)
	gone := put(t, st, "image/jpeg", "image.jpg", "JPEGDATA", time.Minute)
	c.add(2 * time.Minute)
	for _, p := range []string{
		"/media/" + id + "/other.jpg",
		"/media/" + id + "/IMAGE.JPG",
		"/media/" + id + "/image.jpg/",
		"/media/" + id + "/image.jpg/x",
		"/media/" + id + "/",
		"/media/" + id,
		"/media/",
		"/media",
		"/media/" + newID() + "/image.jpg",
		"/media/" + gone + "/image.jpg",
		"/media/" + id[:31] + "/image.jpg",
		"/media/" + id + "%2Fimage.jpg",
		"/media/" + id + "/image%2Ejpg",
		"/media/" + id + "/..%2F..%2Fetc%2Fpasswd",
		"/media/..%2F" + id + "/image.jpg",
		"/media/" + id + ".json/image.jpg",
	} {
		resp, body := do(t, "GET", base+p)
		want := http.StatusNotFound
		if rest, ok := strings.CutPrefix(p, "/media/"); ok && rest != "" && !strings.Contains(rest, "/") {
			want = http.StatusTeapot // voicemail's route, /media/{file}
		}
		if resp.StatusCode != want || strings.Contains(body, id) || strings.Contains(body, "JPEGDATA") {
			t.Errorf("GET %s: %d %q", p, resp.StatusCode, body)
		}
	}
}

// TestHandlerActiveContent: what a browser would run is never shown on
// the gateway's origin: attachments, a sandbox, no sniffing.
func TestHandlerActiveContent(t *testing.T) {
	st := openDir(t, t.TempDir(), nil)
	base := serve(t, st)
	for _, tt := range []struct {
		typ, name string
		inline    bool
	}{
		{"text/html", "file.html", false},
		{"text/html; charset=utf-8", "file.html", false},
		{"image/svg+xml", "image.svg", false},
		{"application/xhtml+xml", "file.bin", false},
		{"text/xml", "file.bin", false},
		{"application/javascript", "file.bin", false},
		{"application/pdf", "file.pdf", false},
		{"text/plain", "file.txt", false},
		{"application/octet-stream", "file.bin", false},
		{"image/png", "image.png", true},
		{"audio/amr", "audio.amr", true},
		{"video/mp4", "video.mp4", true},
	} {
		t.Run(tt.typ, func(t *testing.T) {
			id := put(t, st, tt.typ, tt.name, "<script>alert(document.cookie)</script>", time.Hour)
			resp, _ := do(t, "GET", base+"/media/"+id+"/"+tt.name)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			cd, csp := resp.Header.Get("Content-Disposition"), resp.Header.Get("Content-Security-Policy")
			if tt.inline != strings.HasPrefix(cd, "inline") || !tt.inline && !strings.HasPrefix(cd, "attachment") {
				t.Errorf("Content-Disposition %q", cd)
			}
			if !strings.Contains(csp, "sandbox") || !tt.inline && !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != tt.typ {
				t.Errorf("headers %v", resp.Header)
			}
		})
	}
}

func TestParseMediaPath(t *testing.T) {
	id := newID()
	for _, tt := range []struct {
		path     string
		id, name string
	}{
		{"/media/" + id + "/image.jpg", id, "image.jpg"},
		{"/media/" + id + "/a", id, "a"},
		{"/media/" + id + "/image.jpg/", "", ""},
		{"/media/" + id + "/.jpg", "", ""},
		{"/media/" + id + "/", "", ""},
		{"/media/" + id, "", ""},
		{"/media//image.jpg", "", ""},
		{"/Media/" + id + "/image.jpg", "", ""},
		{"/x/media/" + id + "/image.jpg", "", ""},
		{"/media/" + id + "/im%61ge.jpg", "", ""},
		{"/media/" + id + "/" + strings.Repeat("a", 65), "", ""},
		{"/media/" + id + "/" + strings.Repeat("a", 64), id, strings.Repeat("a", 64)},
	} {
		gotID, gotName, ok := parseMediaPath(tt.path)
		if gotID != tt.id || gotName != tt.name || ok != (tt.id != "") {
			t.Errorf("parseMediaPath(%q) = %q %q %v", tt.path, gotID, gotName, ok)
		}
	}
}
