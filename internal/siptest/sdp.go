package siptest

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/pion/sdp/v3"
)

// SDP returns an audio offer or answer for a test socket at addr with the
// given direction ("" means sendrecv): PCMU (0), PCMA (8) and
// telephone-event (101).
func SDP(addr *net.UDPAddr, direction string) []byte {
	if direction == "" {
		direction = "sendrecv"
	}
	ip := addr.IP.String()
	lines := []string{
		"v=0",
		"o=switchboard 1 1 IN IP4 " + ip,
		"s=-",
		"c=IN IP4 " + ip,
		"t=0 0",
		fmt.Sprintf("m=audio %d RTP/AVP 0 8 101", addr.Port),
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-16",
		"a=" + direction,
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// Media is the audio destination and direction an SDP body announces.
type Media struct {
	Addr      *net.UDPAddr
	Direction string // sendrecv, sendonly, recvonly, inactive
	Formats   []string
}

// ParseMedia reads the first audio m-line of an SDP body.
func ParseMedia(body []byte) (Media, error) {
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(body); err != nil {
		return Media{}, fmt.Errorf("siptest: parse sdp: %w", err)
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		conn := md.ConnectionInformation
		if conn == nil {
			conn = sd.ConnectionInformation
		}
		if conn == nil || conn.Address == nil {
			return Media{}, errors.New("siptest: sdp without c= line")
		}
		ip := net.ParseIP(conn.Address.Address)
		if ip == nil {
			return Media{}, fmt.Errorf("siptest: sdp address %q is not an IP", conn.Address.Address)
		}
		m := Media{
			Addr:      &net.UDPAddr{IP: ip, Port: md.MediaName.Port.Value},
			Direction: "sendrecv",
			Formats:   md.MediaName.Formats,
		}
		for _, a := range md.Attributes {
			switch a.Key {
			case "sendrecv", "sendonly", "recvonly", "inactive":
				m.Direction = a.Key
			}
		}
		return m, nil
	}
	return Media{}, errors.New("siptest: no audio m-line")
}
