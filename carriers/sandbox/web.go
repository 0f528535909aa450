package sandbox

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/phone"
)

//go:embed page.html
var pageHTML []byte

// tokenSlot is where page.html takes the page's token.
const tokenSlot = "{{SANDBOX_TOKEN}}"

// maxBody bounds a posted message or fault.
const maxBody = 16 << 10

// maxUpload bounds a posted picture: 5 MB in base64, and the JSON around it.
const maxUpload = (5<<20)/3*4 + 8<<10

// Handler serves the sandbox page at /sandbox/?token=TOKEN, the pictures
// phones send at /sandbox/media/FILE (capability URLs, no token) and the
// page's JSON API, which needs the token in X-Sandbox-Token (see Guard):
//
//	GET  /sandbox/api/messages?after=SEQ  messages after SEQ (&wait=1: up to 25s for news)
//	GET  /sandbox/api/messages?rev=REV    messages new or changed after REV (&wait=1 likewise)
//	GET  /sandbox/api/numbers             the gateway numbers the sandbox serves
//	GET  /sandbox/api/limits              what one message may hold
//	POST /sandbox/api/send                {"from","to","cc","body","media","name"}: a phone texts gateway numbers
//	POST /sandbox/api/media               {"data": base64}: host a picture for a send
//	GET  /sandbox/api/faults              the faults set
//	POST /sandbox/api/faults              {"to","outcome","reason","delay"}: set one
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
	mux.HandleFunc("GET "+mediaPath+"{file}", c.serveMedia)
	api := http.NewServeMux()
	api.HandleFunc("GET /sandbox/api/messages", c.messages)
	api.HandleFunc("GET /sandbox/api/numbers", c.numbers)
	api.HandleFunc("GET /sandbox/api/limits", c.limits)
	api.HandleFunc("POST /sandbox/api/send", func(w http.ResponseWriter, req *http.Request) { c.send(w, req, r) })
	api.HandleFunc("POST /sandbox/api/media", c.upload)
	api.HandleFunc("GET /sandbox/api/faults", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, c.Faults()) })
	api.HandleFunc("POST /sandbox/api/faults", c.setFault)
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
	// Pictures users send are wherever their server put them (XEP-0363
	// upload hosts), so images may come from any http(s) origin.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' http: https:; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	_, _ = w.Write(c.page)
}

// serveMedia serves a picture a phone sent, as a carrier serves MMS media.
func (c *Carrier) serveMedia(w http.ResponseWriter, req *http.Request) {
	typ, data, err := c.Media(req.PathValue("file"))
	if err != nil {
		http.Error(w, "no such picture (pictures expire with the messages)", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", typ)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(data))
}

func (c *Carrier) messages(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	get := c.Since
	n, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	if q.Has("rev") {
		get = c.Changed
		n, _ = strconv.ParseInt(q.Get("rev"), 10, 64)
	}
	entries, changed := get(n)
	if len(entries) == 0 && q.Get("wait") != "" {
		select {
		case <-changed:
			entries, _ = get(n)
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
	nums, err := c.gatewayNumbers(req.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "cannot list numbers: the gateway's storage is unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, nums)
}

func (c *Carrier) gatewayNumbers(ctx context.Context) ([]string, error) {
	if c.set.Numbers == nil {
		return []string{}, nil
	}
	nums, err := c.set.Numbers(ctx)
	if nums == nil {
		nums = []string{}
	}
	return nums, err
}

// limits tells the page what a message may hold, for its counter.
func (c *Carrier) limits(w http.ResponseWriter, _ *http.Request) {
	l := c.Limits()
	writeJSON(w, http.StatusOK, map[string]any{
		"max_body_chars": l.MaxBodyChars, "max_media": l.MaxMedia, "max_media_bytes": l.MaxMediaBytes,
		"media_types": l.MediaTypes, "max_recipients": l.MaxRecipients,
	})
}

// sendRequest is a text a phone sends from the page.
type sendRequest struct {
	From  string   `json:"from"`
	To    string   `json:"to"`
	Cc    []string `json:"cc"` // a group text's other recipients
	Body  string   `json:"body"`
	Media []string `json:"media"` // URLs (or file names) api/media returned
	// Name plays the carrier's caller-name (CNAM) data: users see it as
	// the sender's nickname.
	Name string `json:"name"`
}

// errBadSend is wrapped by every refusal of a sendRequest.
var errBadSend = errors.New("sandbox: bad send")

// message checks in against the limits and makes the inbound message,
// its media still to be resolved. The error names the field.
func (c *Carrier) message(in sendRequest) (carriers.Message, error) {
	l := c.Limits()
	m := carriers.Message{Carrier: Name, Body: in.Body, Name: strings.TrimSpace(in.Name)}
	if utf8.RuneCountInString(m.Name) > 64 {
		return m, fmt.Errorf("%w: name: longer than 64 characters", errBadSend)
	}
	var err error
	if m.From, err = phone.Normalize(in.From, ""); err != nil {
		return m, fmt.Errorf("%w: from: %w", errBadSend, err)
	}
	if m.To, err = phone.Normalize(in.To, ""); err != nil {
		return m, fmt.Errorf("%w: to: %w", errBadSend, err)
	}
	for _, raw := range in.Cc {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		n, err := phone.Normalize(raw, "")
		if err != nil {
			return m, fmt.Errorf("%w: cc: %w", errBadSend, err)
		}
		if n != m.From && n != m.To && !slices.Contains(m.Cc, n) {
			m.Cc = append(m.Cc, n)
		}
	}
	if r := len(m.Recipients()); r > l.MaxRecipients {
		return m, fmt.Errorf("%w: cc: %d recipients; a group text may have at most %d", errBadSend, r, l.MaxRecipients)
	}
	if strings.TrimSpace(in.Body) == "" && len(in.Media) == 0 {
		return m, fmt.Errorf("%w: body: empty message", errBadSend)
	}
	if n := utf8.RuneCountInString(in.Body); n > l.MaxBodyChars {
		return m, fmt.Errorf("%w: body: %d characters; a message may have at most %d (the carrier's limit): split it", errBadSend, n, l.MaxBodyChars)
	}
	if len(in.Media) > l.MaxMedia {
		return m, fmt.Errorf("%w: media: %d pictures; a message may carry at most %d", errBadSend, len(in.Media), l.MaxMedia)
	}
	return m, nil
}

// baseURL is where the gateway is reached: public_url, or the address the
// request came to.
func (c *Carrier) baseURL(req *http.Request) string {
	if c.set.PublicURL != "" {
		return c.set.PublicURL
	}
	return "http://" + req.Host
}

func (c *Carrier) send(w http.ResponseWriter, req *http.Request, r carriers.Receiver) {
	var in sendRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, req.Body, maxBody))
	if err := dec.Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON {\"from\", \"to\", \"cc\", \"body\", \"media\"}"})
		return
	}
	m, err := c.message(in)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": strings.TrimPrefix(err.Error(), errBadSend.Error()+": ")})
		return
	}
	var size int64
	if m.Media, size, err = c.heldMedia(c.baseURL(req), in.Media); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "media: " + err.Error()})
		return
	}
	if max := c.Limits().MaxMediaBytes; size > max {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("media: %d bytes of pictures; a message may carry at most %d", size, max)})
		return
	}
	if len(m.Cc) > 0 {
		// As the phone network does: each gateway number among the
		// recipients gets the text addressed to it, the first one here.
		if nums, err := c.gatewayNumbers(req.Context()); err == nil && !slices.Contains(nums, m.To) {
			for i, cc := range m.Cc {
				if slices.Contains(nums, cc) {
					m.To, m.Cc[i] = cc, m.To
					break
				}
			}
		}
	}
	e := c.add(Entry{Dir: "in", ID: newID(), From: m.From, To: m.To, Cc: m.Cc, Body: m.Body, Media: m.Media, Status: "sending"})
	m.ID = e.ID
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	err = r.Receive(ctx, m)
	if errors.Is(err, carriers.ErrUnknownNumber) {
		c.setStatus(e.ID, "failed")
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "to: no user of this gateway has " + m.To})
		return
	}
	if err != nil {
		c.setStatus(e.ID, "failed")
		msg := "the gateway could not take the message"
		if errors.Is(err, context.DeadlineExceeded) {
			msg += ": timed out"
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": msg})
		return
	}
	copies := c.copies(ctx, r, m)
	c.setStatus(e.ID, "accepted")
	writeJSON(w, http.StatusAccepted, map[string]any{"seq": e.Seq, "id": e.ID, "copies": copies})
}

// copies hands a group text to the other gateway numbers among its
// recipients, each its own copy as the phone network would deliver it,
// and returns how many were taken.
func (c *Carrier) copies(ctx context.Context, r carriers.Receiver, m carriers.Message) int {
	if len(m.Cc) == 0 {
		return 0
	}
	nums, err := c.gatewayNumbers(ctx)
	if err != nil {
		c.set.Logger.Warn("sandbox: cannot list numbers; group text reached only its first recipient", "err", err)
		return 0
	}
	n := 0
	for i, to := range m.Cc {
		if !slices.Contains(nums, to) {
			continue
		}
		cp := m
		// Each copy its own id: the gateway drops a repeated one.
		cp.ID = fmt.Sprintf("%s-%d", m.ID, i+1)
		cp.To = to
		cp.Cc = append([]string{m.To}, slices.Delete(slices.Clone(m.Cc), i, i+1)...)
		if err := r.Receive(ctx, cp); err != nil {
			c.set.Logger.Warn("sandbox: group text copy not taken", "err", err)
			continue
		}
		n++
	}
	return n
}

// upload hosts a picture a phone will send (see AddMedia).
func (c *Carrier) upload(w http.ResponseWriter, req *http.Request) {
	var in struct {
		Data []byte `json:"data"` // base64, as encoding/json reads []byte
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, req.Body, maxUpload))
	if err := dec.Decode(&in); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("media: a picture may have at most %d bytes", c.Limits().MaxMediaBytes)})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON {\"data\": base64 of the picture}"})
		return
	}
	file, typ, err := c.AddMedia(in.Data)
	switch {
	case errors.Is(err, ErrMediaTooBig):
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "media: " + err.Error()})
		return
	case err != nil:
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "media: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"url": c.baseURL(req) + mediaPath + file, "type": typ, "size": len(in.Data)})
}

// setFault sets what happens to the next message, or to messages to a
// number, and answers with every fault set.
func (c *Carrier) setFault(w http.ResponseWriter, req *http.Request) {
	var in struct {
		To string `json:"to"`
		Fault
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, req.Body, maxBody))
	if err := dec.Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON {\"to\", \"outcome\", \"reason\", \"delay\"}"})
		return
	}
	to := ""
	if strings.TrimSpace(in.To) != "" {
		var err error
		if to, err = phone.Normalize(in.To, ""); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "to: " + err.Error()})
			return
		}
	}
	if err := c.SetFault(to, in.Fault); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": strings.TrimPrefix(err.Error(), errFault.Error()+": ")})
		return
	}
	writeJSON(w, http.StatusOK, c.Faults())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
