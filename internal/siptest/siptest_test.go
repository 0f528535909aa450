package siptest

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func TestSDPRoundTrip(t *testing.T) {
	addr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	m, err := ParseMedia(SDP(addr, "sendonly"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Addr.String() != addr.String() || m.Direction != "sendonly" || strings.Join(m.Formats, " ") != "0 8 101" {
		t.Errorf("ParseMedia = %+v", m)
	}
	if _, err := ParseMedia([]byte("v=0\r\n")); err == nil {
		t.Error("ParseMedia accepted an SDP without media")
	}
}

func TestFreeUDPPorts(t *testing.T) {
	p, err := FreeUDPPorts(4)
	if err != nil {
		t.Fatal(err)
	}
	if p%2 != 0 || !udpFreeOn("127.0.0.1", p, 4) {
		t.Errorf("FreeUDPPorts = %d: odd or taken", p)
	}
}

func TestScenariosEmbedded(t *testing.T) {
	entries, err := scenarios.ReadDir("scenarios")
	if err != nil || len(entries) == 0 {
		t.Fatalf("embedded scenarios: %v, %d", err, len(entries))
	}
}

// TestBindErrorRecognised: SIPp that cannot bind its port is reported as
// errBind, which Start retries with new ports when it chose them.
func TestBindErrorRecognised(t *testing.T) {
	if testing.Short() {
		t.Skip("siptest: starts SIPp (skipped with -short)")
	}
	if _, err := Binary(); err != nil {
		t.Fatal(err)
	}
	held, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.LocalAddr().(*net.UDPAddr).Port
	s, err := start(t.TempDir(), Options{Scenario: "uas_answer.xml", Port: port})
	if err == nil {
		s.kill()
		t.Fatal("SIPp started on a port someone holds")
	}
	if !errors.Is(err, errBind) {
		t.Fatalf("start = %v, want errBind", err)
	}
}

func TestSeqSpan(t *testing.T) {
	for _, tt := range []struct {
		name string
		seqs []uint16
		lost int
	}{
		{name: "in order", seqs: []uint16{10, 11, 12, 13}},
		{name: "gaps", seqs: []uint16{10, 12, 15}, lost: 3},
		{name: "reordered", seqs: []uint16{10, 12, 11, 13}},
		{name: "across the wrap", seqs: []uint16{65534, 65535, 0, 2}, lost: 1},
		{name: "late packet before the first", seqs: []uint16{1, 65535, 2}, lost: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &seqSpan{}
			for _, q := range tt.seqs {
				s.add(q)
			}
			c := &Capture{seqs: map[uint8]*seqSpan{8: s}}
			if got := c.Lost(8); got != tt.lost {
				t.Errorf("Lost = %d, want %d", got, tt.lost)
			}
		})
	}
}
