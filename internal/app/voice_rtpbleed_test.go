package app

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
)

// TestRTPSprayDuringForwardedCall is issue 8's RTP bleed: during a
// forwarded call (SIPp caller → gateway → SIPp target echoing the audio
// back), a third host, 127.0.0.2, sends one RTP packet to every port of
// the trunk media range (even: RTP, odd: RTCP), over and over for 2 s. The gateway's plain RTP
// legs must not follow it: the attacker receives nothing, and none of the
// caller's audio goes missing on its way to the target (tshark watches
// the sequence numbers at the target's port).
func TestRTPSprayDuringForwardedCall(t *testing.T) {
	const width = 40 // ports in the sprayed range
	for _, tt := range []struct {
		name  string
		trunk bool // the range is [media] trunk_ports, udp_ports another
	}{
		{name: "udp_ports shared with ICE"},
		{name: "separate trunk_ports", trunk: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lo, err := siptest.FreeUDPPorts(width)
			if err != nil {
				t.Fatal(err)
			}
			hi := lo + width - 1
			sprayed := fmt.Sprintf("%d-%d", lo, hi)
			media := []string{"SWITCHBOARD_MEDIA_UDP_PORTS=" + sprayed}
			if tt.trunk {
				ice, err := siptest.FreeUDPPorts(8)
				if err != nil {
					t.Fatal(err)
				}
				media = []string{
					fmt.Sprintf("SWITCHBOARD_MEDIA_UDP_PORTS=%d-%d", ice, ice+7),
					"SWITCHBOARD_MEDIA_TRUNK_PORTS=" + sprayed,
				}
			}
			attacker := listenAttacker(t)

			target := siptest.Start(t, siptest.Options{Scenario: "uas_answer_pcma.xml", RTPEcho: true})
			capture := siptest.CaptureRTP(t, target.MediaPort)
			logs := &syncbuf.Buffer{}
			e := startEnv(t, envOptions{logTo: logs, env: voiceEnv(t, target.Addr, media...)})
			e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{})
			if err := e.store.SetForward(context.Background(), "+12015550100", "+15551234567"); err != nil {
				t.Fatal(err)
			}
			ctx := ctxTimeoutT(t, 60*time.Second)
			caller := e.callGateway(t, "uac_call_long.xml", "+12015550100", nil)

			// The call is up and audio reaches the target: measure its
			// rate for 1.5 s, then again while the attacker sprays for 2 s.
			if err := capture.Wait(ctx, "A-law audio at the target", func(c *siptest.Capture) bool { return c.Packets(8) >= 10 }); err != nil {
				t.Fatal(err)
			}
			n0 := capture.Packets(8)
			time.Sleep(1500 * time.Millisecond)
			n1, lost1 := capture.Packets(8), capture.Lost(8)
			attacker.spray(t, lo, hi, 2*time.Second)
			n2 := capture.Packets(8)
			// The audio goes on after the spray (a leg that followed the
			// attacker may never come back: the target only echoes what
			// it gets), and none of it went missing meanwhile: sequence
			// gaps at the target are packets the gateway lost or sent
			// elsewhere. Rates alone wobble on a loaded machine.
			after, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
			defer cancel()
			if err := capture.Wait(after, "audio after the spray", func(c *siptest.Capture) bool { return c.Packets(8) >= n2+10 }); err != nil {
				t.Error(err)
			}
			lost2 := capture.Lost(8)
			if got := attacker.got.Load(); got != 0 {
				t.Errorf("the attacker at 127.0.0.2 received %d packets of the call", got)
			}
			t.Logf("caller's audio at the target: %.1f packets/s before the spray, %.1f during; %d lost before, %d during",
				float64(n1-n0)/1.5, float64(n2-n1)/2, lost1, lost2-lost1)
			if during := n2 - n1; during < 30 {
				t.Errorf("%d of the caller's packets reached the target during the 2 s spray, want about 66", during)
			}
			if lost := lost2 - lost1; lost > (n2-n1)/50 {
				t.Errorf("%d of the caller's packets went missing during the spray (%d arrived)", lost, n2-n1)
			}

			if err := caller.Wait(ctx); err != nil {
				t.Fatalf("caller scenario: %v", err)
			}
			if err := target.Wait(ctx); err != nil {
				t.Fatalf("target scenario: %v", err)
			}
			// The gateway's media ports for the call were in the sprayed
			// range (else the test proves nothing).
			if port := offeredPort(t, target); port < lo || port > hi {
				t.Errorf("the gateway offered the target media port %d, outside %s", port, sprayed)
			}
			// The drops are logged, but not once per packet.
			if n := strings.Count(logs.String(), "media: dropped RTP from an unexpected source"); n == 0 || n > 4 {
				t.Errorf("%d log lines about dropped RTP, want 1 to 4 (per call leg, rate-limited)", n)
			}
		})
	}
}

// attacker is a UDP socket on another loopback address (another host)
// counting whatever reaches it.
type attacker struct {
	conn *net.UDPConn
	got  atomic.Int64
}

func listenAttacker(t *testing.T) *attacker {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatalf("bind 127.0.0.2 (Linux routes all of 127/8 to lo): %v", err)
	}
	a := &attacker{conn: c}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			if _, _, err := c.ReadFromUDP(buf); err != nil {
				return
			}
			a.got.Add(1)
		}
	}()
	t.Cleanup(func() {
		c.Close()
		<-done
	})
	return a
}

// spray sends one valid RTP packet (PCMU, which the call does not use, so
// only latching could make it matter) to every port of lo-hi, every 10 ms,
// for d.
func (a *attacker) spray(t *testing.T, lo, hi int, d time.Duration) {
	t.Helper()
	p := rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 0, SSRC: 0x0bad0bad},
		Payload: make([]byte, 160),
	}
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		p.SequenceNumber++
		p.Timestamp += 160
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		for port := lo; port <= hi; port++ {
			to := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port))
			if _, err := a.conn.WriteToUDPAddrPort(b, to); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// offeredPort is the media port of the SDP in the INVITE SIPp received.
func offeredPort(t *testing.T, s *siptest.Sipp) int {
	t.Helper()
	msgs, err := os.ReadFile(filepath.Join(s.Dir, "messages.log"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`m=audio (\d+) `).FindSubmatch(msgs)
	if m == nil {
		t.Fatalf("no SDP in the target's messages:\n%s", msgs)
	}
	port, _ := strconv.Atoi(string(m[1]))
	return port
}
