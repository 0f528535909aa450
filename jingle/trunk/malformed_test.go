package trunk

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestMalformed: garbage and half-formed SIP on the listening socket do not
// crash the trunk, and it still answers an OPTIONS ping afterwards.
func TestMalformed(t *testing.T) {
	tr := startTrunk(t, Settings{}, nil)
	conn, err := net.Dial("udp4", tr.set.Listen)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, junk := range []string{
		"\x00\x01\x02garbage",
		"INVITE\r\n\r\n",
		"INVITE sip:+1@h SIP/2.0\r\nVia: broken\r\n\r\n",
		"INVITE sip:+1@h SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK1\r\nCSeq: x INVITE\r\n\r\n",
		"BYE sip:+1@h SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK2\r\nCSeq: 1 BYE\r\nContent-Length: 99999\r\n\r\n",
		"SIP/2.0 200 OK\r\n\r\n",
		strings.Repeat("A", 2000),
	} {
		if _, err := conn.Write([]byte(junk)); err != nil {
			t.Fatal(err)
		}
	}
	laddr := conn.LocalAddr().String()
	options := "OPTIONS sip:" + tr.set.Listen + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + laddr + ";branch=z9hG4bK-ping\r\n" +
		"From: <sip:ping@" + laddr + ">;tag=p1\r\n" +
		"To: <sip:" + tr.set.Listen + ">\r\n" +
		"Call-ID: ping-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	buf := make([]byte, 4096)
	deadline := time.Now().Add(waitLong)
	for time.Now().Before(deadline) {
		if _, err := conn.Write([]byte(options)); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		for {
			n, err := conn.Read(buf)
			if err != nil {
				break
			}
			if strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") && strings.Contains(string(buf[:n]), "ping-1") {
				return
			}
		}
	}
	t.Fatal("no 200 to OPTIONS after malformed input")
}
