package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard-gw/switchboard/internal/store"
)

// mediaSource is where re-hosted files live (store.Store).
type mediaSource interface {
	Media(ctx context.Context, id string) (contentType string, data []byte, err error)
}

// mediaHandler serves GET /media/<id>.<ext>: files the gateway hosts for
// users (voicemail recordings) until they expire. Ids are 192 random bits,
// so the URL is the capability; nothing lists them.
func mediaHandler(src mediaSource) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		id, _, _ := strings.Cut(name, ".")
		if id == "" || len(id) > 128 || strings.Trim(id, "0123456789abcdef") != "" {
			http.Error(w, "no such file", http.StatusNotFound)
			return
		}
		ct, data, err := src.Media(r.Context(), id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			http.Error(w, "no such file (files expire)", http.StatusNotFound)
			return
		case err != nil:
			http.Error(w, "storage unavailable; try again", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Header().Set("Cache-Control", "private, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(data)
	})
}
