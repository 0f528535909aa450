package trunk

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/siptest"
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
	set := Settings{InboundUsername: "carrier", InboundPassword: "s3cret"}
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
