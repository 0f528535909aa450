package component

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	xcomponent "mellium.im/xmpp/component"
	"mellium.im/xmpp/jid"
)

// wire is the server's end of a component stream for unit tests: it
// performs the XEP-0114 handshake and collects every stanza the component
// writes, as written. The stanzas the test feeds in go to Component.handle
// directly, as the stream handler would submit them.
type wire struct {
	c   *Component
	out chan wireStanza
}

// wireStanza is one stanza the component wrote.
type wireStanza struct {
	Name, Type, From, To, ID string
	Raw                      string
}

// newWire connects c to a scripted server over a pipe.
func newWire(t *testing.T, c *Component) *wire {
	t.Helper()
	client, server := net.Pipe()
	w := &wire{c: c, out: make(chan wireStanza, 64)}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(w.out)
		w.serve(server)
	}()
	t.Cleanup(func() {
		c.mu.Lock()
		c.sess = nil
		c.mu.Unlock()
		client.Close()
		server.Close()
		wg.Wait()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sess, err := xcomponent.NewSession(ctx, c.set.Domain, []byte("secret"), client)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c.mu.Lock()
	c.sess = sess
	c.mu.Unlock()
	return w
}

// serve plays the server: stream header, handshake, then stanzas.
func (w *wire) serve(conn net.Conn) {
	var raw bytes.Buffer
	d := xml.NewDecoder(io.TeeReader(conn, &raw))
	handshake := false
	for {
		before := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch start.Name.Local {
		case "stream":
			if _, err := io.WriteString(conn, `<stream:stream xmlns="jabber:component:accept" xmlns:stream="http://etherx.jabber.org/streams" from="`+w.c.set.Domain.String()+`" id="wire1">`); err != nil {
				return
			}
			continue
		case "handshake":
			if err := d.Skip(); err != nil {
				return
			}
			if !handshake {
				handshake = true
				if _, err := io.WriteString(conn, `<handshake/>`); err != nil {
					return
				}
			}
			continue
		}
		if err := d.Skip(); err != nil {
			return
		}
		s := wireStanza{Name: start.Name.Local, Raw: raw.String()[before:d.InputOffset()]}
		s.ID, s.Type, s.From, s.To = stanzaAttrs(&start)
		w.out <- s
	}
}

// in hands the component one stanza, written as text, as if it came from
// the server.
func (w *wire) in(t *testing.T, s string) {
	t.Helper()
	st, bad, err := decodeString(s) // the gateway is sms.example.org
	if err != nil || st == nil || bad != nil {
		t.Fatalf("stanza not accepted: %v %+v %v", st, bad, err)
	}
	w.c.handle(st)
}

// next is the next stanza the component wrote.
func (w *wire) next(t *testing.T) wireStanza {
	t.Helper()
	select {
	case s, ok := <-w.out:
		if !ok {
			t.Fatal("the stream ended")
		}
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("the component wrote nothing")
	}
	return wireStanza{}
}

// none checks that the component wrote nothing more.
func (w *wire) none(t *testing.T) {
	t.Helper()
	select {
	case s := <-w.out:
		t.Fatalf("unexpected stanza: %s", s.Raw)
	case <-time.After(50 * time.Millisecond):
	}
}

// has reports whether the stanza carries all of want (substrings).
func (s wireStanza) has(want ...string) bool {
	for _, w := range want {
		if !strings.Contains(s.Raw, w) {
			return false
		}
	}
	return true
}

func testComponent(t *testing.T, voice bool) (*Component, *wire) {
	t.Helper()
	c := New(Settings{Domain: jid.MustParse("sms.example.org")}, nil, nil)
	if voice {
		c.SetCalls(nil)
	}
	return c, newWire(t, c)
}
