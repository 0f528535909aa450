package jingle

import (
	"fmt"
	"strconv"
	"strings"
)

// Supported reports whether the bridge uses c: ICE component 1 (RTP, with
// rtcp-mux) over UDP. Component-2 (RTCP) and TCP candidates are dropped.
func (c Candidate) Supported() bool {
	return c.Component == 1 && strings.EqualFold(c.Protocol, "udp")
}

func validCandidateType(t string) bool {
	return t == CandidateHost || t == CandidateSrflx || t == CandidatePrflx || t == CandidateRelay
}

func (c Candidate) validate() error {
	switch {
	case !isToken(c.Foundation):
		return fmt.Errorf("%w: foundation %q", ErrBadCandidate, c.Foundation)
	case c.Component == 0:
		return fmt.Errorf("%w: component 0", ErrBadCandidate)
	case !isToken(c.Protocol):
		return fmt.Errorf("%w: protocol %q", ErrBadCandidate, c.Protocol)
	case !isToken(c.IP):
		return fmt.Errorf("%w: ip %q", ErrBadCandidate, c.IP)
	case c.Port == 0:
		return fmt.Errorf("%w: port 0", ErrBadCandidate)
	case !validCandidateType(c.Type):
		return fmt.Errorf("%w: type %q", ErrBadCandidate, c.Type)
	case c.RelAddr != "" && !isToken(c.RelAddr):
		return fmt.Errorf("%w: rel-addr %q", ErrBadCandidate, c.RelAddr)
	}
	return nil
}

// SDP returns c as the value of an SDP candidate attribute, starting with
// "candidate:" as pion's ICECandidateInit.Candidate wants it. Related
// address and port are written when RelAddr is set.
func (c Candidate) SDP() (string, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	return "candidate:" + c.sdpValue(), nil
}

// sdpValue is the attribute value after "candidate:"; c must be valid.
func (c Candidate) sdpValue() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d %s %d %s %d typ %s", c.Foundation, c.Component,
		strings.ToLower(c.Protocol), c.Priority, c.IP, c.Port, c.Type)
	if c.RelAddr != "" {
		fmt.Fprintf(&b, " raddr %s rport %d", c.RelAddr, c.RelPort)
	}
	fmt.Fprintf(&b, " generation %d", c.Generation)
	if c.Network != 0 {
		fmt.Fprintf(&b, " network-id %d", c.Network)
	}
	return b.String()
}

// ParseCandidate reads an SDP candidate ("candidate:1 1 udp 2122260223
// 192.0.2.1 54321 typ host generation 0", with or without the "a=" and
// "candidate:" prefixes) into a Candidate whose ID is id. Unknown
// extension attributes (ufrag, network-cost, tcptype) are ignored.
func ParseCandidate(s, id string) (Candidate, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "a=")
	s = strings.TrimPrefix(s, "candidate:")
	f := strings.Fields(s)
	if len(f) < 8 || f[6] != "typ" {
		return Candidate{}, fmt.Errorf("%w: %q", ErrBadCandidate, s)
	}
	comp, err1 := strconv.ParseUint(f[1], 10, 8)
	prio, err2 := strconv.ParseUint(f[3], 10, 32)
	port, err3 := strconv.ParseUint(f[5], 10, 16)
	if err1 != nil || err2 != nil || err3 != nil {
		return Candidate{}, fmt.Errorf("%w: %q", ErrBadCandidate, s)
	}
	c := Candidate{
		Foundation: f[0],
		Component:  uint8(comp),
		Protocol:   strings.ToLower(f[2]),
		Priority:   uint32(prio),
		IP:         f[4],
		Port:       uint16(port),
		Type:       f[7],
		ID:         id,
	}
	ext := f[8:]
	if len(ext)%2 != 0 {
		return Candidate{}, fmt.Errorf("%w: odd extension fields in %q", ErrBadCandidate, s)
	}
	for i := 0; i < len(ext); i += 2 {
		k, v := ext[i], ext[i+1]
		var err error
		switch k {
		case "raddr":
			c.RelAddr = v
		case "rport":
			var n uint64
			n, err = strconv.ParseUint(v, 10, 16)
			c.RelPort = uint16(n)
		case "generation":
			var n uint64
			n, err = strconv.ParseUint(v, 10, 32)
			c.Generation = uint32(n)
		case "network-id":
			var n uint64
			n, err = strconv.ParseUint(v, 10, 32)
			c.Network = uint32(n)
		}
		if err != nil {
			return Candidate{}, fmt.Errorf("%w: %s %q", ErrBadCandidate, k, v)
		}
	}
	if err := c.validate(); err != nil {
		return Candidate{}, err
	}
	return c, nil
}

// isToken reports whether s is a non-empty run of visible ASCII: safe to
// put in an SDP line and in XML.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// isText reports whether s is printable ASCII (spaces allowed) without
// leading or trailing space.
func isText(s string) bool {
	if s != strings.TrimSpace(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
