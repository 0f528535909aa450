package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/pion/rtp"
)

type relayRun struct {
	stats RelayStats
	err   error
}

// startRelay runs Relay in the background. stop cancels it and returns its
// result; done is closed when Relay returned, whatever the reason.
func startRelay(t *testing.T, a, b Endpoint, aToB, bToA PTMap) (stop func() relayRun, done <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fin := make(chan struct{})
	var res relayRun
	go func() {
		defer close(fin)
		res.stats, res.err = Relay(ctx, a, b, aToB, bToA)
	}()
	stop = func() relayRun {
		t.Helper()
		cancel()
		select {
		case <-fin:
		case <-time.After(waitLong):
			t.Fatal("Relay did not return after cancel")
		}
		return res
	}
	t.Cleanup(func() { stop() })
	return stop, fin
}

func recv(t *testing.T, ch <-chan *rtp.Packet) *rtp.Packet {
	t.Helper()
	select {
	case p := <-ch:
		return p
	case <-time.After(waitLong):
		t.Fatal("no packet from relay")
		return nil
	}
}

func pkt(pt uint8, seq uint16, ts, ssrc uint32, marker bool, payload ...byte) *rtp.Packet {
	return &rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc, Marker: marker},
		Payload: payload,
	}
}

var webrtcToSIP = PTMap{0: 0, 8: 8, 101: 126}

func TestRelay(t *testing.T) {
	type want struct {
		pt      uint8
		marker  bool
		payload byte
	}
	tests := []struct {
		name    string
		in      []*rtp.Packet
		want    []want
		dropped uint64
		// check inspects the output sequence/timestamps.
		check func(t *testing.T, in, out []*rtp.Packet)
	}{
		{
			name: "payload types remapped, unmapped dropped",
			in: []*rtp.Packet{
				pkt(0, 10, 1600, 7, true, 1), pkt(8, 11, 1760, 7, false, 2), pkt(111, 12, 1920, 7, false, 3),
				pkt(101, 13, 2080, 7, false, 4), pkt(13, 14, 2240, 7, false, 5), pkt(0, 15, 2400, 7, false, 6),
			},
			want:    []want{{0, true, 1}, {8, false, 2}, {126, false, 4}, {0, false, 6}},
			dropped: 2,
			check: func(t *testing.T, in, out []*rtp.Packet) {
				// Gaps left by dropped packets stay visible as gaps.
				for i, j := range []int{0, 1, 3, 5} {
					if d := out[i].SequenceNumber - out[0].SequenceNumber; d != in[j].SequenceNumber-in[0].SequenceNumber {
						t.Errorf("out[%d] seq offset %d, want %d", i, d, in[j].SequenceNumber-in[0].SequenceNumber)
					}
				}
			},
		},
		{
			name: "source SSRC change keeps seq and timestamp continuous",
			in: []*rtp.Packet{
				pkt(0, 100, 8000, 0x1111, true, 1), pkt(0, 101, 8160, 0x1111, false, 2), pkt(0, 102, 8320, 0x1111, false, 3),
				pkt(0, 60000, 4000000000, 0x2222, true, 4), pkt(0, 60001, 4000000160, 0x2222, false, 5),
				pkt(8, 7, 99, 0x3333, false, 6),
			},
			want: []want{{0, true, 1}, {0, false, 2}, {0, false, 3}, {0, true, 4}, {0, false, 5}, {8, false, 6}},
			check: func(t *testing.T, in, out []*rtp.Packet) {
				for i := 1; i < len(out); i++ {
					if d := out[i].SequenceNumber - out[i-1].SequenceNumber; d != 1 {
						t.Errorf("seq step %d->%d is %d, want 1", i-1, i, d)
					}
					step := out[i].Timestamp - out[i-1].Timestamp
					switch i {
					case 3, 5: // re-based: at least one packet time, not absurdly far
						if step < 160 || step > 30*relayClockRate {
							t.Errorf("re-based timestamp step %d->%d is %d", i-1, i, step)
						}
					default:
						if step != 160 {
							t.Errorf("timestamp step %d->%d is %d, want 160", i-1, i, step)
						}
					}
				}
			},
		},
		{
			name: "telephone-event keeps one timestamp per event and its marker",
			in: []*rtp.Packet{
				pkt(0, 1, 0, 5, false, 0xff), pkt(101, 2, 160, 5, true, 5, 10, 0, 160),
				pkt(101, 3, 160, 5, false, 5, 10, 1, 64), pkt(101, 4, 160, 5, false, 5, 0x8a, 2, 128),
				pkt(101, 5, 160, 5, false, 5, 0x8a, 2, 128), pkt(0, 6, 800, 5, false, 0xfe),
			},
			want: []want{{0, false, 0xff}, {126, true, 5}, {126, false, 5}, {126, false, 5}, {126, false, 5}, {0, false, 0xfe}},
			check: func(t *testing.T, in, out []*rtp.Packet) {
				for i := 2; i <= 4; i++ {
					if out[i].Timestamp != out[1].Timestamp {
						t.Errorf("event packet %d timestamp %d, event began at %d", i, out[i].Timestamp, out[1].Timestamp)
					}
				}
				if d := out[5].Timestamp - out[0].Timestamp; d != 800 {
					t.Errorf("audio after event: timestamp advanced %d, want 800", d)
				}
				for i := range out {
					if !bytes.Equal(out[i].Payload, in[i].Payload) {
						t.Errorf("payload %d: %x, want %x", i, out[i].Payload, in[i].Payload)
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := newMemEndpoint(), newMemEndpoint()
			stop, _ := startRelay(t, a, b, webrtcToSIP, PTMap{0: 0, 8: 8, 126: 101})
			in := make([]*rtp.Packet, len(tt.in))
			for i, p := range tt.in {
				in[i] = p.Clone() // the relay rewrites packets in place
				a.in <- p
			}
			out := make([]*rtp.Packet, len(tt.want))
			for i := range tt.want {
				out[i] = recv(t, b.out)
			}
			res := stop()
			if !errors.Is(res.err, context.Canceled) {
				t.Errorf("Relay returned %v, want context.Canceled", res.err)
			}
			for i, w := range tt.want {
				p := out[i]
				if p.PayloadType != w.pt || p.Marker != w.marker || p.Payload[0] != w.payload {
					t.Errorf("out[%d] = pt %d marker %v payload %x; want pt %d marker %v payload %x",
						i, p.PayloadType, p.Marker, p.Payload[0], w.pt, w.marker, w.payload)
				}
				if p.SSRC != out[0].SSRC {
					t.Errorf("out[%d] SSRC %x, first was %x", i, p.SSRC, out[0].SSRC)
				}
			}
			if tt.check != nil {
				tt.check(t, in, out)
			}
			wantStats := DirStats{Packets: uint64(len(tt.want)), Dropped: tt.dropped}
			for _, p := range out {
				wantStats.Bytes += uint64(len(p.Payload))
			}
			if res.stats.AToB != wantStats {
				t.Errorf("AToB stats %+v, want %+v", res.stats.AToB, wantStats)
			}
			if res.stats.BToA != (DirStats{}) {
				t.Errorf("BToA stats %+v, want none", res.stats.BToA)
			}
		})
	}
}

func TestRelayBothDirectionsStripExtensions(t *testing.T) {
	a, b := newMemEndpoint(), newMemEndpoint()
	stop, _ := startRelay(t, a, b, webrtcToSIP, PTMap{0: 0, 126: 101})
	p := pkt(0, 1, 0, 1, false, 9, 9)
	if err := p.SetExtension(1, []byte{0x30}); err != nil {
		t.Fatal(err)
	}
	a.in <- p
	b.in <- pkt(126, 50, 0, 2, true, 1, 2, 3, 4)
	gotB := recv(t, b.out)
	gotA := recv(t, a.out)
	if gotB.Extension || len(gotB.Extensions) != 0 {
		t.Errorf("header extension relayed: %+v", gotB.Header)
	}
	if gotA.PayloadType != 101 || !gotA.Marker {
		t.Errorf("b->a: %v", gotA)
	}
	if gotA.SSRC == gotB.SSRC {
		t.Errorf("both directions use SSRC %x", gotA.SSRC)
	}
	res := stop()
	if res.stats.AToB.Packets != 1 || res.stats.BToA.Packets != 1 {
		t.Errorf("stats %+v", res.stats)
	}
}

func TestRelayStopsOnClosedEndpoint(t *testing.T) {
	a, b := newMemEndpoint(), newMemEndpoint()
	stop, done := startRelay(t, a, b, webrtcToSIP, webrtcToSIP)
	b.Close()
	select {
	case <-done:
	case <-time.After(waitLong):
		t.Fatal("Relay did not stop after an endpoint closed")
	}
	if r := stop(); !errors.Is(r.err, io.EOF) {
		t.Fatalf("Relay returned %v, want io.EOF", r.err)
	}
}

func TestRelayCountsWriteErrors(t *testing.T) {
	a, b := listenPair(t) // b has no remote: writes fail with ErrNoRemote
	a.SetRemote(b.LocalAddr())
	src := plainUDP(t)
	stop, _ := startRelay(t, a, b, webrtcToSIP, webrtcToSIP)
	sendRaw(t, src, a.LocalAddr(), marshal(t, pcmu(1, 0, 1, 1)))
	// a locks onto src (the SDP address's IP) when the relay reads the
	// packet; the relay writes it (and fails) before it reads again, so
	// stopping afterwards is safe.
	srcAddr := src.LocalAddr().(*net.UDPAddr).AddrPort()
	for deadline := time.Now().Add(waitLong); ; time.Sleep(5 * time.Millisecond) {
		if r, _ := a.Remote(); r == srcAddr {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("relay never read the packet")
		}
	}
	res := stop()
	if res.stats.AToB.WriteErrors != 1 || res.stats.AToB.Packets != 0 {
		t.Fatalf("stats %+v, want one write error", res.stats.AToB)
	}
}

// TestRelayRTPConn relays between two real RTPConn on loopback, with
// plain UDP sockets as the SIP peers, and checks that Relay ends on ctx
// cancel with both sockets still usable.
func TestRelayRTPConn(t *testing.T) {
	a, b := listenPair(t)
	peerA, peerB := plainUDP(t), plainUDP(t)
	a.SetRemote(peerA.LocalAddr().(*net.UDPAddr).AddrPort())
	b.SetRemote(peerB.LocalAddr().(*net.UDPAddr).AddrPort())

	stop, _ := startRelay(t, a, b, PTMap{0: 0, 101: 126}, PTMap{0: 0, 126: 101})
	buf := make([]byte, 1500)
	for i := range 5 {
		pt := uint8(0)
		if i == 2 {
			pt = 101
		}
		sendRaw(t, peerA, a.LocalAddr(), marshal(t, pkt(pt, uint16(i), uint32(160*i), 42, i == 0, byte(i), 1, 2, 3)))
		peerB.SetReadDeadline(time.Now().Add(waitLong))
		n, err := peerB.Read(buf)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil {
			t.Fatal(err)
		}
		wantPT := uint8(0)
		if i == 2 {
			wantPT = 126
		}
		if p.PayloadType != wantPT || p.Payload[0] != byte(i) || p.Marker != (i == 0) {
			t.Fatalf("packet %d arrived as %v", i, p)
		}
	}
	// Back from B's peer to A's.
	sendRaw(t, peerB, b.LocalAddr(), marshal(t, pkt(126, 9, 0, 43, true, 7)))
	peerA.SetReadDeadline(time.Now().Add(waitLong))
	n, err := peerA.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil || p.PayloadType != 101 {
		t.Fatalf("reverse packet %v, %v", p, err)
	}
	res := stop()
	if !errors.Is(res.err, context.Canceled) || res.stats.AToB.Packets != 5 || res.stats.BToA.Packets != 1 {
		t.Fatalf("Relay: %+v, %v", res.stats, res.err)
	}
	// Relay cleared its deadline: the conns still read.
	sendRaw(t, peerA, a.LocalAddr(), marshal(t, pcmu(77, 0, 1, 1)))
	if got := readWithin(t, a); got.SequenceNumber != 77 {
		t.Fatalf("read after relay: %v", got)
	}
}
