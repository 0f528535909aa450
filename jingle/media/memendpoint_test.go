package media

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/transport/v5/deadline"
)

// memEndpoint is an in-memory Endpoint for relay table tests: packets put
// into in are read by the relay, packets the relay writes appear on out.
type memEndpoint struct {
	in     chan *rtp.Packet
	out    chan *rtp.Packet
	closed chan struct{}
	once   sync.Once
	dl     *deadline.Deadline
}

func newMemEndpoint() *memEndpoint {
	return &memEndpoint{
		in:     make(chan *rtp.Packet, 64),
		out:    make(chan *rtp.Packet, 64),
		closed: make(chan struct{}),
		dl:     deadline.New(),
	}
}

func (m *memEndpoint) ReadRTP() (*rtp.Packet, error) {
	select {
	case p := <-m.in:
		return p, nil
	case <-m.closed:
		return nil, fmt.Errorf("mem read: %w", io.EOF)
	case <-m.dl.Done():
		return nil, os.ErrDeadlineExceeded
	}
}

func (m *memEndpoint) WriteRTP(p *rtp.Packet) error {
	c := p.Clone()
	select {
	case m.out <- c:
		return nil
	case <-m.closed:
		return io.ErrClosedPipe
	}
}

func (m *memEndpoint) SetReadDeadline(t time.Time) error {
	m.dl.Set(t)
	return nil
}

func (m *memEndpoint) Close() { m.once.Do(func() { close(m.closed) }) }
