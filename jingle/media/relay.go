package media

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/rtp"
)

// Endpoint is one leg's RTP stream.
type Endpoint interface {
	// ReadRTP blocks for the next packet; once the endpoint is closed it
	// returns an error (wrapping io.EOF or net.ErrClosed).
	ReadRTP() (*rtp.Packet, error)
	WriteRTP(p *rtp.Packet) error
}

// deadliner is implemented by endpoints whose blocked ReadRTP can be
// interrupted (RTPConn and Leg do).
type deadliner interface {
	SetReadDeadline(t time.Time) error
}

// DirStats counts one relay direction.
type DirStats struct {
	Packets     uint64 // written to the other side
	Bytes       uint64 // payload bytes written
	Dropped     uint64 // payload type absent from the PTMap
	WriteErrors uint64 // write failed (e.g. no remote address yet); packet lost
}

// RelayStats counts both directions.
type RelayStats struct{ AToB, BToA DirStats }

// Relay copies packets read from a to b, with payload types rewritten by
// aToB, and from b to a with bToA, until ctx is done (it returns ctx.Err())
// or a ReadRTP fails (it returns that error). Unmapped payload types are
// dropped and counted; write errors are counted and do not stop the relay.
//
// Each direction sends a fixed random SSRC and keeps sequence numbers and
// timestamps continuous across source SSRC changes (see rebaser); the
// marker bit is kept and RTP header extensions and padding are stripped,
// since extension IDs are negotiated per leg.
//
// Relay returns only after both directions stopped. To stop a direction
// blocked in ReadRTP it sets a past read deadline on endpoints that have
// SetReadDeadline (RTPConn, Leg) and clears it again before returning, so
// the endpoints can be relayed again (e.g. with new maps after a
// re-INVITE). Other endpoints must be closed by the caller to end Relay.
func Relay(ctx context.Context, a, b Endpoint, aToB, bToA PTMap) (RelayStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		stats RelayStats
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	fail := func(err error) {
		once.Do(func() { first = err })
		cancel()
	}
	run := func(name string, src, dst Endpoint, m PTMap, st *DirStats) {
		defer wg.Done()
		if err := pump(ctx, src, dst, m, st); err != nil {
			fail(fmt.Errorf("media: relay %s: %w", name, err))
		}
	}
	wg.Add(2)
	go run("a->b", a, b, aToB, &stats.AToB)
	go run("b->a", b, a, bToA, &stats.BToA)

	<-ctx.Done()
	past := time.Unix(1, 0)
	setDeadline(a, past)
	setDeadline(b, past)
	wg.Wait()
	setDeadline(a, time.Time{})
	setDeadline(b, time.Time{})

	if first != nil {
		return stats, first
	}
	return stats, ctx.Err()
}

func setDeadline(e Endpoint, t time.Time) {
	if d, ok := e.(deadliner); ok {
		_ = d.SetReadDeadline(t) // a closed endpoint no longer blocks anyway
	}
}

// pump moves one direction. It returns nil when stopped through ctx.
func pump(ctx context.Context, src, dst Endpoint, m PTMap, st *DirStats) error {
	rb := newRebaser(rand.Uint32())
	for {
		p, err := src.ReadRTP()
		if err != nil {
			if ctx.Err() != nil {
				// Stopped by the caller or by the other direction: the
				// error is our deadline or the endpoint being closed.
				return nil
			}
			return err
		}
		pt, ok := m[p.PayloadType]
		if !ok {
			st.Dropped++
			continue
		}
		p.PayloadType = pt
		p.Extension = false
		p.Extensions = nil
		p.ExtensionProfile = 0
		p.Padding = false
		p.Header.PaddingSize = 0
		// Deprecated, but pion/rtp v1.10 Marshal still reads it.
		p.PaddingSize = 0
		rb.rewrite(&p.Header, time.Now())
		if err := dst.WriteRTP(p); err != nil {
			st.WriteErrors++
			continue
		}
		st.Packets++
		st.Bytes += uint64(len(p.Payload))
	}
}
