package component

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	xcomponent "mellium.im/xmpp/component"
	"mellium.im/xmpp/stanza"
)

// Run connects to the server and serves the component stream until ctx is
// done, reconnecting with capped exponential backoff whenever the stream
// fails. It returns nil after ctx is cancelled.
func (c *Component) Run(ctx context.Context) error {
	c.work = newDispatcher(c.set.Concurrency, c.set.MaxQueue, c.set.MaxPending, c.handle)
	defer c.work.stop()

	backoff := c.set.MinBackoff
	for {
		start := time.Now()
		err := c.serveOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		// A stream that stayed up a while was healthy: start over from the
		// shortest delay.
		if time.Since(start) > 2*c.set.MaxBackoff {
			backoff = c.set.MinBackoff
		}
		delay := backoff/2 + rand.N(backoff/2+1)
		c.log.Warn("component: stream ended; reconnecting", "err", err, "in", delay.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		backoff = min(backoff*2, c.set.MaxBackoff)
	}
}

// serveOnce dials, performs the XEP-0114 handshake and serves until the
// stream ends.
func (c *Component) serveOnce(ctx context.Context) error {
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(dialCtx, "tcp", c.set.Server)
	if err != nil {
		return fmt.Errorf("component: dial %s: %w", c.set.Server, err)
	}
	sess, err := xcomponent.NewSession(dialCtx, c.set.Domain, []byte(c.set.Secret), conn)
	if err != nil {
		conn.Close()
		return fmt.Errorf("component: handshake with %s: %w", c.set.Server, err)
	}
	c.log.Info("component: connected", "server", c.set.Server)

	c.mu.Lock()
	c.sess = sess
	c.mu.Unlock()

	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- sess.Serve(xmpp.HandlerFunc(c.receive)) }()
	go c.keepalive(serveCtx, sess)
	go c.drainPending(serveCtx)
	go c.announce(serveCtx)

	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.mu.Lock()
	c.sess = nil
	c.mu.Unlock()
	stop()
	sess.Close()
	conn.Close()
	var syn *xml.SyntaxError
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syn) && strings.Contains(syn.Msg, "EOF") {
		// A server that shuts down may just drop the connection.
		err = errors.New("component: the server closed the connection")
	}
	return err
}

// keepalive pings the server; a ping that gets no answer means the stream is
// dead even though TCP has not noticed, so the connection is closed to force
// a reconnect.
func (c *Component) keepalive(ctx context.Context, sess *xmpp.Session) {
	t := time.NewTicker(c.set.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, c.set.PingTimeout)
		err := c.ping(pctx, sess)
		cancel()
		if err != nil && ctx.Err() == nil {
			c.log.Warn("component: keepalive ping failed; closing stream", "err", err)
			sess.Conn().Close()
			return
		}
	}
}

// ping sends XEP-0199 to the server's domain (the component domain's
// parent); any answer, even an error, proves the stream alive. The answer is
// picked up by receive (see takeAnswer), not by SendIQ: SendIQ ties the write to
// a cancellable context, which mellium turns into a write deadline that can
// land on another stanza's write.
func (c *Component) ping(ctx context.Context, sess *xmpp.Session) error {
	to := c.set.Domain
	if parent, ok := parentDomain(c.set.Domain.String()); ok {
		to = domainJID(parent)
	}
	id := "ping-" + randomID()
	ch := make(chan answer, 1)
	c.answers.Store(id, ch)
	defer c.answers.Delete(id)
	iq := stanza.IQ{ID: id, Type: stanza.GetIQ, From: c.set.Domain, To: to}
	if err := c.write(sess, func() error { return sess.Send(context.Background(), iq.Wrap(pingPayload())) }); err != nil {
		return err
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("component: no answer to keepalive ping: %w", ctx.Err())
	}
}

// writeTimeout bounds one stanza write; a stream that cannot take a stanza
// for that long is treated as dead.
const writeTimeout = 10 * time.Second

// write runs one write on sess with a deadline. mellium is given a context
// that is never cancelled (see ping); the deadline is set on the connection
// instead, and only ever moves forward, so concurrent writers cannot cut each
// other short. A failed write leaves mellium's buffered writer broken, so the
// connection is closed at once to force a reconnect.
func (c *Component) write(sess *xmpp.Session, fn func() error) error {
	_ = sess.Conn().SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := fn(); err != nil {
		c.log.Warn("component: write failed; reconnecting", "err", err)
		sess.Conn().Close()
		return fmt.Errorf("component: send: %w", err)
	}
	return nil
}

// send writes one stanza on the current stream. Its context is not used:
// writes are bounded by writeTimeout instead (see write). Stanzas sent at
// the same time share a write (see writeBatch).
func (c *Component) send(_ context.Context, r xml.TokenReader) error {
	sess := c.session()
	if sess == nil {
		return ErrNotConnected
	}
	return c.out.Do(outStanza{sess, r}, c.writeBatch)
}

// maxWriteBatch bounds the stanzas of one shared write, so that one
// caller's wait stays short.
const maxWriteBatch = 128

// outStanza is a stanza waiting for its turn in a shared write.
type outStanza struct {
	sess *xmpp.Session
	r    xml.TokenReader
}

// writeBatch writes stanzas sent at the same time with one flush of the
// stream, instead of a system call each: under load that saves the
// gateway's time and the server's, which then reads many stanzas at once.
// A batch may span a reconnect, so stanzas are written on the stream each
// was sent on, in order.
func (c *Component) writeBatch(batch []outStanza) []error {
	errs := make([]error, len(batch))
	for i := 0; i < len(batch); {
		sess := batch[i].sess
		j := i + 1
		for j < len(batch) && batch[j].sess == sess {
			j++
		}
		err := c.write(sess, func() error {
			w := sess.TokenWriter()
			for _, st := range batch[i:j] {
				if _, err := xmlstream.Copy(w, st.r); err != nil {
					w.Close()
					return err
				}
			}
			return w.Close()
		})
		for k := i; k < j; k++ {
			errs[k] = err
		}
		i = j
	}
	return errs
}

// encode writes v, a stanza struct, on the current stream, bounded like
// send.
func (c *Component) encode(_ context.Context, v any) error {
	sess := c.session()
	if sess == nil {
		return ErrNotConnected
	}
	return c.write(sess, func() error { return sess.Encode(context.Background(), v) })
}
