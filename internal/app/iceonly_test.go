package app

import (
	"encoding/binary"
	"net"
	"sync/atomic"
	"testing"

	"github.com/pion/stun/v4"
)

// iceOnly plays a Jingle client that completes ICE with the gateway but
// never answers DTLS: it answers the gateway's connectivity checks, sends
// its own with USE-CANDIDATE (it is the controlling agent), and counts the
// DTLS records that arrive.
type iceOnly struct {
	conn        *net.UDPConn
	ufrag, pwd  string
	dtlsRecords atomic.Int32
	nominated   atomic.Bool // the gateway answered our nominating check
	done        chan struct{}
}

func startICEOnly(t *testing.T) *iceOnly {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &iceOnly{conn: conn, ufrag: "fake", pwd: "0123456789abcdefghijkl", done: make(chan struct{})}
	go p.serve()
	t.Cleanup(func() {
		conn.Close()
		<-p.done
	})
	return p
}

func (p *iceOnly) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

func (p *iceOnly) serve() {
	defer close(p.done)
	buf := make([]byte, 1500)
	for {
		n, from, err := p.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		b := buf[:n]
		switch {
		case stun.IsMessage(b):
			m := &stun.Message{Raw: append([]byte(nil), b...)}
			if m.Decode() != nil {
				continue
			}
			switch m.Type {
			case stun.BindingRequest:
				res, err := stun.Build(m, stun.BindingSuccess,
					&stun.XORMappedAddress{IP: from.IP, Port: from.Port},
					stun.NewShortTermIntegrity(p.pwd), stun.Fingerprint)
				if err == nil {
					_, _ = p.conn.WriteToUDP(res.Raw, from)
				}
			case stun.BindingSuccess:
				p.nominated.Store(true)
			}
		case b[0] >= 20 && b[0] <= 63: // RFC 7983: DTLS
			p.dtlsRecords.Add(1)
		}
	}
}

// check sends one nominating connectivity check to the gateway's candidate.
func (p *iceOnly) check(to *net.UDPAddr, gwUfrag, gwPwd string) error {
	prio := make([]byte, 4)
	binary.BigEndian.PutUint32(prio, 2130706431)
	tie := make([]byte, 8)
	binary.BigEndian.PutUint64(tie, 0x0102030405060708)
	m, err := stun.Build(stun.TransactionID, stun.BindingRequest,
		stun.NewUsername(gwUfrag+":"+p.ufrag),
		stun.RawAttribute{Type: stun.AttrPriority, Value: prio},
		stun.RawAttribute{Type: stun.AttrICEControlling, Value: tie},
		stun.RawAttribute{Type: stun.AttrUseCandidate},
		stun.NewShortTermIntegrity(gwPwd), stun.Fingerprint)
	if err != nil {
		return err
	}
	_, err = p.conn.WriteToUDP(m.Raw, to)
	return err
}
