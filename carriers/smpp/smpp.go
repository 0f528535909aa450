// Package smpp is the SMPP 3.4 carrier adapter: one bind_transceiver
// session to an SMSC, kept up with enquire_link and rebound with backoff,
// over which it submits messages and takes delivery receipts and
// mobile-originated messages. See README.md.
package smpp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/phone"
)

// name is the adapter's configuration name.
const name = "smpp"

// maxBodyChars is the longest text the adapter takes: 1,600 characters is
// what the large carriers allow; at worst (every character a GSM-7 escape
// or a UTF-16 surrogate pair) 21 GSM-7 or 49 UCS-2 parts, well below the
// 255 a concatenated message can number.
const maxBodyChars = 1600

// Settings configure the adapter; New fills in the zero ones with the
// section's defaults.
type Settings struct {
	Addr       string // host:port of the SMSC
	SystemID   string
	Password   string
	SystemType string
	// SourceTON and SourceNPI are the source address's type of number
	// and numbering plan (the section defaults them to 1 and 1:
	// international, E.164; here zero is SMPP's "unknown").
	SourceTON, SourceNPI byte
	// RegisteredDelivery asks the SMSC for delivery receipts.
	RegisteredDelivery bool
	EnquireLink        time.Duration // keepalive interval
	Timeout            time.Duration // bind, submit and enquire_link answers
	ReconnectMin       time.Duration // first delay before rebinding
	ReconnectMax       time.Duration // the delay doubles up to this
	Window             int           // submit_sm awaiting an answer at once
	PerNumberRate      float64
	// BindWait is how long a send waits for a bind under way before it
	// fails as unavailable; default 3s.
	BindWait time.Duration
	// PartsTimeout is how long the parts of a concatenated MO message wait
	// for the rest; default 5m.
	PartsTimeout time.Duration
	Logger       *slog.Logger
}

// Carrier is the SMPP adapter. Sends need Run to be running: it holds the
// session.
type Carrier struct {
	set Settings
	log *slog.Logger
	asm *reassembler
	win chan struct{}
	ref atomic.Uint32 // concatenation references
	// half-sent long texts, resumed by their retry
	partial partials

	mu      sync.Mutex
	sess    *session
	up      chan struct{} // closed when a session is bound
	lastErr error         // why there is no session
}

var (
	_ carriers.Carrier = (*Carrier)(nil)
	_ carriers.Runner  = (*Carrier)(nil)
	_ carriers.Prober  = (*Carrier)(nil)
)

// New builds the adapter; it connects when Run starts.
func New(s Settings) (*Carrier, error) {
	if s.Addr == "" || s.SystemID == "" {
		return nil, errors.New("smpp: addr and system_id are needed")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&s.EnquireLink, defaultEnquireLink)
	def(&s.Timeout, defaultTimeout)
	def(&s.ReconnectMin, defaultReconnectMin)
	def(&s.ReconnectMax, defaultReconnectMax)
	def(&s.BindWait, 3*time.Second)
	def(&s.PartsTimeout, defaultPartsTimeout)
	if s.ReconnectMax < s.ReconnectMin {
		s.ReconnectMax = s.ReconnectMin
	}
	if s.Window <= 0 {
		s.Window = defaultWindow
	}
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Carrier{
		set: s,
		log: log.With("carrier", name),
		asm: newReassembler(s.PartsTimeout, maxPending),
		win: make(chan struct{}, s.Window),
		up:  make(chan struct{}),
		// Until Run binds, a send finds the adapter not yet connected.
		lastErr: errors.New("smpp: not connected yet"),
	}, nil
}

// Name implements carriers.Carrier.
func (c *Carrier) Name() string { return name }

// Limits implements carriers.Carrier: text only, one recipient, receipts
// when they are asked for.
func (c *Carrier) Limits() carriers.Limits {
	return carriers.Limits{
		MaxBodyChars:  maxBodyChars,
		MaxRecipients: 1,
		Delivery:      c.set.RegisteredDelivery,
		PerNumber:     c.set.PerNumberRate,
	}
}

// auth is the bind's credentials.
func (c *Carrier) auth() gosmpp.Auth {
	return gosmpp.Auth{SystemID: c.set.SystemID, Password: c.set.Password, SystemType: c.set.SystemType}
}

// Send implements carriers.Carrier: one submit_sm per part, in order;
// the id is the last part's, the one that asks for a receipt.
func (c *Carrier) Send(ctx context.Context, m carriers.Message) (string, error) {
	switch {
	case len(m.Cc) > 0:
		return "", &carriers.Error{Kind: carriers.ErrRejected, Message: "SMPP cannot send group messages"}
	case len(m.Media) > 0:
		return "", &carriers.Error{Kind: carriers.ErrRejected, Message: "SMPP cannot send media (MMS)", Reason: carriers.ReasonTooLarge}
	case utf8.RuneCountInString(m.Body) > maxBodyChars:
		return "", &carriers.Error{Kind: carriers.ErrRejected, Message: fmt.Sprintf("the text is over %d characters", maxBodyChars), Reason: carriers.ReasonTooLarge}
	case m.Body == "":
		return "", &carriers.Error{Kind: carriers.ErrRejected, Message: "an SMS needs a text"}
	}
	src, err := addressOf(m.From, c.set.SourceTON, c.set.SourceNPI)
	if err != nil {
		return "", &carriers.Error{Kind: carriers.ErrRejected, Message: "bad sender: " + err.Error()}
	}
	dst, err := addressOf(m.To, 1, 1)
	if err != nil {
		return "", &carriers.Error{Kind: carriers.ErrRejected, Message: "bad recipient: " + err.Error(), Reason: carriers.ReasonInvalid}
	}
	pr, resume := c.partial.take(m.Key, time.Now())
	if !resume {
		pr = progress{ref: byte(c.ref.Add(1))}
	}
	coding, parts, err := segments(m.Body, pr.ref)
	if err != nil {
		return "", &carriers.Error{Kind: carriers.ErrRejected, Message: err.Error(), Reason: carriers.ReasonTooLarge}
	}
	s, err := c.session(ctx)
	if err != nil {
		return "", err
	}
	enc := data.GSM7BIT
	if coding == codingUCS2 {
		enc = data.UCS2
	}
	if pr.taken >= len(parts) {
		pr.taken = 0 // not the same text: send it whole
	}
	var id string
	for i, part := range parts {
		if i < pr.taken {
			continue // taken by an earlier attempt
		}
		p := pdu.NewSubmitSM().(*pdu.SubmitSM)
		p.SourceAddr, p.DestAddr = src, dst
		if len(parts) > 1 {
			p.EsmClass = esmUDHI
		}
		if c.set.RegisteredDelivery && i == len(parts)-1 {
			p.RegisteredDelivery = 1
		}
		if err := p.Message.SetMessageDataWithEncoding(part, enc); err != nil {
			return "", &carriers.Error{Kind: carriers.ErrRejected, Message: err.Error(), Reason: carriers.ReasonTooLarge}
		}
		if id, err = c.submit(ctx, s, p); err != nil {
			if i > 0 {
				c.log.Warn("smpp: a concatenated message failed after its first parts were taken", "parts", len(parts), "taken", i, "to", phone.Redact(m.To))
				pr.taken, pr.at = i, time.Now()
				c.partial.keep(m.Key, pr)
			}
			return "", err
		}
	}
	c.log.Debug("smpp: sent", "id", id, "parts", len(parts), "to", phone.Redact(m.To))
	return id, nil
}

// submit sends one submit_sm within the window and returns its id.
func (c *Carrier) submit(ctx context.Context, s *session, p *pdu.SubmitSM) (string, error) {
	select {
	case c.win <- struct{}{}:
	case <-ctx.Done():
		return "", callError(ctx.Err(), "smpp: waiting for the SMSC's window")
	}
	defer func() { <-c.win }()
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	r, err := s.call(ctx, p)
	switch {
	case err != nil:
		return "", callError(err, "smpp: submit_sm")
	case r.ID == cmdGenericNack:
		return "", statusError(r.Status)
	case r.Status != statusOK:
		return "", statusError(r.Status)
	}
	id := cstring(r.Body)
	if id == "" {
		return "", &carriers.Error{Kind: carriers.ErrUnavailable, Message: "smpp: the SMSC gave the message no id"}
	}
	return id, nil
}

// session returns the bound session, waiting up to BindWait for one
// being set up.
func (c *Carrier) session(ctx context.Context) (*session, error) {
	t := time.NewTimer(c.set.BindWait)
	defer t.Stop()
	for {
		c.mu.Lock()
		s, up, why := c.sess, c.up, c.lastErr
		c.mu.Unlock()
		if s != nil {
			return s, nil
		}
		select {
		case <-up:
		case <-t.C:
			return nil, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "not bound to the SMSC: " + why.Error()}
		case <-ctx.Done():
			return nil, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "not bound to the SMSC: " + why.Error()}
		}
	}
}

// Probe implements carriers.Prober: an enquire_link on the running
// session, or, when there is none (`switchboard carriers probe` does not
// run the adapter), a bind and unbind of its own. It sends no message.
func (c *Carrier) Probe(ctx context.Context) error {
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()
	if s != nil {
		ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
		defer cancel()
		if _, err := s.call(ctx, pdu.NewEnquireLink()); err != nil {
			return callError(err, "smpp: enquire_link")
		}
		return nil
	}
	s, err := dial(ctx, c.set.Addr, c.auth(), c.set.Timeout)
	if err != nil {
		return dialError(err)
	}
	go s.readLoop(context.Background(), c, nil) // answers the unbind_resp
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	_, _ = s.call(ctx, pdu.NewUnbind())
	s.close(errClosed)
	<-s.readDone
	return nil
}

// dialError is a failed bind as the gateway sees it: credentials the SMSC
// refuses are a rejection (the operator must fix them); anything else is
// the SMSC being unavailable.
func dialError(err error) error {
	var be bindError
	if errors.As(err, &be) {
		kind := carriers.ErrUnavailable
		switch be.status {
		case statusInvPaswd, statusInvSysID, 0x0D: // 0x0D: ESME_RBINDFAIL
			kind = carriers.ErrRejected
		}
		return &carriers.Error{Kind: kind, Code: fmt.Sprintf("0x%08X", be.status), Message: be.Error()}
	}
	return &carriers.Error{Kind: carriers.ErrUnavailable, Message: err.Error()}
}

// addressOf turns a number into an SMPP address: E.164 without its plus,
// with the given TON/NPI; an alphanumeric sender as it is.
func addressOf(s string, ton, npi byte) (pdu.Address, error) {
	digits := strings.TrimPrefix(s, "+")
	if digits == "" || len(digits) > 20 {
		return pdu.Address{}, fmt.Errorf("smpp: %q cannot be an SMPP address", phone.Redact(s))
	}
	return pdu.NewAddressWithTonNpiAddr(ton, npi, digits)
}

// numberOf is the inverse for inbound addresses: digits of an
// international (or unknown, as many SMSCs send) number become E.164; a
// national number or an alphanumeric sender stays as it is, for the
// gateway's own normalisation.
func numberOf(a address) string {
	s := strings.TrimPrefix(a.Addr, "+")
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return a.Addr
	}
	if a.TON == 1 || a.TON == 0 {
		return "+" + s
	}
	return s
}
