package app

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// check is one health probe.
type check struct {
	name string
	fn   func(context.Context) error
}

// healthz reports each dependency; 200 only when all are up.
func healthz(checks []check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 3*time.Second)
		defer cancel()
		out := map[string]string{}
		code := http.StatusOK
		for _, c := range checks {
			if err := c.fn(ctx); err != nil {
				out[c.name] = "down: " + err.Error()
				code = http.StatusServiceUnavailable
			} else {
				out[c.name] = "ok"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(out)
	})
}
