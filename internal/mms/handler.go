package mms

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Route is the pattern Handler is mounted at on an http.ServeMux.
const Route = "GET /media/{id}/{name}"

// pathPrefix is where the files are, below the gateway's public URL.
const pathPrefix = "/media/"

// Handler serves the files of st at /media/<id>/<name>, with the name
// they were stored under; anything else is 404, and nothing lists them.
// GET and HEAD, with ranges and conditional requests (ETag).
func Handler(st Store, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		id, name, ok := parseMediaPath(r.URL.EscapedPath())
		if !ok {
			http.NotFound(w, r)
			return
		}
		it, f, err := st.Open(r.Context(), id)
		switch {
		case errors.Is(err, ErrNotFound):
			http.Error(w, "no such file (files expire)", http.StatusNotFound)
			return
		case err != nil:
			log.Warn("mms: cannot read a stored file", "err", err)
			http.Error(w, "storage unavailable; try again", http.StatusServiceUnavailable)
			return
		}
		defer f.Close()
		left := time.Until(it.Expires)
		// The name is part of the address: a right id with another name
		// is as unknown as a wrong id.
		if name != it.Name || left <= 0 {
			http.Error(w, "no such file (files expire)", http.StatusNotFound)
			return
		}
		h := w.Header()
		safeHeaders(h, it)
		h.Set("Cache-Control", "private, max-age="+strconv.FormatInt(int64(left/time.Second), 10))
		h.Set("ETag", `"`+id+`"`) // a file never changes under its id
		http.ServeContent(w, r, "", time.Time{}, f)
	})
}

// safeHeaders sets the headers that keep a hostile sender's file from
// acting on the gateway's origin: the stored type and nothing sniffed,
// attachments for everything a browser might run, and a sandbox for what
// it renders anyway.
func safeHeaders(h http.Header, it Item) {
	h.Set("Content-Type", it.Type)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer") // the URL is the capability
	disposition := "attachment"
	csp := "sandbox; default-src 'none'"
	if inline(it.Type) {
		// default-src 'none' would stop the browser's own image and
		// player pages from showing the file.
		disposition, csp = "inline", "sandbox"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": it.Name}))
	h.Set("Content-Security-Policy", csp)
}

// parseMediaPath reads an escaped request path /media/<id>/<name>. Ids and
// names need no escaping, so a path that has any is not one of ours.
func parseMediaPath(p string) (id, name string, ok bool) {
	rest, ok := strings.CutPrefix(p, pathPrefix)
	if !ok {
		return "", "", false
	}
	id, name, ok = strings.Cut(rest, "/")
	if !ok || !validID(id) || !validName(name) {
		return "", "", false
	}
	return id, name, true
}
