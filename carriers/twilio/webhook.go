package twilio

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	tclient "github.com/twilio/twilio-go/client"

	"github.com/switchboard-gw/switchboard/carriers"
)

// maxForm bounds a webhook body; Twilio's are a few KiB.
const maxForm = 64 << 10

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// Handler serves POST /twilio/sms (inbound messages) and POST /twilio/status
// (delivery reports). Each request must carry a valid X-Twilio-Signature
// computed over the configured public URL; anything else gets 403 and is not
// delivered.
func (c *Carrier) Handler(r carriers.Receiver) http.Handler {
	log := c.set.Logger
	mux := http.NewServeMux()
	mux.Handle("POST /twilio/sms", c.verified(log, func(ctx context.Context, f map[string]string) error {
		return r.Receive(ctx, inbound(f))
	}))
	mux.Handle("POST /twilio/status", c.verified(log, func(ctx context.Context, f map[string]string) error {
		return r.Status(ctx, status(f))
	}))
	return mux
}

// verified checks the signature and form, then calls take. A failure of
// take is answered 503 so that Twilio (or its fallback URL) may retry.
func (c *Carrier) verified(log *slog.Logger, take func(context.Context, map[string]string) error) http.Handler {
	validator := tclient.NewRequestValidator(c.set.AuthToken)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		req.Body = http.MaxBytesReader(w, req.Body, maxForm)
		if err := req.ParseForm(); err != nil {
			http.Error(w, "twilio: unreadable form", http.StatusBadRequest)
			return
		}
		f := make(map[string]string, len(req.PostForm))
		for k, v := range req.PostForm {
			f[k] = v[0]
		}
		u := c.set.PublicURL + req.URL.Path
		if req.URL.RawQuery != "" {
			u += "?" + req.URL.RawQuery
		}
		sig := req.Header.Get("X-Twilio-Signature")
		if sig == "" || !validator.Validate(u, f, sig) {
			log.Warn("twilio: webhook with a missing or bad signature refused", "path", req.URL.Path, "remote", req.RemoteAddr)
			http.Error(w, "twilio: bad signature", http.StatusForbidden)
			return
		}
		if f["AccountSid"] != c.set.AccountSID {
			log.Warn("twilio: webhook for another account refused", "path", req.URL.Path)
			http.Error(w, "twilio: wrong account", http.StatusForbidden)
			return
		}
		if f["MessageSid"] == "" {
			http.Error(w, "twilio: missing MessageSid", http.StatusBadRequest)
			return
		}
		err := take(req.Context(), f)
		if errors.Is(err, carriers.ErrUnknownNumber) {
			// Answered, so that Twilio does not retry what nobody can take.
			err = nil
		}
		if err != nil {
			log.Error("twilio: webhook not accepted; asking Twilio to retry", "path", req.URL.Path, "sid", f["MessageSid"], "err", err)
			http.Error(w, "twilio: temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(emptyTwiML))
	})
}

// inbound reads an incoming-message webhook's fields.
func inbound(f map[string]string) carriers.Message {
	m := carriers.Message{Carrier: Name, ID: f["MessageSid"], From: f["From"], To: f["To"], Body: f["Body"]}
	n, _ := strconv.Atoi(f["NumMedia"])
	for i := 0; i < n && i < 10; i++ {
		if u := f["MediaUrl"+strconv.Itoa(i)]; u != "" {
			m.Media = append(m.Media, u)
		}
	}
	return m
}

// status reads a delivery report's fields.
func status(f map[string]string) carriers.Status {
	s := carriers.Status{Carrier: Name, ID: f["MessageSid"], ErrorCode: f["ErrorCode"], ErrorText: f["ErrorMessage"]}
	switch f["MessageStatus"] {
	case "delivered", "read":
		s.State = carriers.StateDelivered
	case "undelivered", "failed", "canceled":
		s.State = carriers.StateFailed
	case "sent":
		s.State = carriers.StateSent
	default:
		s.State = carriers.StateQueued
	}
	return s
}
