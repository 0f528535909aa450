package bandwidth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/switchboard-gw/switchboard/carriers"
)

// maxCallbacks bounds a callback body. Bandwidth posts a few events per
// request, each well under 4 KiB; group MMS with long media URLs fit too.
const maxCallbacks = 256 << 10

// Handler serves POST /bandwidth/callbacks: set it as both the inbound and
// the status callback URL of the Bandwidth application. Each request must
// carry the application's callback credentials (HTTP Basic); anything else
// gets 401 and nothing is delivered. The body is a JSON array of events; it
// is checked whole before any event is delivered, and a failure of the
// receiver is answered 503 so that Bandwidth retries the whole batch (the
// gateway de-duplicates by message id).
func (c *Carrier) Handler(r carriers.Receiver) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /bandwidth/callbacks", c.callbacks(r))
	return mux
}

func (c *Carrier) callbacks(r carriers.Receiver) http.Handler {
	log := c.set.Logger
	user := sha256.Sum256([]byte(c.set.CallbackUsername))
	pass := sha256.Sum256([]byte(c.set.CallbackPassword))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !authorized(req, user, pass) {
			log.Warn("bandwidth: callback with missing or wrong credentials refused", "remote", req.RemoteAddr)
			w.Header().Set("WWW-Authenticate", `Basic realm="switchboard", charset="UTF-8"`)
			http.Error(w, "bandwidth: unauthorized", http.StatusUnauthorized)
			return
		}
		data, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxCallbacks))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "bandwidth: callback body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "bandwidth: unreadable body", http.StatusBadRequest)
			return
		}
		events, err := parseCallbacks(data)
		if err != nil {
			log.Warn("bandwidth: malformed callback refused", "err", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, ev := range events {
			if err := c.deliver(req.Context(), r, ev); err != nil {
				log.Error("bandwidth: callback not accepted; asking Bandwidth to retry", "type", ev.Type, "id", ev.Message.ID, "err", err)
				http.Error(w, "bandwidth: temporarily unavailable", http.StatusServiceUnavailable)
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// authorized compares req's Basic credentials with the configured ones in
// constant time (over their digests, so that lengths do not show either).
func authorized(req *http.Request, user, pass [sha256.Size]byte) bool {
	u, p, ok := req.BasicAuth()
	if !ok {
		return false
	}
	gu, gp := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
	return subtle.ConstantTimeCompare(gu[:], user[:])&subtle.ConstantTimeCompare(gp[:], pass[:]) == 1
}

// deliver hands one event to the receiver. ErrUnknownNumber is answered
// like success, so that Bandwidth does not retry what nobody can take.
func (c *Carrier) deliver(ctx context.Context, r carriers.Receiver, ev event) error {
	var err error
	switch kind(ev.Type) {
	case kindInbound:
		err = r.Receive(ctx, inbound(ev))
	case kindStatus:
		err = r.Status(ctx, status(ev))
	default:
		// RBM responses (suggestion-response, requested-location-response)
		// and types added later: nothing the gateway sent or can show.
		c.set.Logger.Debug("bandwidth: callback type ignored", "type", ev.Type)
		return nil
	}
	if errors.Is(err, carriers.ErrUnknownNumber) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bandwidth: %s: %w", ev.Type, err)
	}
	return nil
}
