package benchcalls

import (
	"context"
	"math/rand/v2"
	"net"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// stream is one call's media as the load generator sees it: PCMU packets
// out, echoed packets back.
type stream interface {
	write(p *rtp.Packet) error
	// read returns the payload of the next packet, in buf's memory.
	read(buf []byte) ([]byte, error)
}

// pace sends one 20 ms PCMU packet per 20 ms until ctx ends, stamped with
// the call, its index and the send time. Calls start at a random phase so
// that they do not all send in the same instant.
func pace(ctx context.Context, s stream, call uint32, st *callStats, clk clock, w *window) {
	select {
	case <-time.After(time.Duration(rand.Int64N(int64(packetTime * time.Millisecond)))):
	case <-ctx.Done():
		return
	}
	t := time.NewTicker(packetTime * time.Millisecond)
	defer t.Stop()
	payload := make([]byte, payloadSize)
	p := &rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(rand.Uint32()), Timestamp: rand.Uint32(), SSRC: rand.Uint32()},
		Payload: payload,
	}
	for k := uint32(0); ; k++ {
		now := clk.now()
		putPayload(payload, stamp{call: call, index: k, sent: now})
		if err := s.write(p); err == nil {
			st.sentAll.Add(1)
			if w.in(now) {
				st.sent.Add(1)
			}
		}
		p.SequenceNumber++
		p.Timestamp += samplesPer
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// receive reads echoed packets until the stream fails (it is closed).
func receive(s stream, call uint32, st *callStats, clk clock, w *window, first chan<- struct{}) {
	buf := make([]byte, 1500)
	for {
		payload, err := s.read(buf)
		if err != nil {
			return
		}
		st.received(call, payload, clk.now(), w)
		if first != nil {
			close(first)
			first = nil
		}
	}
}

// rtcStream is the WebRTC side of a bridged call.
type rtcStream struct {
	local  *webrtc.TrackLocalStaticRTP
	remote *webrtc.TrackRemote
	pkt    rtp.Packet
}

func (r *rtcStream) write(p *rtp.Packet) error { return r.local.WriteRTP(p) }

func (r *rtcStream) read(buf []byte) ([]byte, error) {
	n, _, err := r.remote.Read(buf)
	if err != nil {
		return nil, err
	}
	if err := r.pkt.Unmarshal(buf[:n]); err != nil {
		return nil, nil // counted as foreign by the caller
	}
	return r.pkt.Payload, nil
}

// udpStream is plain RTP over a connected UDP socket (the baseline).
type udpStream struct {
	conn *net.UDPConn
	out  []byte
	pkt  rtp.Packet
}

func (u *udpStream) write(p *rtp.Packet) error {
	n, err := p.MarshalTo(u.out[:cap(u.out)])
	if err != nil {
		return err
	}
	_, err = u.conn.Write(u.out[:n])
	return err
}

func (u *udpStream) read(buf []byte) ([]byte, error) {
	n, err := u.conn.Read(buf)
	if err != nil {
		return nil, err
	}
	if err := u.pkt.Unmarshal(buf[:n]); err != nil {
		return nil, nil
	}
	return u.pkt.Payload, nil
}
