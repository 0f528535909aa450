package testenv

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// Client is a real XMPP c2s session (mellium) logged in as user@localhost.
// Every stanza it receives is queued for Expect.
type Client struct {
	JID jid.JID // full JID, with the resource the server bound

	session *xmpp.Session
	conn    net.Conn
	served  chan struct{} // closed when Serve returns

	mu      sync.Mutex
	queue   []Stanza
	changed chan struct{} // closed and replaced whenever queue or err changes
	err     error         // why the session ended, once served is closed
	disco   []string      // features disco#info answers with (AnswerDisco)

	closeOnce sync.Once
}

// Client logs user in over C2SAddr, binds a resource and sends initial
// presence. It returns once the server has processed that presence, so
// messages sent to the bare JID afterwards reach this session. t.Cleanup
// closes it.
func (p *Prosody) Client(t testing.TB, user, password string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := dialClient(ctx, p.C2SAddr, p.Domain, user, password)
	if err != nil {
		t.Fatalf("testenv: log in as %s@%s: %v\nprosody log tail:\n%s", user, p.Domain, err, p.LogTail())
	}
	t.Cleanup(c.Close)
	return c
}

func dialClient(ctx context.Context, addr, domain, user, password string) (*Client, error) {
	origin, err := jid.New(user, domain, "")
	if err != nil {
		return nil, fmt.Errorf("testenv: bad user %q: %w", user, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("testenv: dial %s: %w", addr, err)
	}
	// mellium offers SASL only on streams marked Secure (it expects TLS).
	// The server is on loopback and offers no TLS, so claim Secure up front.
	// SCRAM-SHA-1 is what internal_hashed offers; PLAIN is the fallback.
	session, err := xmpp.NewSession(ctx, origin.Domain(), origin, conn, xmpp.Secure,
		xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
			return xmpp.StreamConfig{Features: []xmpp.StreamFeature{
				xmpp.SASL("", password, sasl.ScramSha1, sasl.Plain),
				xmpp.BindResource(),
			}}
		}))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("testenv: negotiate session: %w", err)
	}
	c := &Client{
		JID:     session.LocalAddr(),
		session: session,
		conn:    conn,
		served:  make(chan struct{}),
		changed: make(chan struct{}),
	}
	go c.serve()

	// Stanzas from one session are handled in order, so the ping answer
	// proves the presence before it was processed.
	if err := c.Send(ctx, `<presence/>`); err != nil {
		c.Close()
		return nil, err
	}
	const readyID = "testenv-ready"
	if err := c.Send(ctx, `<iq type="get" id="`+readyID+`" to="`+domain+`"><ping xmlns="urn:xmpp:ping"/></iq>`); err != nil {
		c.Close()
		return nil, err
	}
	if _, err := c.Expect(ctx, func(s Stanza) bool { return s.Name == "iq" && s.ID == readyID }); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// AnswerDisco makes the session answer disco#info requests as a client
// with features would, from now on (unset, mellium answers
// service-unavailable).
func (c *Client) AnswerDisco(features ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.disco = features
}

// discoAnswer is the result to a disco#info request st, or nil.
func (c *Client) discoAnswer(st Stanza) []xml.Token {
	c.mu.Lock()
	fs := c.disco
	c.mu.Unlock()
	if fs == nil || st.Name != "iq" || st.Type != "get" || !st.Has(nsDiscoInfo, "query") {
		return nil
	}
	query := xml.StartElement{Name: xml.Name{Space: nsDiscoInfo, Local: "query"}}
	ident := xml.StartElement{Name: xml.Name{Local: "identity"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "category"}, Value: "client"}, {Name: xml.Name{Local: "type"}, Value: "pc"}}}
	toks := []xml.Token{query, ident, ident.End()}
	for _, f := range fs {
		feat := xml.StartElement{Name: xml.Name{Local: "feature"}, Attr: []xml.Attr{{Name: xml.Name{Local: "var"}, Value: f}}}
		toks = append(toks, feat, feat.End())
	}
	return append(toks, query.End())
}

// serve reads stanzas until the stream ends.
func (c *Client) serve() {
	err := c.session.Serve(xmpp.HandlerFunc(c.handle))
	if err == nil {
		err = io.EOF
	}
	// Nothing more can arrive. Closing now also lets a stopping Prosody
	// finish at once instead of waiting for the socket.
	_ = c.conn.Close()
	c.mu.Lock()
	c.err = err
	c.notifyLocked()
	c.mu.Unlock()
	close(c.served)
}

// handle queues one stanza. It never returns an error for a stanza it does
// not understand: mellium would end the stream. Unanswered IQ requests get
// service-unavailable from mellium; pings are answered, and so are Jingle
// IQs (with a result, as every Jingle client does at once) so that tests
// can play a client that never gets its media up.
func (c *Client) handle(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
	toks := []xml.Token{start.Copy()}
	for {
		tok, err := t.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err // the stream itself is broken
		}
		toks = append(toks, xml.CopyToken(tok))
	}
	if _, ok := toks[len(toks)-1].(xml.EndElement); !ok {
		// The end element is not always returned by the reader; add it so
		// the stanza is well formed.
		toks = append(toks, start.End())
	}
	st, err := newStanza(toks)
	if err != nil {
		return nil // keep the session; a test will time out and say what is queued
	}
	disco := c.discoAnswer(st)
	if disco != nil || st.Name == "iq" && (st.Type == "get" && st.Has("urn:xmpp:ping", "ping") || st.Type == "set" && st.Has("urn:xmpp:jingle:1", "jingle")) {
		res := xml.StartElement{Name: xml.Name{Local: "iq"}, Attr: []xml.Attr{
			{Name: xml.Name{Local: "type"}, Value: "result"},
			{Name: xml.Name{Local: "id"}, Value: st.ID},
		}}
		if st.From != "" {
			res.Attr = append(res.Attr, xml.Attr{Name: xml.Name{Local: "to"}, Value: st.From})
		}
		for _, tok := range append(append([]xml.Token{res}, disco...), res.End()) {
			if err := t.EncodeToken(tok); err != nil {
				return err
			}
		}
	}
	c.mu.Lock()
	c.queue = append(c.queue, st)
	c.notifyLocked()
	c.mu.Unlock()
	return nil
}

func (c *Client) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Send sends one stanza written as XML, for example
// `<message type="chat" to="+12015550123@sms.localhost" id="m1"><body>hi</body></message>`.
// The xmlns of the stream (jabber:client) is added; a missing id is
// generated. Malformed XML is rejected before anything is written.
func (c *Client) Send(ctx context.Context, raw string) error {
	toks, err := parseStanza(raw)
	if err != nil {
		return err
	}
	// mellium turns a context's cancellation into a write deadline in the
	// past, which can land on a later write and break the stream; bound the
	// write with a deadline of our own instead.
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	_ = c.session.Conn().SetWriteDeadline(deadline)
	if err := c.session.Send(context.Background(), &tokenSlice{toks: toks}); err != nil {
		return fmt.Errorf("testenv: send %s: %w", raw, err)
	}
	return nil
}

// Expect waits for the first received stanza for which match returns true,
// removes it from the queue and returns it. Stanzas that do not match stay
// queued for later calls. It fails when ctx ends or the session ends first;
// the error lists what was queued.
func (c *Client) Expect(ctx context.Context, match func(Stanza) bool) (Stanza, error) {
	for {
		c.mu.Lock()
		for i, st := range c.queue {
			if match(st) {
				c.queue = append(c.queue[:i], c.queue[i+1:]...)
				c.mu.Unlock()
				return st, nil
			}
		}
		changed, ended, queued := c.changed, c.err, c.queuedLocked()
		c.mu.Unlock()
		if ended != nil {
			return Stanza{}, fmt.Errorf("testenv: %s: session ended (%v) before a matching stanza arrived; queued:%s", c.JID, ended, queued)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Stanza{}, fmt.Errorf("testenv: %s: no matching stanza: %w; queued:%s", c.JID, ctx.Err(), queued)
		}
	}
}

func (c *Client) queuedLocked() string {
	if len(c.queue) == 0 {
		return " (nothing)"
	}
	var b strings.Builder
	for _, st := range c.queue {
		b.WriteString("\n\t")
		b.WriteString(st.Raw)
	}
	return b.String()
}

// Close ends the stream and the connection and waits for the reading
// goroutine. It is safe to call more than once.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		// Closing our stream lets the server close its own, which ends Serve
		// cleanly; the connection is closed anyway after a short wait.
		_ = c.session.Close()
		select {
		case <-c.served:
		case <-time.After(2 * time.Second):
		}
		_ = c.conn.Close()
		<-c.served
	})
}

// parseStanza decodes raw into tokens, so malformed input is rejected before
// half a stanza is on the wire.
func parseStanza(raw string) ([]xml.Token, error) {
	d := xml.NewDecoder(strings.NewReader(strings.TrimSpace(raw)))
	var toks []xml.Token
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("testenv: bad stanza XML %q: %w", raw, err)
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 {
				continue // whitespace around the element
			}
		default:
			if depth == 0 {
				continue
			}
		}
		toks = append(toks, xml.CopyToken(tok))
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("testenv: bad stanza XML %q: no element", raw)
	}
	if roots != 1 || depth != 0 {
		return nil, fmt.Errorf("testenv: bad stanza XML %q: want exactly one element", raw)
	}
	return toks, nil
}

// tokenSlice replays tokens as an xml.TokenReader.
type tokenSlice struct{ toks []xml.Token }

func (s *tokenSlice) Token() (xml.Token, error) {
	if len(s.toks) == 0 {
		return nil, io.EOF
	}
	tok := s.toks[0]
	s.toks = s.toks[1:]
	return tok, nil
}
