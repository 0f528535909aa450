package twilio

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard-gw/switchboard/carriers"
)

// maxForm bounds a webhook body; Twilio's are a few KiB.
const maxForm = 64 << 10

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// Handler serves POST /twilio/sms (inbound messages) and POST /twilio/status
// (delivery reports), or /{Dialect.Name}/... for another dialect. Each
// request must carry a valid signature (X-Twilio-Signature, or the
// dialect's header) computed over the configured public URL; anything else
// gets 403 and is not delivered. A signature in another dialect's header
// counts as none.
func (c *Carrier) Handler(r carriers.Receiver) http.Handler {
	log := c.set.Logger
	mux := http.NewServeMux()
	mux.Handle("POST /"+c.d.Name+"/sms", c.verified(log, func(ctx context.Context, f map[string]string) error {
		m := inbound(f)
		m.Carrier = c.d.Name
		return r.Receive(ctx, m)
	}))
	mux.Handle("POST /"+c.d.Name+"/status", c.verified(log, func(ctx context.Context, f map[string]string) error {
		s := status(f)
		s.Carrier = c.d.Name
		return r.Status(ctx, s)
	}))
	return mux
}

// verified checks the signature and form, then calls take. A failure of
// take is answered 503 so that Twilio (or its fallback URL) may retry.
func (c *Carrier) verified(log *slog.Logger, take func(context.Context, map[string]string) error) http.Handler {
	validator := signature{key: []byte(c.set.AuthToken)}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		req.Body = http.MaxBytesReader(w, req.Body, maxForm)
		if err := req.ParseForm(); err != nil {
			http.Error(w, "twilio: unreadable form", http.StatusBadRequest)
			return
		}
		u := c.set.PublicURL + req.URL.Path
		if req.URL.RawQuery != "" {
			u += "?" + req.URL.RawQuery
		}
		sig := req.Header.Get(c.d.SignatureHeader)
		if sig == "" || !validator.valid(u, req.PostForm, sig) {
			log.Warn("twilio: webhook with a missing or bad signature refused", "path", req.URL.Path, "remote", req.RemoteAddr)
			http.Error(w, "twilio: bad signature", http.StatusForbidden)
			return
		}
		f := make(map[string]string, len(req.PostForm))
		for k, v := range req.PostForm {
			// The signature covers a repeated key's values as a sorted
			// set, not their order: which one comes first is the
			// sender's choice, so a field we read must have one.
			if len(v) > 1 && reads(k) {
				http.Error(w, "twilio: repeated "+k, http.StatusBadRequest)
				return
			}
			f[k] = v[0]
		}
		if f["AccountSid"] != c.set.AccountSID {
			log.Warn("twilio: webhook for another account refused", "path", req.URL.Path)
			http.Error(w, "twilio: wrong account", http.StatusForbidden)
			return
		}
		// The signature joins keys and values without separators, so
		// "MessageSid=<sid>NumMedia0" signs like "MessageSid=<sid>&NumMedia=0":
		// only the SID's documented shape tells them apart, and the SID
		// is the de-duplication key.
		if !c.d.messageID(f["MessageSid"]) {
			http.Error(w, "twilio: missing or malformed MessageSid", http.StatusBadRequest)
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

// reads reports whether the adapter reads form key k.
func reads(k string) bool {
	switch k {
	case "MessageSid", "AccountSid", "From", "To", "Body", "NumMedia", "MessageStatus", "ErrorCode", "ErrorMessage":
		return true
	}
	return strings.HasPrefix(k, "MediaUrl") || strings.HasPrefix(k, "MediaContentType")
}

// messageSID reports whether s has the shape of a Message SID, as Twilio's
// API definition documents it: ^(SM|MM)[0-9a-fA-F]{32}$.
func messageSID(s string) bool { return isSID(s, "SM") || isSID(s, "MM") }

// isSID reports whether s is prefix followed by 32 hexadecimal digits, the
// shape of Twilio's SIDs.
func isSID(s, prefix string) bool {
	if len(s) != 34 || s[:2] != prefix {
		return false
	}
	for _, r := range s[2:] {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			return false
		}
	}
	return true
}

// inbound reads an incoming-message webhook's fields.
func inbound(f map[string]string) carriers.Message {
	m := carriers.Message{Carrier: Name, ID: f["MessageSid"], From: f["From"], To: f["To"], Body: f["Body"]}
	n, _ := strconv.Atoi(f["NumMedia"])
	for i := 0; i < n && i < 10; i++ {
		if u := f["MediaUrl"+strconv.Itoa(i)]; u != "" {
			m.Media = append(m.Media, carriers.Media{URL: u, Type: f["MediaContentType"+strconv.Itoa(i)]})
		}
	}
	return m
}

// status reads a delivery report's fields. Every MessageStatus of Twilio's
// API definition (message_enum_status) has a state; a failure carries the
// shared reason for its ErrorCode beside Twilio's code and text.
func status(f map[string]string) carriers.Status {
	s := carriers.Status{Carrier: Name, ID: f["MessageSid"], ErrorCode: f["ErrorCode"], ErrorText: f["ErrorMessage"]}
	switch f["MessageStatus"] {
	case "delivered", "read":
		s.State = carriers.StateDelivered
	case "undelivered", "failed", "canceled":
		s.State = carriers.StateFailed
		s.Reason = reasonFor(s.ErrorCode)
	case "sent", "partially_delivered":
		// partially_delivered: the carrier took the message but did not
		// confirm every part; not a delivery, not a failure either.
		s.State = carriers.StateSent
	default:
		// queued, accepted, scheduled, sending; and receiving and
		// received, which describe inbound messages, never ours.
		s.State = carriers.StateQueued
	}
	return s
}
