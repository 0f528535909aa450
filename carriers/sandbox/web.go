package sandbox

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/phone"
)

//go:embed page.html
var pageHTML []byte

// tokenSlot is where page.html takes the page's token.
const tokenSlot = "{{SANDBOX_TOKEN}}"

// maxBody bounds a posted message.
const maxBody = 16 << 10

// Handler serves the sandbox page at /sandbox/?token=TOKEN and its JSON
// API, which needs the token in X-Sandbox-Token (see Guard):
//
//	GET  /sandbox/api/messages?after=SEQ  messages after SEQ (waits up to 25s for news)
//	GET  /sandbox/api/numbers             the gateway numbers the sandbox serves
//	POST /sandbox/api/send                {"from","to","body"}: a phone texts a gateway number
func (c *Carrier) Handler(r carriers.Receiver) http.Handler {
	c.mu.Lock()
	c.recv = r
	c.mu.Unlock()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sandbox/{$}", c.servePage)
	mux.HandleFunc("GET /sandbox", func(w http.ResponseWriter, req *http.Request) {
		u := *req.URL
		u.Path = "/sandbox/"
		http.Redirect(w, req, u.RequestURI(), http.StatusMovedPermanently)
	})
	api := http.NewServeMux()
	api.HandleFunc("GET /sandbox/api/messages", c.messages)
	api.HandleFunc("GET /sandbox/api/numbers", c.numbers)
	api.HandleFunc("POST /sandbox/api/send", func(w http.ResponseWriter, req *http.Request) { c.send(w, req, r) })
	mux.Handle("/sandbox/api/", c.Guard(api))
	return mux
}

// servePage serves the page, with its token, to whoever has its address.
func (c *Carrier) servePage(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	// The address carries the token: never pass it on, never be framed.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if !c.tokenOK(req.URL.Query().Get("token")) {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("The sandbox page needs its token: open the address the gateway printed at start (/sandbox/?token=...).\n"))
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	_, _ = w.Write(c.page)
}

func (c *Carrier) messages(w http.ResponseWriter, req *http.Request) {
	after, _ := strconv.ParseInt(req.URL.Query().Get("after"), 10, 64)
	entries, changed := c.Since(after)
	if len(entries) == 0 && req.URL.Query().Get("wait") != "" {
		select {
		case <-changed:
			entries, _ = c.Since(after)
		case <-time.After(25 * time.Second):
		case <-req.Context().Done():
			return
		}
	}
	if entries == nil {
		entries = []Entry{}
	}
	writeJSON(w, http.StatusOK, entries)
}

func (c *Carrier) numbers(w http.ResponseWriter, req *http.Request) {
	nums := []string{}
	if c.set.Numbers != nil {
		var err error
		if nums, err = c.set.Numbers(req.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "cannot list numbers: the gateway's storage is unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, nums)
}

func (c *Carrier) send(w http.ResponseWriter, req *http.Request, r carriers.Receiver) {
	var in struct{ From, To, Body string }
	dec := json.NewDecoder(http.MaxBytesReader(w, req.Body, maxBody))
	if err := dec.Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON {\"from\", \"to\", \"body\"}"})
		return
	}
	from, err := phone.Normalize(in.From, "")
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "from: " + err.Error()})
		return
	}
	to, err := phone.Normalize(in.To, "")
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "to: " + err.Error()})
		return
	}
	if strings.TrimSpace(in.Body) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body: empty message"})
		return
	}
	e := c.add(Entry{Dir: "in", ID: newID(), From: from, To: to, Body: in.Body, Status: "sending"})
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	err = r.Receive(ctx, carriers.Message{Carrier: Name, ID: e.ID, From: from, To: to, Body: in.Body})
	if errors.Is(err, carriers.ErrUnknownNumber) {
		c.setStatus(e.Seq, "failed")
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "to: no user of this gateway has " + to})
		return
	}
	if err != nil {
		c.setStatus(e.Seq, "failed")
		msg := "the gateway could not take the message"
		if errors.Is(err, context.DeadlineExceeded) {
			msg += ": timed out"
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": msg})
		return
	}
	c.setStatus(e.Seq, "accepted")
	writeJSON(w, http.StatusAccepted, map[string]any{"seq": e.Seq, "id": e.ID})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
