package trunk

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
)

// untrusted plays another host on loopback: not the trunk (127.0.0.1).
const untrusted = "127.0.0.2"

// refusingHandler fails the test if a call reaches it.
func refusingHandler(t *testing.T) Handler {
	return handlerFunc(func(ctx context.Context, in *Incoming) {
		t.Errorf("a call from an untrusted source reached the handler: from %q to %q", in.From, in.To)
		_ = in.Reject(500, "Server Internal Error")
	})
}

// TestUntrustedInvite: an INVITE from an address that is not the trunk
// (the toll-fraud attack of issue 8) gets 403 and never reaches the
// handler; the same address listed in trusted is taken.
func TestUntrustedInvite(t *testing.T) {
	t.Run("default: only the trunk host", func(t *testing.T) {
		tr := startTrunk(t, Settings{}, refusingHandler(t))
		s := startCaller(t, tr, siptest.Options{Scenario: "uac_reject.xml", LocalIP: untrusted, Replace: map[string]string{"CODE": "403"}})
		s.MustPass(t)
	})
	t.Run("listed in trusted", func(t *testing.T) {
		got := make(chan *Incoming, 1)
		tr := startTrunk(t, Settings{Trusted: []string{"127.0.0.0/30"}}, handlerFunc(func(ctx context.Context, in *Incoming) {
			got <- in
			_ = in.Reject(486, "Busy Here")
		}))
		s := startCaller(t, tr, siptest.Options{Scenario: "uac_reject.xml", LocalIP: untrusted, Replace: map[string]string{"CODE": "486"}})
		s.MustPass(t)
		if in := <-got; !in.Trusted || in.From != "+15557654321" {
			t.Errorf("Trusted, From = %v, %q; want true, +15557654321", in.Trusted, in.From)
		}
	})
}

// TestInboundDigest: with inbound credentials an untrusted source is
// challenged; the right password lets the call in, but its caller identity
// (a spoofed P-Asserted-Identity) is not believed; a wrong one gets 403.
func TestInboundDigest(t *testing.T) {
	var logs syncbuf.Buffer
	set := Settings{InboundUsername: "carrier", InboundPassword: "s3cret",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	t.Cleanup(func() {
		if strings.Contains(logs.String(), "s3cret") {
			t.Errorf("the inbound password is in the logs:\n%s", logs.String())
		}
	})
	t.Run("right password", func(t *testing.T) {
		got := make(chan *Incoming, 1)
		tr := startTrunk(t, set, handlerFunc(func(ctx context.Context, in *Incoming) {
			got <- in
			_ = in.Reject(486, "Busy Here")
		}))
		s := startCaller(t, tr, siptest.Options{Scenario: "uac_auth.xml", LocalIP: untrusted,
			Replace: map[string]string{"USER": "carrier", "PASS": "s3cret", "CODE": "486"}})
		s.MustPass(t)
		in := <-got
		if in.Trusted || in.From != "" {
			t.Errorf("Trusted, From = %v, %q; want false and no caller (the P-Asserted-Identity is spoofed)", in.Trusted, in.From)
		}
		if in.To != callee {
			t.Errorf("To = %q, want %q", in.To, callee)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		tr := startTrunk(t, set, refusingHandler(t))
		s := startCaller(t, tr, siptest.Options{Scenario: "uac_auth.xml", LocalIP: untrusted,
			Replace: map[string]string{"USER": "carrier", "PASS": "guess", "CODE": "403"}})
		s.MustPass(t)
	})
}

// TestRefusalsRateLimited: a flood of malformed datagrams and of INVITEs
// from an untrusted source logs a line or two, not one per packet; every
// INVITE still gets its 403.
func TestRefusalsRateLimited(t *testing.T) {
	tr := startTrunk(t, Settings{}, refusingHandler(t))
	conn, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.ParseIP(untrusted)}, mustUDPAddr(t, tr.set.Listen))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	laddr := conn.LocalAddr().String()
	for i := range 200 {
		if _, err := fmt.Fprintf(conn, "\x01garbage %d", i); err != nil {
			t.Fatal(err)
		}
	}
	const invites = 50
	for i := range invites {
		inv := "INVITE sip:" + callee + "@" + tr.set.Listen + " SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP " + laddr + fmt.Sprintf(";branch=z9hG4bK-flood%d\r\n", i) +
			"From: <sip:+14155550123@" + laddr + fmt.Sprintf(">;tag=f%d\r\n", i) +
			"To: <sip:" + callee + "@" + tr.set.Listen + ">\r\n" +
			fmt.Sprintf("Call-ID: flood-%d\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n", i) +
			"Contact: <sip:+14155550123@" + laddr + ">\r\n" +
			"Content-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n"
		if _, err := conn.Write([]byte(inv)); err != nil {
			t.Fatal(err)
		}
	}
	forbidden := 0
	buf := make([]byte, 4096)
	deadline := time.Now().Add(waitLong)
	for forbidden < invites && time.Now().Before(deadline) {
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			continue
		}
		if strings.HasPrefix(string(buf[:n]), "SIP/2.0 403") {
			forbidden++
		}
	}
	if forbidden != invites {
		t.Errorf("%d of %d INVITEs got 403", forbidden, invites)
	}
	time.Sleep(100 * time.Millisecond) // the last datagrams' handlers
	if n := tr.logs.countLevel(slog.LevelWarn); n > 2 {
		t.Errorf("%d log lines for 200 malformed datagrams and %d refused INVITEs; want a couple:\n%s", n, invites, tr.logs.dump())
	}
}

func mustUDPAddr(t *testing.T, s string) *net.UDPAddr {
	t.Helper()
	a, err := net.ResolveUDPAddr("udp4", s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestInDialogFromElsewhere: a BYE or re-INVITE for an established call
// from an address that is neither trusted nor the call's peer gets 403 and
// leaves the call up; the peer's BYE ends it.
func TestInDialogFromElsewhere(t *testing.T) {
	answered := make(chan *Call, 1)
	media := rtpSocket(t)
	tr := startTrunk(t, Settings{}, handlerFunc(func(ctx context.Context, in *Incoming) {
		c, err := in.Answer(ctx, siptest.SDP(media.LocalAddr().(*net.UDPAddr), ""))
		if err != nil {
			t.Errorf("Answer: %v", err)
			return
		}
		answered <- c
	}))
	peer := udpFrom(t, "127.0.0.1", tr.set.Listen)
	other := udpFrom(t, untrusted, tr.set.Listen)
	paddr := peer.LocalAddr().String()

	from := "<sip:+15557654321@" + paddr + ">;tag=caller1"
	sdp := string(siptest.SDP(media.LocalAddr().(*net.UDPAddr), ""))
	send(t, peer, "INVITE sip:"+callee+"@"+tr.set.Listen+" SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP "+paddr+";branch=z9hG4bK-inv1\r\n"+
		"From: "+from+"\r\nTo: <sip:"+callee+"@"+tr.set.Listen+">\r\n"+
		"Call-ID: dialog-1\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@"+paddr+">\r\nMax-Forwards: 70\r\n"+
		"Content-Type: application/sdp\r\n"+fmt.Sprintf("Content-Length: %d\r\n\r\n", len(sdp))+sdp)
	ok := expectResponse(t, peer, 200, "INVITE")
	toTag, _ := ok.To().Params.Get("tag")
	to := "<sip:" + callee + "@" + tr.set.Listen + ">;tag=" + toTag
	send(t, peer, "ACK sip:"+tr.set.Listen+" SIP/2.0\r\nVia: SIP/2.0/UDP "+paddr+";branch=z9hG4bK-ack1\r\n"+
		"From: "+from+"\r\nTo: "+to+"\r\nCall-ID: dialog-1\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
	var call *Call
	select {
	case call = <-answered:
	case <-time.After(waitLong):
		t.Fatal("not answered")
	}

	oaddr := other.LocalAddr().String()
	send(t, other, "BYE sip:"+tr.set.Listen+" SIP/2.0\r\nVia: SIP/2.0/UDP "+oaddr+";branch=z9hG4bK-bye-x\r\n"+
		"From: "+from+"\r\nTo: "+to+"\r\nCall-ID: dialog-1\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
	expectResponse(t, other, 403, "BYE")
	send(t, other, "INVITE sip:"+tr.set.Listen+" SIP/2.0\r\nVia: SIP/2.0/UDP "+oaddr+";branch=z9hG4bK-reinv-x\r\n"+
		"From: "+from+"\r\nTo: "+to+"\r\nCall-ID: dialog-1\r\nCSeq: 3 INVITE\r\nContact: <sip:x@"+oaddr+">\r\nMax-Forwards: 70\r\n"+
		"Content-Type: application/sdp\r\n"+fmt.Sprintf("Content-Length: %d\r\n\r\n", len(sdp))+sdp)
	expectResponse(t, other, 403, "INVITE")
	select {
	case <-call.Done():
		t.Fatal("a BYE from another address ended the call")
	case <-time.After(200 * time.Millisecond):
	}

	send(t, peer, "BYE sip:"+tr.set.Listen+" SIP/2.0\r\nVia: SIP/2.0/UDP "+paddr+";branch=z9hG4bK-bye1\r\n"+
		"From: "+from+"\r\nTo: "+to+"\r\nCall-ID: dialog-1\r\nCSeq: 4 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
	expectResponse(t, peer, 200, "BYE")
	select {
	case <-call.Done():
	case <-time.After(waitLong):
		t.Fatal("the peer's BYE did not end the call")
	}
}

func udpFrom(t *testing.T, ip, to string) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)}, mustUDPAddr(t, to))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t *testing.T, c *net.UDPConn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// expectResponse reads until a final response to method arrives and
// checks its code.
func expectResponse(t *testing.T, c *net.UDPConn, code int, method string) *sip.Response {
	t.Helper()
	buf := make([]byte, 8192)
	deadline := time.Now().Add(waitLong)
	for time.Now().Before(deadline) {
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		n, err := c.Read(buf)
		if err != nil {
			continue
		}
		msg, err := sip.NewParser().ParseSIP(buf[:n])
		if err != nil {
			t.Fatalf("unparsable answer: %v\n%s", err, buf[:n])
		}
		res, ok := msg.(*sip.Response)
		if !ok || res.StatusCode < 200 || res.CSeq() == nil || res.CSeq().MethodName.String() != method {
			continue
		}
		if res.StatusCode != code {
			t.Fatalf("%s answered %d %s, want %d", method, res.StatusCode, res.Reason, code)
		}
		return res
	}
	t.Fatalf("no final response to %s", method)
	return nil
}
