package telnyx

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// webhookPath is where Telnyx posts every messaging event.
const webhookPath = "/telnyx/webhook"

// maxWebhook bounds a webhook body; Telnyx's are a few KiB (an MMS with ten
// media and its cost breakdown stays well under this).
const maxWebhook = 256 << 10

// Headers of a signed webhook.
const (
	headerSignature = "Telnyx-Signature-Ed25519"
	headerTimestamp = "Telnyx-Timestamp"
)

// Refusals of verify: each means the webhook is not Telnyx's, or not now.
var (
	errUnsigned  = errors.New("telnyx: webhook without signature or timestamp")
	errTimestamp = errors.New("telnyx: malformed webhook timestamp")
	errStale     = errors.New("telnyx: webhook timestamp outside the tolerance")
	errSignature = errors.New("telnyx: bad webhook signature")
)

// errMalformed: the signed body is not an event the adapter can read.
var errMalformed = errors.New("telnyx: malformed webhook")

// Handler serves POST /telnyx/webhook, where Telnyx posts message.received
// (inbound), message.sent and message.finalized (delivery reports). Each
// request must carry a valid Ed25519 signature by the account's key over
// "{telnyx-timestamp}|{raw body}", with a timestamp within the tolerance;
// anything else gets 403 and is not delivered.
func (c *Carrier) Handler(r carriers.Receiver) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+webhookPath, func(w http.ResponseWriter, req *http.Request) {
		c.serveWebhook(w, req, r)
	})
	return mux
}

func (c *Carrier) serveWebhook(w http.ResponseWriter, req *http.Request, r carriers.Receiver) {
	log := c.set.Logger
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxWebhook))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "telnyx: webhook too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "telnyx: unreadable webhook", http.StatusBadRequest)
		return
	}
	if err := verify(c.set.PublicKey, req.Header, body, c.set.Now(), c.set.Tolerance); err != nil {
		log.Warn("telnyx: webhook refused", "why", err, "remote", req.RemoteAddr)
		http.Error(w, "telnyx: bad signature", http.StatusForbidden)
		return
	}
	ev, err := parseEvent(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := req.Context()
	switch {
	case ev.message != nil:
		err = r.Receive(ctx, *ev.message)
	case ev.status != nil:
		err = r.Status(ctx, *ev.status)
	default:
		// An event the gateway has no use for (message.read on a
		// channel it does not send, a number event): answered, so that
		// Telnyx does not retry it.
		log.Debug("telnyx: webhook event ignored", "event", ev.kind)
	}
	if errors.Is(err, carriers.ErrUnknownNumber) {
		err = nil // answered: nobody can take it, retrying will not help
	}
	if err != nil {
		log.Error("telnyx: webhook not accepted; asking Telnyx to retry", "event", ev.kind, "id", ev.id, "err", err)
		http.Error(w, "telnyx: temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// verify checks a webhook's Ed25519 signature over "{timestamp}|{body}",
// and that the timestamp (unix seconds) is within tolerance of now in
// either direction, as Telnyx's SDKs do: a captured webhook replayed later
// is refused.
func verify(key ed25519.PublicKey, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	sig64, ts := h.Get(headerSignature), h.Get(headerTimestamp)
	if sig64 == "" || ts == "" {
		return errUnsigned
	}
	if len(ts) > 19 || !digits(ts) {
		return errTimestamp
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errStale
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(sig64)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errSignature
	}
	msg := make([]byte, 0, len(ts)+1+len(body))
	msg = append(append(append(msg, ts...), '|'), body...)
	if !ed25519.Verify(key, msg, sig) {
		return errSignature
	}
	return nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// event is one webhook read: at most one of message and status is set.
type event struct {
	kind    string
	id      string // the message's id
	message *carriers.Message
	status  *carriers.Status
}

// wire is the part of Telnyx's webhook envelope the adapter reads:
// {"data": {"event_type", "id", "payload": {...}}, "meta": {...}}.
type wire struct {
	Data *struct {
		EventType string   `json:"event_type"`
		Payload   *payload `json:"payload"`
	} `json:"data"`
}

// payload is a message's record (InboundMessagePayload and
// OutboundMessagePayload of Telnyx's SDK).
type payload struct {
	ID        string      `json:"id"`
	Direction string      `json:"direction"`
	From      address     `json:"from"`
	To        []address   `json:"to"`
	Cc        []address   `json:"cc"`
	Text      string      `json:"text"`
	Media     []mediaItem `json:"media"`
	Errors    []apiErr    `json:"errors"`
}

type address struct {
	PhoneNumber string `json:"phone_number"`
	Status      string `json:"status"`
}

type mediaItem struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
}

// parseEvent reads a verified webhook body.
func parseEvent(body []byte) (event, error) {
	var w wire
	if err := json.Unmarshal(body, &w); err != nil || w.Data == nil {
		return event{}, errMalformed
	}
	ev := event{kind: w.Data.EventType}
	p := w.Data.Payload
	switch ev.kind {
	case "message.received":
		if p == nil || p.ID == "" || p.From.PhoneNumber == "" || len(p.To) == 0 || p.To[0].PhoneNumber == "" {
			return event{}, errMalformed
		}
		ev.id = p.ID
		m := inbound(p)
		ev.message = &m
	case "message.sent", "message.finalized", "message.read":
		if p == nil || p.ID == "" {
			return event{}, errMalformed
		}
		ev.id = p.ID
		s := status(p)
		ev.status = &s
	}
	return ev, nil
}

// inbound reads a message.received payload. To is the first of to[]; the
// other addressees (to[] and cc[] of a group MMS) are Cc.
func inbound(p *payload) carriers.Message {
	m := carriers.Message{Carrier: Name, ID: p.ID, From: p.From.PhoneNumber, To: p.To[0].PhoneNumber, Body: p.Text}
	seen := []string{m.From, m.To}
	for _, a := range append(slices.Clone(p.To[1:]), p.Cc...) {
		if a.PhoneNumber != "" && !slices.Contains(seen, a.PhoneNumber) {
			seen = append(seen, a.PhoneNumber)
			m.Cc = append(m.Cc, a.PhoneNumber)
		}
	}
	for _, md := range p.Media {
		if len(m.Media) == MaxMedia {
			break
		}
		if md.URL != "" {
			m.Media = append(m.Media, carriers.Media{URL: md.URL, Type: md.ContentType})
		}
	}
	return m
}

// status reads a delivery report: the state of the message's recipients
// (one, or several for group MMS) with the first error's code, title and
// shared reason.
func status(p *payload) carriers.Status {
	s := carriers.Status{Carrier: Name, ID: p.ID, State: carriers.StateQueued}
	states := make([]carriers.State, 0, len(p.To))
	for _, a := range p.To {
		states = append(states, stateOf(a.Status))
	}
	s.State = overall(states)
	if len(p.Errors) > 0 {
		s.ErrorCode = p.Errors[0].Code.String()
		s.ErrorText = p.Errors[0].text()
		if s.State == carriers.StateFailed {
			s.Reason = reasonFor(s.ErrorCode)
		}
	}
	return s
}

// stateOf maps every recipient status of Telnyx's SDK types onto a state.
func stateOf(st string) carriers.State {
	switch st {
	case "delivered", "read", "webhook_delivered":
		return carriers.StateDelivered
	case "sending_failed", "delivery_failed", "expired", "cancelled":
		return carriers.StateFailed
	case "sent", "delivery_unconfirmed":
		// delivery_unconfirmed: the destination carrier sent no receipt;
		// not a delivery, not a failure either.
		return carriers.StateSent
	}
	// queued, sending, scheduled; and received, never ours.
	return carriers.StateQueued
}

// overall is a message's state from its recipients': delivered when any
// was reached, failed only when all failed, else the furthest along.
func overall(states []carriers.State) carriers.State {
	if len(states) == 0 {
		return carriers.StateQueued
	}
	failed := 0
	out := carriers.StateQueued
	for _, st := range states {
		switch st {
		case carriers.StateDelivered:
			return carriers.StateDelivered
		case carriers.StateFailed:
			failed++
		case carriers.StateSent:
			out = carriers.StateSent
		}
	}
	if failed == len(states) {
		return carriers.StateFailed
	}
	return out
}
