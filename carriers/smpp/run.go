package smpp

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/linxGnu/gosmpp/pdu"

	"github.com/switchboard-gw/switchboard/carriers"
)

// Defaults of the section.
const (
	defaultEnquireLink  = 30 * time.Second
	defaultTimeout      = 10 * time.Second
	defaultReconnectMin = time.Second
	defaultReconnectMax = time.Minute
	defaultWindow       = 10
	maxHandlers         = 8 // deliver_sm handled at once
)

// Run implements carriers.Runner: it binds, serves the session, and binds
// again with exponential backoff whenever the session ends, until ctx is
// done; then it unbinds. Receipts and MO messages go to r.
func (c *Carrier) Run(ctx context.Context, r carriers.Receiver) error {
	delay := c.set.ReconnectMin
	for {
		s, err := dial(ctx, c.set.Addr, c.auth(), c.set.Timeout)
		if err == nil {
			c.log.Info("smpp: bound", "addr", c.set.Addr, "system_id", c.set.SystemID)
			delay = c.set.ReconnectMin
			c.setSession(s, nil)
			err = c.serve(ctx, s, r)
		}
		c.setSession(nil, err)
		if ctx.Err() != nil {
			return nil
		}
		c.log.Warn("smpp: not bound; binding again", "err", err, "in", delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		delay = min(2*delay, c.set.ReconnectMax)
	}
}

// setSession records the bound session, or why there is none.
func (c *Carrier) setSession(s *session, why error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sess = s
	if s != nil {
		close(c.up)
		return
	}
	if why == nil {
		why = errClosed
	}
	c.lastErr = why
	select {
	case <-c.up:
		c.up = make(chan struct{})
	default:
	}
}

// serve keeps a session alive with enquire_link until it ends or ctx is
// done.
func (c *Carrier) serve(ctx context.Context, s *session, r carriers.Receiver) error {
	go s.readLoop(ctx, c, r)
	tick := time.NewTicker(c.set.EnquireLink)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(c.set.Timeout, 2*time.Second))
			_, _ = s.call(uctx, pdu.NewUnbind())
			cancel()
			s.close(errClosed)
			<-s.readDone
			return nil
		case <-s.done:
			<-s.readDone
			return s.reason()
		case <-tick.C:
			ectx, cancel := context.WithTimeout(ctx, c.set.Timeout)
			_, err := s.call(ectx, pdu.NewEnquireLink())
			cancel()
			if err != nil && ctx.Err() == nil {
				s.close(errors.New("smpp: no answer to enquire_link"))
			}
		}
	}
}

// readLoop reads the SMSC's PDUs until the connection ends. With r nil
// (a probe's own session) deliver_sm is refused as a temporary failure,
// so the SMSC hands it to the running session instead.
func (s *session) readLoop(ctx context.Context, c *Carrier, r carriers.Receiver) {
	defer close(s.readDone)
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, maxHandlers)
	// The SMSC answers enquire_link; a link silent for longer is dead.
	idle := c.set.EnquireLink + c.set.Timeout
	for {
		p, err := s.readPacket(idle)
		if err != nil {
			s.close(err)
			return
		}
		switch {
		case p.ID&cmdResponse != 0:
			s.deliverResponse(p)
		case p.ID == cmdEnquireLink:
			s.respond(pdu.NewEnquireLinkResp(), p.Seq)
		case p.ID == cmdUnbind:
			s.respond(pdu.NewUnbindResp(), p.Seq)
			s.close(errors.New("smpp: the SMSC unbound"))
			return
		case p.ID == cmdDeliverSM && r == nil:
			s.respond(deliverResp(statusXTAppn), p.Seq)
		case p.ID == cmdDeliverSM:
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				s.respond(deliverResp(c.deliver(ctx, r, p.Body)), p.Seq)
			}()
		default:
			n := pdu.NewGenericNack().(*pdu.GenericNack)
			n.CommandStatus = 0x03 // ESME_RINVCMDID
			s.respond(n, p.Seq)
		}
	}
}

// deliverResp is a deliver_sm_resp with status st.
func deliverResp(st uint32) pdu.PDU {
	p := pdu.NewDeliverSMResp().(*pdu.DeliverSMResp)
	p.CommandStatus = statusType(st)
	return p
}
