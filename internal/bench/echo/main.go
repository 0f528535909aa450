// Command echo is the benchmark's baseline: an XEP-0114 component that only
// moves messages, so that the gateway's figures can be compared with what the
// XMPP server, the client and a component that does no work of its own
// achieve on the same machine.
//
//	echo -server 127.0.0.1:PORT -domain sms.localhost -secret SECRET
//
// It speaks to the benchmark over its standard streams, one line each:
//
//	stdout  ready                      the component stream is up
//	stdout  a ID UNIXNANO              a message with this id arrived
//	stdin   reply 1|0                  answer every message (default) or not
//	stdout  set reply 1|0              that setting holds from now on
//	stdin   send TO FROM ID BODY...    send a chat message (BODY to the end of the line)
//
// A reply goes back to the sender, from the address the message was sent
// to, with the same id and body. The component exits when stdin closes.
package main

import (
	"bufio"
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/component"
	"mellium.im/xmpp/jid"
)

// message is the only stanza the echo reads or writes. Outgoing stanzas must
// carry from: Prosody closes a component's stream otherwise.
type message struct {
	XMLName xml.Name `xml:"message"`
	ID      string   `xml:"id,attr,omitempty"`
	Type    string   `xml:"type,attr,omitempty"`
	From    string   `xml:"from,attr"`
	To      string   `xml:"to,attr"`
	Body    string   `xml:"body,omitempty"`
}

type arrival struct {
	id   string
	at   int64
	note string // a line to write instead (an acknowledgement)
}

func main() {
	server := flag.String("server", "", "host:port of the XMPP server's component port")
	domain := flag.String("domain", "", "the component's domain")
	secret := flag.String("secret", "", "the component secret")
	flag.Parse()
	if err := run(*server, *domain, *secret); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

func run(server, domain, secret string) error {
	addr, err := jid.Parse(domain)
	if err != nil {
		return fmt.Errorf("bad -domain: %w", err)
	}
	sess, conn, err := connect(server, addr, secret)
	if err != nil {
		return err
	}
	defer conn.Close()

	// Arrivals are reported by one goroutine that flushes whenever it has
	// caught up, so a burst costs one write.
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	arrivals := make(chan arrival, 1<<16)
	written := make(chan struct{})
	go func() {
		defer close(written)
		_, _ = out.WriteString("ready\n")
		_ = out.Flush()
		var buf []byte
		for a := range arrivals {
			if a.note != "" {
				_, _ = out.WriteString(a.note + "\n")
				_ = out.Flush()
				continue
			}
			buf = append(buf[:0], "a "...)
			buf = append(buf, a.id...)
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, a.at, 10)
			buf = append(buf, '\n')
			_, _ = out.Write(buf)
			if len(arrivals) == 0 {
				_ = out.Flush()
			}
		}
		_ = out.Flush()
	}()
	var reply atomic.Bool
	reply.Store(true)

	served := make(chan error, 1)
	go func() {
		served <- sess.Serve(xmpp.HandlerFunc(func(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
			if start.Name.Local != "message" {
				return nil // a handler error would end the stream
			}
			var m message
			if err := xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(*start), t)).Decode(&m); err != nil {
				return nil
			}
			arrivals <- arrival{id: m.ID, at: time.Now().UnixNano()}
			if reply.Load() && m.Type != "error" && m.From != "" {
				_ = t.Encode(message{ID: m.ID, Type: "chat", From: m.To, To: m.From, Body: m.Body})
			}
			return nil
		}))
	}()

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 1<<20)
	var cmdErr error
	for in.Scan() {
		line := in.Text()
		switch {
		case line == "reply 1" || line == "reply 0":
			reply.Store(line == "reply 1")
			// Acknowledged, so that the benchmark sends nothing before
			// the setting holds (a message that came first would go
			// unanswered and stall the phase).
			arrivals <- arrival{note: "set " + line}
		case strings.HasPrefix(line, "send "):
			f := strings.SplitN(line, " ", 5)
			if len(f) != 5 {
				cmdErr = fmt.Errorf("bad command %q", line)
				break
			}
			m := message{Type: "chat", To: f[1], From: f[2], ID: f[3], Body: f[4]}
			if err := sess.Encode(context.Background(), m); err != nil {
				cmdErr = fmt.Errorf("send: %w", err)
			}
		default:
			cmdErr = fmt.Errorf("bad command %q", line)
		}
		if cmdErr != nil {
			break
		}
	}
	_ = sess.Close()
	select {
	case <-served:
	case <-time.After(2 * time.Second):
	}
	close(arrivals)
	<-written
	return cmdErr
}

// connect dials and performs the component handshake, retrying for a while:
// the benchmark starts the echo right after the gateway left the same
// component address, and the server may not have noticed yet.
func connect(server string, addr jid.JID, secret string) (*xmpp.Session, net.Conn, error) {
	var last error
	for range 100 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", server)
		if err == nil {
			var sess *xmpp.Session
			sess, err = component.NewSession(ctx, addr, []byte(secret), conn)
			if err == nil {
				cancel()
				return sess, conn, nil
			}
			conn.Close()
		}
		cancel()
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return nil, nil, fmt.Errorf("connect to %s as %s: %w", server, addr, last)
}
