package sandbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// testPNG is a small real picture.
func testPNG(t testing.TB, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func uploadBody(data []byte) string {
	return `{"data":"` + base64.StdEncoding.EncodeToString(data) + `"}`
}

// TestMMSFromPage: a phone on the page sends a picture. The sandbox hosts
// it at a capability URL under public_url, the gateway gets that URL as
// the message's media, and anyone with the URL can fetch it (as the
// gateway does to re-host it) until it expires.
func TestMMSFromPage(t *testing.T) {
	c, r, h := start(t, Settings{PublicURL: "https://gw.example.org/"})
	pic := testPNG(t, color.RGBA{R: 255, A: 255})
	w := do(c, h, http.MethodPost, "/sandbox/api/media", uploadBody(pic))
	var up struct {
		URL, Type string
		Size      int
	}
	if err := json.Unmarshal(w.Body.Bytes(), &up); w.Code != http.StatusCreated || err != nil {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	if !strings.HasPrefix(up.URL, "https://gw.example.org/sandbox/media/") || !strings.HasSuffix(up.URL, ".png") || up.Type != "image/png" || up.Size != len(pic) {
		t.Fatalf("upload answer %+v", up)
	}
	w = do(c, h, http.MethodPost, "/sandbox/api/send", `{"from":"+12015550123","to":"+12015550100","media":["`+up.URL+`"]}`)
	if w.Code != http.StatusAccepted {
		t.Fatalf("send: %d %s", w.Code, w.Body)
	}
	m := r.Messages()
	if len(m) != 1 || len(m[0].Media) != 1 || m[0].Media[0] != (carriers.Media{URL: up.URL, Type: "image/png"}) || m[0].Body != "" {
		t.Fatalf("the gateway got %+v", m)
	}
	es, _ := c.Since(0)
	if len(es) != 1 || len(es[0].Media) != 1 || es[0].Media[0].URL != up.URL {
		t.Fatalf("entries %+v", es)
	}

	// Fetched without the token, as the gateway and the page's <img> do.
	path := strings.TrimPrefix(up.URL, "https://gw.example.org")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), pic) {
		t.Fatalf("GET %s: %d, %d bytes", path, rec.Code, rec.Body.Len())
	}
	for k, v := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sandbox/media/"+strings.Repeat("0", 32)+".png", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("a made-up picture: %d", rec.Code)
	}

	// The gateway may fetch the sandbox's own media, and nothing else
	// through it.
	for u, ok := range map[string]bool{
		up.URL:                                  true,
		"https://gw.example.org/media/abc.png":  false,
		"https://evil.example/sandbox/media/x":  false,
		"http://gw.example.org" + path:          false,
		"https://gw.example.org/sandbox/media/": false,
	} {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		if err := c.AuthorizeMedia(req); (err == nil) != ok || len(req.Header) != 0 {
			t.Errorf("AuthorizeMedia(%s) = %v, headers %v", u, err, req.Header)
		}
	}
}

func TestUploadRefusals(t *testing.T) {
	big := append(testPNG(t, color.Black), make([]byte, 5<<20)...)
	tests := []struct {
		name, body string
		want       int
		wantErr    string
	}{
		{name: "text", body: uploadBody([]byte("hello, not a picture")), want: http.StatusUnsupportedMediaType, wantErr: "text/plain"},
		{name: "html", body: uploadBody([]byte("<html><script>alert(1)</script>")), want: http.StatusUnsupportedMediaType, wantErr: "not a picture"},
		{name: "empty", body: `{"data":""}`, want: http.StatusUnsupportedMediaType, wantErr: "empty"},
		{name: "not base64", body: `{"data":"!!"}`, want: http.StatusBadRequest, wantErr: "base64"},
		{name: "over 5 MB", body: uploadBody(big), want: http.StatusRequestEntityTooLarge, wantErr: "at most 5242880"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			post(t, "/sandbox/api/media", tt.body, tt.want, tt.wantErr)
		})
	}
}

// TestMediaBounded: pictures are held for the messages' TTL, and within a
// byte budget, oldest out first.
func TestMediaBounded(t *testing.T) {
	pic := testPNG(t, color.White)
	t.Run("budget", func(t *testing.T) {
		c := New(Settings{MaxMediaBytes: int64(2*len(pic) + 1)})
		var files []string
		for range 3 {
			f, _, err := c.AddMedia(pic)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		if _, _, err := c.Media(files[0]); !errors.Is(err, ErrNoSuchMedia) {
			t.Fatalf("the oldest picture is still held: %v", err)
		}
		for _, f := range files[1:] {
			if _, _, err := c.Media(f); err != nil {
				t.Fatal(err)
			}
		}
		c.mu.Lock()
		n := c.mediaBytes
		c.mu.Unlock()
		if n != int64(2*len(pic)) {
			t.Fatalf("held %d bytes", n)
		}
	})
	t.Run("ttl", func(t *testing.T) {
		c := New(Settings{TTL: 100 * time.Millisecond})
		f, _, err := c.AddMedia(pic)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
		if _, _, err := c.Media(f); !errors.Is(err, ErrNoSuchMedia) {
			t.Fatalf("an expired picture is still held: %v", err)
		}
	})
	t.Run("with its message", func(t *testing.T) {
		c, _, h := start(t, Settings{Keep: 1})
		var up struct{ URL string }
		_ = json.Unmarshal(do(c, h, http.MethodPost, "/sandbox/api/media", uploadBody(pic)).Body.Bytes(), &up)
		if w := do(c, h, http.MethodPost, "/sandbox/api/send", `{"from":"+12015550123","to":"+12015550100","media":["`+up.URL+`"]}`); w.Code != http.StatusAccepted {
			t.Fatalf("send: %d %s", w.Code, w.Body)
		}
		f, _ := mediaFile(up.URL)
		if _, _, err := c.Media(f); err != nil {
			t.Fatal(err)
		}
		// A newer message pushes the first out, and its picture with it.
		if _, err := c.Send(context.Background(), carriers.Message{From: "+12015550100", To: "+12015550123", Body: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Media(f); !errors.Is(err, ErrNoSuchMedia) {
			t.Fatalf("the picture outlived its message: %v", err)
		}
	})
}

// TestMMSToPhone: pictures users send are recorded for the page with
// their URLs and types, and a group text with its recipients.
func TestMMSToPhone(t *testing.T) {
	c, _, _ := start(t, Settings{})
	m := carriers.Message{From: "+12015550100", To: "+12015550123", Cc: []string{"+12015550124"}, Body: "look",
		Media: []carriers.Media{{URL: "http://127.0.0.1:5280/file_share/x/cat.png", Type: "image/png"}, {URL: "https://up.example/y.jpg"}}}
	if _, err := c.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	es, _ := c.Since(0)
	if len(es) != 1 || len(es[0].Media) != 2 || es[0].Media[0] != m.Media[0] || es[0].Cc[0] != "+12015550124" {
		t.Fatalf("entries %+v", es)
	}
	// The entry is the sandbox's own copy.
	m.Media[0].URL, m.Cc[0] = "changed", "changed"
	if es, _ := c.Since(0); es[0].Media[0].URL == "changed" || es[0].Cc[0] == "changed" {
		t.Fatal("the entry shares the caller's slices")
	}
}
