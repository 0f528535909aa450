//go:build linux

package bench

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// rawClient is a minimal c2s client: SASL PLAIN over the plain loopback
// stream Prosody offers in tests, resource binding, and then stanzas written
// as preformatted text and read with a token-level parser. It costs the
// benchmark much less CPU than the mellium-based testenv.Client, which
// matters when everything shares two cores.
type rawClient struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	dec  *xml.Decoder
	JID  string

	mu   sync.Mutex // guards w
	done chan struct{}
	err  error // why reading stopped, after done
}

// node is any element, for the few the login reads.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) find(local string) (node, bool) {
	for _, k := range n.Kids {
		if k.XMLName.Local == local {
			return k, true
		}
		if f, ok := k.find(local); ok {
			return f, true
		}
	}
	return node{}, false
}

// dialRaw logs user@domain in over addr and binds resource. With presence,
// it sends initial presence, so that messages to the bare JID reach it.
func dialRaw(addr, domain, user, password, resource string, presence bool) (*rawClient, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c := &rawClient{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), w: bufio.NewWriterSize(conn, 64<<10), done: make(chan struct{})}
	if err := c.login(domain, user, password, resource, presence); err != nil {
		conn.Close()
		return nil, fmt.Errorf("bench: log in as %s@%s: %w", user, domain, err)
	}
	return c, nil
}

func (c *rawClient) login(domain, user, password, resource string, presence bool) error {
	_ = c.conn.SetDeadline(time.Now().Add(15 * time.Second))
	feats, err := c.openStream(domain)
	if err != nil {
		return err
	}
	if !strings.Contains(fmt.Sprint(feats), "PLAIN") {
		return fmt.Errorf("server offers no SASL PLAIN: %v", feats)
	}
	creds := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	if err := c.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>` + creds + `</auth>`); err != nil {
		return err
	}
	res, err := c.next()
	if err != nil {
		return err
	}
	if res.XMLName.Local != "success" {
		return fmt.Errorf("authentication failed: %v", res)
	}
	if _, err := c.openStream(domain); err != nil {
		return err
	}
	if err := c.write(`<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>` + resource + `</resource></bind></iq>`); err != nil {
		return err
	}
	for {
		n, err := c.next()
		if err != nil {
			return err
		}
		if n.XMLName.Local == "iq" && n.attr("id") == "bind" {
			j, ok := n.find("jid")
			if n.attr("type") != "result" || !ok {
				return fmt.Errorf("bind failed: %v", n)
			}
			c.JID = strings.TrimSpace(j.Text)
			break
		}
	}
	if presence {
		if err := c.write(`<presence/>`); err != nil {
			return err
		}
	}
	// Stanzas are processed in order: the answer proves presence is in.
	if err := c.write(`<iq type='get' id='sync' to='` + domain + `'><ping xmlns='urn:xmpp:ping'/></iq>`); err != nil {
		return err
	}
	for {
		n, err := c.next()
		if err != nil {
			return err
		}
		if n.XMLName.Local == "iq" && n.attr("id") == "sync" {
			break
		}
	}
	return c.conn.SetDeadline(time.Time{})
}

// openStream opens a stream and returns the server's features.
func (c *rawClient) openStream(domain string) (node, error) {
	if err := c.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='` + domain + `' version='1.0'>`); err != nil {
		return node{}, err
	}
	// c.r is an io.ByteReader, so the decoder reads no further than it must
	// and a new one can take over after the stream restarts.
	c.dec = xml.NewDecoder(c.r)
	for {
		tok, err := c.dec.Token()
		if err != nil {
			return node{}, err
		}
		if st, ok := tok.(xml.StartElement); ok {
			if st.Name.Local != "stream" {
				return node{}, fmt.Errorf("expected a stream, got <%s>", st.Name.Local)
			}
			break
		}
	}
	n, err := c.next()
	if err != nil {
		return node{}, err
	}
	if n.XMLName.Local != "features" {
		return node{}, fmt.Errorf("expected stream features, got %v", n)
	}
	return n, nil
}

// next reads the next top-level element.
func (c *rawClient) next() (node, error) {
	for {
		tok, err := c.dec.Token()
		if err != nil {
			return node{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var n node
			err := c.dec.DecodeElement(&n, &t)
			return n, err
		case xml.EndElement:
			return node{}, io.EOF // the server closed the stream
		}
	}
}

func (c *rawClient) write(s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.w.WriteString(s); err != nil {
		return err
	}
	return c.w.Flush()
}

// stanza is what the reader keeps of a received stanza.
type stanza struct {
	name, typ, id, from string
	body                string
	cond                string // error condition
}

// read parses stanzas until the stream ends, calling handle for each; it
// must be called once, after login.
func (c *rawClient) read(handle func(stanza, int64)) {
	defer close(c.done)
	depth := 1 // inside <stream:stream>
	var (
		cur     stanza
		inBody  bool
		inError bool
		body    []byte
	)
	for {
		tok, err := c.dec.RawToken()
		if err != nil {
			c.err = err
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 2:
				cur = stanza{name: t.Name.Local}
				body = body[:0]
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "type":
						cur.typ = a.Value
					case "id":
						cur.id = a.Value
					case "from":
						cur.from = a.Value
					}
				}
			case depth == 3 && t.Name.Local == "body":
				inBody = true
			case depth == 3 && t.Name.Local == "error":
				inError = true
			case depth == 4 && inError && t.Name.Local != "text" && cur.cond == "":
				cur.cond = t.Name.Local
			}
		case xml.CharData:
			if inBody {
				body = append(body, t...)
			}
		case xml.EndElement:
			if depth == 3 {
				inBody, inError = false, false
			}
			depth--
			if depth == 1 {
				cur.body = string(body)
				handle(cur, time.Now().UnixNano())
			}
			if depth == 0 {
				c.err = io.EOF
				return
			}
		}
	}
}

// Close ends the stream and the connection.
func (c *rawClient) Close() {
	_ = c.write(`</stream:stream>`)
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
	}
	c.conn.Close()
	<-c.done
}

// onStanza credits a stanza a client received to the current run: a
// message is an arrival at "client" (its body starts with its name), an
// error stanza a failure of the message it answers.
func onStanza(st stanza, ts int64) {
	if st.name != "message" {
		return
	}
	if st.typ == "error" {
		failID(st.id, "error stanza: "+st.cond)
		return
	}
	if strings.HasPrefix(st.body, "http") {
		return // an MMS's media item, after its text (which is what counts)
	}
	id, _, _ := strings.Cut(st.body, " ")
	arrive("client", id, ts)
}

// rawSender sends chat messages to the recipients in turn.
type rawSender struct {
	c     *rawClient
	to    []string // full JIDs
	media string   // an attachment's URL (XEP-0066), making each message an MMS
	wbuf  []byte
}

func (s *rawSender) send(r *run, seq int) error {
	id := r.id(seq)
	b := s.wbuf[:0]
	b = append(b, "<message type='chat' to='"...)
	b = append(b, s.to[seq%len(s.to)]...)
	b = append(b, "' id='"...)
	b = append(b, id...)
	b = append(b, "'><body>"...)
	b = append(b, id...)
	b = append(b, ' ')
	b = append(b, filler...)
	b = append(b, "</body>"...)
	if s.media != "" {
		b = append(b, "<x xmlns='jabber:x:oob'><url>"...)
		b = append(b, s.media...)
		b = append(b, "</url></x>"...)
	}
	b = append(b, "</message>"...)
	s.wbuf = b
	s.c.mu.Lock()
	_, err := s.c.w.Write(b)
	s.c.mu.Unlock()
	return err
}

func (s *rawSender) flush() error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.c.w.Flush()
}

// testenvSender sends through the project's test client, one stanza at a
// time as the tests do.
type testenvSender struct {
	c  *testenv.Client
	to []string
}

func (s *testenvSender) send(r *run, seq int) error {
	// Not a context that is cancelled after the call: mellium's Send starts
	// a goroutine that, when the context ends, sets the connection's write
	// deadline in the past; if that happens after Send returned, it breaks
	// the next write (i/o timeout), and the stream's writer stays broken.
	err := s.c.Send(context.Background(), `<message type="chat" to="`+s.to[seq%len(s.to)]+`" id="`+r.id(seq)+`"><body>`+r.body(seq)+`</body></message>`)
	if inner := errors.Unwrap(err); inner != nil {
		err = fmt.Errorf("testenv send: %w", inner) // not the stanza: failures are counted by reason
	}
	return err
}

func (s *testenvSender) flush() error { return nil }

// receiveTestenv credits what a testenv.Client receives until ctx ends.
func receiveTestenv(ctx context.Context, c *testenv.Client) {
	for {
		st, err := c.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" })
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
				fmt.Printf("bench: %s stopped receiving: %v\n", c.JID, firstLine(err.Error()))
			}
			return
		}
		onStanza(stanza{name: st.Name, typ: st.Type, id: st.ID, from: st.From, body: st.Body(), cond: st.ErrorCondition()}, time.Now().UnixNano())
	}
}
