package voice

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/pion/sdp/v3"

	"github.com/switchboard-gw/switchboard/media"
)

// ErrNoG711 means a peer offered no codec the bridge can pass through.
var ErrNoG711 = errors.New("voice: no G.711 codec in common (PCMU or PCMA)")

// sipCodecs are what the bridge offers the trunk, in preference order.
var sipCodecs = []media.Codec{
	{Name: "PCMU", ClockRate: 8000, PT: 0},
	{Name: "PCMA", ClockRate: 8000, PT: 8},
	{Name: "telephone-event", ClockRate: 8000, PT: 101},
}

// sipSDP writes a plain RTP/AVP description for the trunk.
func sipSDP(ip netip.Addr, port uint16, codecs []media.Codec, dir string) []byte {
	id := strconv.FormatInt(time.Now().UnixNano()/1000, 10)
	fam := "IP4"
	if ip.Is6() && !ip.Is4In6() {
		fam = "IP6"
	}
	var pts []string
	for _, c := range codecs {
		pts = append(pts, strconv.Itoa(int(c.PT)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=- %s %s IN %s %s\r\ns=Switchboard\r\nc=IN %s %s\r\nt=0 0\r\n", id, id, fam, ip.Unmap(), fam, ip.Unmap())
	fmt.Fprintf(&b, "m=audio %d RTP/AVP %s\r\n", port, strings.Join(pts, " "))
	for _, c := range codecs {
		fmt.Fprintf(&b, "a=rtpmap:%d %s/%d\r\n", c.PT, c.Name, c.ClockRate)
		if strings.EqualFold(c.Name, "telephone-event") {
			fmt.Fprintf(&b, "a=fmtp:%d 0-16\r\n", c.PT)
		}
	}
	fmt.Fprintf(&b, "a=ptime:20\r\na=%s\r\n", dir)
	return []byte(b.String())
}

// sipMedia is what the bridge needs from a trunk's description.
type sipMedia struct {
	addr   netip.AddrPort // where to send RTP
	codecs []media.Codec  // relayable payload types, in the peer's order
	dir    string         // sendrecv, sendonly, recvonly or inactive
}

// parseSIPSDP reads the first audio stream of a trunk's description.
func parseSIPSDP(b []byte) (sipMedia, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(b)); err != nil {
		return sipMedia{}, fmt.Errorf("voice: bad SDP from the trunk: %w", err)
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" || md.MediaName.Port.Value == 0 {
			continue
		}
		conn := md.ConnectionInformation
		if conn == nil {
			conn = sd.ConnectionInformation
		}
		if conn == nil || conn.Address == nil {
			return sipMedia{}, errors.New("voice: trunk SDP has no connection address")
		}
		ip, err := netip.ParseAddr(conn.Address.Address)
		if err != nil {
			return sipMedia{}, fmt.Errorf("voice: trunk SDP address %q is not an IP address", conn.Address.Address)
		}
		m := sipMedia{addr: netip.AddrPortFrom(ip, uint16(md.MediaName.Port.Value)), dir: "sendrecv"}
		for _, c := range media.Codecs(md) {
			for _, want := range sipCodecs {
				if strings.EqualFold(c.Name, want.Name) && c.ClockRate == want.ClockRate {
					m.codecs = append(m.codecs, c)
				}
			}
		}
		for _, a := range append(sd.Attributes, md.Attributes...) {
			switch a.Key {
			case "sendrecv", "sendonly", "recvonly", "inactive":
				m.dir = a.Key
			}
		}
		if !hasG711(m.codecs) {
			return m, ErrNoG711
		}
		return m, nil
	}
	return sipMedia{}, errors.New("voice: trunk SDP has no audio stream")
}

func hasG711(cs []media.Codec) bool {
	for _, c := range cs {
		if strings.EqualFold(c.Name, "PCMU") || strings.EqualFold(c.Name, "PCMA") {
			return true
		}
	}
	return false
}

// answerDirection is the direction that answers an offer's.
func answerDirection(offer string) string {
	switch offer {
	case "sendonly":
		return "recvonly"
	case "recvonly":
		return "sendonly"
	case "inactive":
		return "inactive"
	}
	return "sendrecv"
}
