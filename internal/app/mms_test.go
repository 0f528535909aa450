package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/mms"
)

// mmsGateway is a gateway built from the valid configuration with env,
// Redis unreachable; only its HTTP server runs.
func mmsGateway(t *testing.T, env ...string) (*Gateway, error) {
	t.Helper()
	src := strings.Replace(valid, `listen = "127.0.0.1:8080"`, `listen = "127.0.0.1:0"`, 1)
	src = strings.Replace(src, `url = "redis://127.0.0.1:6379/0"`, `url = "redis://127.0.0.1:1/0"`, 1)
	cfg, err := ParseConfig([]byte(src), env)
	if err != nil {
		t.Fatal(err)
	}
	return New(cfg, slog.New(slog.DiscardHandler))
}

// TestMMSRoute: the MMS media route lives beside voicemail's.
func TestMMSRoute(t *testing.T) {
	g, err := mmsGateway(t, "SWITCHBOARD_MMS_DIR="+filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.store.Close()
	done := make(chan error, 1)
	go func() { done <- g.srv.Serve(g.ln) }()
	defer func() {
		g.srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	}()
	id, err := g.media.Put(context.Background(), mms.Item{Type: "image/png", Name: "image.png"}, []byte("PNG"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + g.Addr()
	for path, want := range map[string]int{
		"/media/" + id + "/image.png": http.StatusOK,
		"/media/" + id + "/other.png": http.StatusNotFound,
		// Voicemail's route still answers (Redis is down here).
		"/media/" + strings.Repeat("ab", 24) + ".wav": http.StatusServiceUnavailable,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d %q, want %d", path, resp.StatusCode, body, want)
		}
	}
	if g.Rehoster() == nil {
		t.Error("no rehoster")
	}
}

// TestMMSDirRefused: a media directory that cannot be made stops the
// gateway at start, naming the key.
func TestMMSDirRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := mmsGateway(t, "SWITCHBOARD_MMS_DIR="+filepath.Join(file, "media"))
	if err == nil || !strings.Contains(err.Error(), "mms.dir") {
		t.Fatalf("New = %v, want an error naming mms.dir", err)
	}
}
