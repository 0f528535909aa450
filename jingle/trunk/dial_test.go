package trunk

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-gw/switchboard/internal/siptest"
)

// progressLog records the provisional responses Dial reports.
type progressLog struct {
	mu    sync.Mutex
	codes []int
}

func (p *progressLog) add(code int) {
	p.mu.Lock()
	p.codes = append(p.codes, code)
	p.mu.Unlock()
}

func (p *progressLog) get() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.codes)
}

// TestDialAnswered: SIPp answers with RTP echo; RTP we send comes back,
// and Hangup's BYE completes its scenario.
func TestDialAnswered(t *testing.T) {
	s := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml", RTPEcho: true})
	tr := startTrunk(t, Settings{Trunk: "sip:" + s.Addr}, nil)
	media := rtpSocket(t)

	var prog progressLog
	call, err := tr.Dial(ctxLong(t), "+15557654321", "+15550001111", siptest.SDP(media.LocalAddr().(*net.UDPAddr), ""), prog.add)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if got := prog.get(); !slices.Contains(got, 180) {
		t.Errorf("progress = %v; want 180", got)
	}
	if call.ID() == "" {
		t.Error("empty Call-ID")
	}
	m, err := siptest.ParseMedia(call.RemoteSDP())
	if err != nil {
		t.Fatalf("answer SDP %q: %v", call.RemoteSDP(), err)
	}
	if m.Addr.Port != s.MediaPort {
		t.Errorf("answer media port %d; want sipp's %d", m.Addr.Port, s.MediaPort)
	}
	if n := echoRTP(t, media, m.Addr, 20); n == 0 {
		t.Fatal("no RTP echoed back")
	}

	if err := call.Hangup(ctxLong(t)); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	select {
	case <-call.Done():
	default:
		t.Error("Done not closed after Hangup")
	}
	if call.EndedByRemote() {
		t.Error("EndedByRemote after our Hangup")
	}
	if err := call.Hangup(ctxLong(t)); err != nil {
		t.Errorf("second Hangup: %v", err)
	}
	s.MustPass(t)
}

// echoRTP sends n PCMU packets to dst and counts the ones that come back
// unchanged.
func echoRTP(t *testing.T, conn *net.UDPConn, dst *net.UDPAddr, n int) int {
	t.Helper()
	sent := map[uint16]bool{}
	for i := range n {
		p := rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(1000 + i), Timestamp: uint32(160 * i), SSRC: 0x5eed},
			Payload: make([]byte, 160),
		}
		for j := range p.Payload {
			p.Payload[j] = 0xff // PCMU silence
		}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.WriteToUDP(b, dst); err != nil {
			t.Fatal(err)
		}
		sent[p.SequenceNumber] = true
		time.Sleep(20 * time.Millisecond)
	}
	got := 0
	buf := make([]byte, 1500)
	for got < n {
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		k, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			break
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:k]); err != nil {
			t.Errorf("echoed packet does not parse: %v", err)
			continue
		}
		if p.PayloadType == 0 && p.SSRC == 0x5eed && sent[p.SequenceNumber] {
			got++
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	t.Logf("%d of %d RTP packets echoed", got, n)
	return got
}

// TestDialRejected: final error responses become *StatusError and the
// transaction layer ACKs them (SIPp waits for the ACK).
func TestDialRejected(t *testing.T) {
	for _, tc := range []struct {
		code   int
		reason string
	}{
		{486, "Busy Here"},
		{603, "Decline"},
		{404, "Not Found"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			s := siptest.Start(t, siptest.Options{Scenario: "uas_reject.xml",
				Replace: map[string]string{"CODE": itoa(tc.code), "REASON": tc.reason}})
			tr := startTrunk(t, Settings{Trunk: "sip:" + s.Addr}, nil)
			_, err := tr.Dial(ctxLong(t), "+15557654321", "+15550001111", siptest.SDP(rtpSocket(t).LocalAddr().(*net.UDPAddr), ""), nil)
			var se *StatusError
			if !errors.As(err, &se) || se.Code != tc.code || se.Reason != tc.reason {
				t.Fatalf("Dial = %v; want StatusError %d %s", err, tc.code, tc.reason)
			}
			if want := "trunk: call failed: " + itoa(tc.code) + " " + tc.reason; se.Error() != want {
				t.Errorf("Error() = %q; want %q", se.Error(), want)
			}
			s.MustPass(t)
		})
	}
}

// TestDialAuth: SIPp challenges the INVITE and checks the digest. For
// 401 it checks with its own verifyauth; verifyauth reads only
// Authorization, so for 407 it compares the Proxy-Authorization response
// with one this test computes by hand (RFC 2617, no qop).
func TestDialAuth(t *testing.T) {
	const user, pass = "gw", "s3cret"
	for _, tc := range []struct {
		name      string
		challenge int
		password  string
		ok        bool
	}{
		{"407 right password", 407, pass, true},
		{"407 wrong password", 407, "wrong", false},
		{"401 right password", 401, pass, true},
		{"401 wrong password", 401, "wrong", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port, err := siptest.FreeUDPPort()
			if err != nil {
				t.Fatal(err)
			}
			uri := "sip:+15550001111@127.0.0.1:" + itoa(port)
			repl := map[string]string{
				"CHALLENGE":     "401 Unauthorized",
				"CHALLENGE_HDR": "WWW-Authenticate",
				"VERIFY":        `<verifyauth assign_to="authok" username="` + user + `" password="` + pass + `"/>`,
			}
			if tc.challenge == 407 {
				want := digestMD5(user, "sipp.test", pass, "INVITE", uri, "c4a1f0e2d3b5")
				repl["CHALLENGE"] = "407 Proxy Authentication Required"
				repl["CHALLENGE_HDR"] = "Proxy-Authenticate"
				repl["VERIFY"] = `<ereg regexp="Digest .*response=&quot;([0-9a-f]*)&quot;" search_in="hdr" header="Proxy-Authorization:" assign_to="whole,resp"/>
      <strcmp assign_to="cmp" variable="resp" value="` + want + `"/>
      <test assign_to="authok" variable="cmp" compare="equal" value="0"/>
      <log message="proxy-authorization: [$whole]"/>`
			}
			s := siptest.Start(t, siptest.Options{Scenario: "uas_auth.xml", Port: port, Replace: repl})
			tr := startTrunk(t, Settings{Trunk: "sip:" + s.Addr, Username: user, Password: tc.password}, nil)
			call, err := tr.Dial(ctxLong(t), "+15557654321", "+15550001111", siptest.SDP(rtpSocket(t).LocalAddr().(*net.UDPAddr), ""), nil)
			if tc.ok {
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				if err := call.Hangup(ctxLong(t)); err != nil {
					t.Fatalf("Hangup: %v", err)
				}
			} else {
				var se *StatusError
				if !errors.As(err, &se) || se.Code != tc.challenge {
					t.Fatalf("Dial = %v; want StatusError %d", err, tc.challenge)
				}
			}
			s.MustPass(t)
		})
	}
}

// digestMD5 is RFC 2617's response without qop, written out independently
// of the digest package the trunk uses.
func digestMD5(user, realm, pass, method, uri, nonce string) string {
	h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	return h(h(user+":"+realm+":"+pass) + ":" + nonce + ":" + h(method+":"+uri))
}

// TestDialCancelled: cancelling ctx while it rings sends CANCEL; SIPp
// answers 487 and gets its ACK.
func TestDialCancelled(t *testing.T) {
	s := siptest.Start(t, siptest.Options{Scenario: "uas_cancel.xml"})
	tr := startTrunk(t, Settings{Trunk: "sip:" + s.Addr}, nil)
	ctx, cancel := context.WithCancel(ctxLong(t))
	defer cancel()
	_, err := tr.Dial(ctx, "+15557654321", "+15550001111", siptest.SDP(rtpSocket(t).LocalAddr().(*net.UDPAddr), ""),
		func(code int) {
			if code == 180 {
				cancel()
			}
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial = %v; want context.Canceled", err)
	}
	s.MustPass(t)
}

// TestStopHangsUp: stopping Run sends BYE for a call still up.
func TestStopHangsUp(t *testing.T) {
	s := siptest.Start(t, siptest.Options{Scenario: "uas_answer.xml"})
	tr := startTrunk(t, Settings{Trunk: "sip:" + s.Addr}, nil)
	call, err := tr.Dial(ctxLong(t), "+15557654321", "+15550001111", siptest.SDP(rtpSocket(t).LocalAddr().(*net.UDPAddr), ""), nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	tr.stop(t)
	select {
	case <-call.Done():
	default:
		t.Error("call not Done after Run returned")
	}
	s.MustPass(t)
	if _, err := tr.Dial(ctxLong(t), "+15557654321", "+15550001111", nil, nil); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Dial after Run = %v; want ErrNotRunning", err)
	}
}
