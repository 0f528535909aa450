package component

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/internal/tapback"
)

// Phones react by text (Liked “see you at 6”). To turn that into a XEP-0444
// reaction on the right message, the gateway remembers, per conversation,
// the last messages' stanza ids with keyed fingerprints of their text (see
// tapback.Fingerprints), never the text itself, unless the operator lets it
// keep a short quote (ReactionQuotes) for the user's own reactions to read
// well on a phone.

// recentEntry is one remembered message.
type recentEntry struct {
	ID    string   `json:"i"`
	FP    []string `json:"f,omitempty"`
	Media bool     `json:"m,omitempty"`
	Quote string   `json:"q,omitempty"` // only with ReactionQuotes
}

const (
	recentKeep = 50             // messages remembered per conversation
	recentTTL  = 72 * time.Hour // phones react within days, if at all
)

// conv names a conversation: the user's bare JID and the other side (a
// number, or a group's sorted numbers).
func conv(user, other string) string { return user + "|" + other }

// fpKey keys the fingerprints: without the component secret, a reader of
// Redis cannot test guesses of short texts against them.
func fpKey(secret string) *tapback.Key {
	k := sha256.Sum256([]byte("switchboard tapback fingerprints\x00" + secret))
	return tapback.NewKey(k[:])
}

// recentEntry is what is remembered of a message, and for how long.
func (c *Component) recentEntry(id, body string, media bool) ([]byte, time.Duration) {
	e := recentEntry{ID: id, Media: media}
	if body != "" {
		e.FP = c.fpKey.Fingerprints(body)
	}
	ttl := recentTTL
	if q := c.set.ReactionQuotes; q > 0 && body != "" {
		if q := []rune(body); len(q) > tapback.QuoteLimit+1 {
			body = string(q[:tapback.QuoteLimit+1])
		}
		e.Quote = body
		ttl = min(ttl, q)
	}
	b, _ := json.Marshal(e)
	return b, ttl
}

func (c *Component) recent(ctx context.Context, cv string) []recentEntry {
	raw, err := c.store.Recent(ctx, cv)
	if err != nil {
		c.log.Debug("component: cannot read recent messages", "err", err)
		return nil
	}
	out := make([]recentEntry, 0, len(raw))
	for _, b := range raw {
		var e recentEntry
		if json.Unmarshal(b, &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// reacted finds the message a phone's reaction text is about: by its quote,
// or the newest picture for "Loved an image". Newest first.
func (c *Component) reacted(ctx context.Context, cv string, r tapback.Reaction) (string, bool) {
	entries := c.recent(ctx, cv)
	slices.Reverse(entries)
	if r.Media {
		for _, e := range entries {
			if e.Media {
				return e.ID, true
			}
		}
		return "", false
	}
	for _, fp := range c.fpKey.QuoteFingerprints(r.Quoted) {
		for _, e := range entries {
			if slices.Contains(e.FP, fp) {
				return e.ID, true
			}
		}
	}
	return "", false
}

// quoteOf is the remembered quote of message id, "" when none is kept.
func (c *Component) quoteOf(ctx context.Context, cv, id string) string {
	if c.set.ReactionQuotes <= 0 || id == "" {
		return ""
	}
	for _, e := range c.recent(ctx, cv) {
		if e.ID == id {
			return e.Quote
		}
	}
	return ""
}

// phoneText is what a user's message says on a phone: a reaction as a
// tapback text, a reply with its quote in front, a correction marked as
// one. Nothing is dropped silently: a reaction whose message is unknown
// still goes out, unquoted.
func (c *Component) phoneText(ctx context.Context, st *inbound, cv string) string {
	body := ""
	if st.Body != nil {
		body = *st.Body
	}
	switch {
	case st.Reactions != nil && strings.TrimSpace(body) == "" || st.Reactions != nil && fallbackFor(st, nsReactions):
		quote := c.quoteOf(ctx, cv, st.Reactions.ID)
		if len(st.Reactions.Emojis) == 0 {
			if quote == "" {
				return "Removed a reaction from a message"
			}
			return "Removed a reaction from “" + quote + "”"
		}
		emoji := st.Reactions.Emojis[len(st.Reactions.Emojis)-1]
		if quote == "" {
			return "Reacted " + emoji + " to a message"
		}
		return tapback.Format(emoji, quote)
	case st.Reply:
		covered, rest := withoutFallback(body, st.Fallbacks, nsReply)
		quoted := quoteLines(covered)
		if quoted == "" {
			quoted = c.quoteOf(ctx, cv, st.ReplyTo)
		}
		body = tapback.Reply(quoted, strings.TrimLeft(rest, "\n"))
	}
	if st.Correction {
		body = tapback.Correction(body)
	}
	return body
}

// fallbackFor reports whether st marks its body a fallback for ns.
func fallbackFor(st *inbound, ns string) bool {
	for _, f := range st.Fallbacks {
		if f.For == ns {
			return true
		}
	}
	return false
}

// quoteLines takes the "> " marks off a reply's quoted lines.
func quoteLines(s string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), ">"))
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, " ")
}
