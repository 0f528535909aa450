package trunk

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
)

// quietHandler passes on only warnings and errors. sipgo logs whole SIP
// messages at debug level, and those carry phone numbers. Its warnings
// and errors can come once per datagram (a request it cannot make a
// transaction of), so each message is logged once per interval and its
// repeats counted (rate).
type quietHandler struct {
	slog.Handler
	rate *rateLog
}

// quiet is the handler for sipgo's logs.
func (t *Trunk) quiet() quietHandler { return quietHandler{t.log.Handler(), &t.rate} }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

// Handle drops the raw SIP text sipgo attaches to its warnings (a
// malformed message, a failed request): it carries numbers and digests.
func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.rate != nil && !h.rate.first(netip.Addr{}, sipgoPrefix+r.Message) {
		return nil
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(scrub(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	scrubbed := make([]slog.Attr, len(as))
	for i, a := range as {
		scrubbed[i] = scrub(a)
	}
	return quietHandler{h.Handler.WithAttrs(scrubbed), h.rate}
}

// scrub hides attribute values that may hold SIP message text.
func scrub(a slog.Attr) slog.Attr {
	switch a.Key {
	case "error", "err", "caller", "tx", "network", "method", "dur":
		if v := a.Value.String(); !strings.Contains(v, "SIP/2.0") && !strings.Contains(v, "sip:") {
			return a
		}
	}
	return slog.String(a.Key, "[redacted]")
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name), h.rate}
}
