package bridge

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/pion/sdp/v3"

	"github.com/switchboard-gw/switchboard/jingle/media"
)

// ErrNoG711 means a peer offered no codec the bridge can pass through.
var ErrNoG711 = errors.New("bridge: no G.711 codec in common (PCMU or PCMA)")

// G711Codecs are the payload types the bridge offers: PCMU, PCMA and
// telephone-event.
func G711Codecs() []media.Codec { return append([]media.Codec(nil), sipCodecs...) }

// sipCodecs are what the bridge offers the trunk, in preference order.
var sipCodecs = []media.Codec{
	{Name: "PCMU", ClockRate: 8000, PT: 0},
	{Name: "PCMA", ClockRate: 8000, PT: 8},
	{Name: "telephone-event", ClockRate: 8000, PT: 101},
}

// PlainSDP writes a plain RTP/AVP audio description (as the bridge sends
// to trunks) for the given payload types and direction.
func PlainSDP(ip netip.Addr, port uint16, codecs []media.Codec, dir string) []byte {
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

// PlainMedia is what the bridge needs from a plain RTP/AVP description
// (a trunk's, or the softphone's).
type PlainMedia struct {
	Addr   netip.AddrPort // where to send RTP
	Codecs []media.Codec  // relayable payload types, in the peer's order
	Dir    string         // sendrecv, sendonly, recvonly or inactive
}

// ParsePlainSDP reads the first audio stream of a plain RTP/AVP
// description (a trunk's, or the softphone's). It fails when no G.711
// codec is offered.
func ParsePlainSDP(b []byte) (PlainMedia, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(b)); err != nil {
		return PlainMedia{}, fmt.Errorf("bridge: bad SDP from the trunk: %w", err)
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
			return PlainMedia{}, errors.New("bridge: trunk SDP has no connection address")
		}
		ip, err := netip.ParseAddr(conn.Address.Address)
		if err != nil {
			return PlainMedia{}, fmt.Errorf("bridge: trunk SDP address %q is not an IP address", conn.Address.Address)
		}
		m := PlainMedia{Addr: netip.AddrPortFrom(ip, uint16(md.MediaName.Port.Value)), Dir: "sendrecv"}
		for _, c := range media.Codecs(md) {
			for _, want := range sipCodecs {
				if strings.EqualFold(c.Name, want.Name) && c.ClockRate == want.ClockRate {
					m.Codecs = append(m.Codecs, c)
				}
			}
		}
		for _, a := range append(sd.Attributes, md.Attributes...) {
			switch a.Key {
			case "sendrecv", "sendonly", "recvonly", "inactive":
				m.Dir = a.Key
			}
		}
		if !hasG711(m.Codecs) {
			return m, ErrNoG711
		}
		return m, nil
	}
	return PlainMedia{}, errors.New("bridge: trunk SDP has no audio stream")
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
