package jingle

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// staticPayloadTypes are RFC 3551 payload types an SDP may list without an
// rtpmap line.
var staticPayloadTypes = map[uint8]PayloadType{
	0:  {ID: 0, Name: "PCMU", ClockRate: 8000},
	3:  {ID: 3, Name: "GSM", ClockRate: 8000},
	8:  {ID: 8, Name: "PCMA", ClockRate: 8000},
	9:  {ID: 9, Name: "G722", ClockRate: 8000},
	13: {ID: 13, Name: "CN", ClockRate: 8000},
	18: {ID: 18, Name: "G729", ClockRate: 8000},
}

// FromSDP converts sd, written by author, into a Jingle element with
// action a (one of the actions ToSDP accepts). The caller sets SID,
// Initiator and Responder. Contents are named after a=mid (the m-line
// index when absent) and created by the initiator, except in a content-add
// where the author creates them. m-lines with port 0 (rejected) are left
// out unless marked bundle-only. Dropped on the way: component-2 and TCP
// candidates, a=crypto, a=cryptex, a=msid, a=rtcp-fb trr-int, extmap
// attributes, and every attribute not listed in the package README.
// Session-level ice-ufrag, ice-pwd, fingerprint and setup apply to every
// m-line that lacks its own.
//
// The result is always accepted by ToSDP; an answer that says setup
// actpass is refused (ErrActpassInAnswer).
func FromSDP(sd *sdp.SessionDescription, a Action, author Role) (*Jingle, error) {
	if sd == nil {
		return nil, fmt.Errorf("%w: nil", ErrBadSDP)
	}
	if err := checkRole(a, author); err != nil {
		return nil, err
	}
	j := &Jingle{Action: a}
	creator := CreatorInitiator
	if a == ContentAdd {
		creator = Creator(author)
	}
	session := &sdp.MediaDescription{Attributes: sd.Attributes}
	names := map[string]bool{}
	for i, md := range sd.MediaDescriptions {
		if md == nil {
			continue
		}
		if _, bundleOnly := md.Attribute("bundle-only"); md.MediaName.Port.Value == 0 && !bundleOnly {
			continue
		}
		c, err := mediaToContent(md, session, i, author)
		if err != nil {
			return nil, err
		}
		c.Creator = creator
		if names[c.Name] {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateContent, c.Name)
		}
		names[c.Name] = true
		j.Contents = append(j.Contents, c)
	}
	if len(j.Contents) == 0 {
		return nil, ErrNoContent
	}
	for _, attr := range sd.Attributes {
		if attr.Key != "group" {
			continue
		}
		f := strings.Fields(attr.Value)
		if len(f) == 0 {
			return nil, fmt.Errorf("%w: %q", ErrBadGroup, attr.Value)
		}
		g := Group{Semantics: f[0]}
		for _, name := range f[1:] {
			if names[name] {
				g.Contents = append(g.Contents, GroupContent{Name: name})
			}
		}
		if len(g.Contents) > 0 {
			j.Groups = append(j.Groups, g)
		}
	}
	if _, err := ToSDP(j, author); err != nil {
		return nil, err
	}
	return j, nil
}

func mediaToContent(md, session *sdp.MediaDescription, index int, author Role) (Content, error) {
	media := md.MediaName.Media
	if media != "audio" && media != "video" {
		return Content{}, fmt.Errorf("%w: %q", ErrUnknownMedia, media)
	}
	name, ok := md.Attribute("mid")
	if !ok {
		name = strconv.Itoa(index)
	}
	if !isToken(name) {
		return Content{}, fmt.Errorf("%w: %q", ErrBadName, name)
	}
	d := &RTPDescription{Media: media}
	t := &ICEUDPTransport{}
	c := Content{Name: name, Senders: SendersBoth, Description: d, Transport: t}
	if len(md.MediaName.Formats) == 0 {
		return Content{}, fmt.Errorf("%w: m-line %d", ErrNoPayloadTypes, index)
	}
	d.PayloadTypes = make([]PayloadType, len(md.MediaName.Formats))
	pts := map[uint8]*PayloadType{}
	for i, f := range md.MediaName.Formats {
		id, err := strconv.ParseUint(f, 10, 8)
		if err != nil || id > 127 {
			return Content{}, fmt.Errorf("%w: format %q", ErrBadPayloadType, f)
		}
		if pts[uint8(id)] != nil {
			return Content{}, fmt.Errorf("%w: format %q twice", ErrBadPayloadType, f)
		}
		d.PayloadTypes[i] = PayloadType{ID: uint8(id)}
		pts[uint8(id)] = &d.PayloadTypes[i] // d.PayloadTypes never grows
	}
	ptOf := func(v string) (*PayloadType, string, bool) {
		id, rest, _ := strings.Cut(v, " ")
		n, err := strconv.ParseUint(id, 10, 8)
		if err != nil {
			return nil, "", false
		}
		pt := pts[uint8(n)]
		return pt, strings.TrimSpace(rest), pt != nil
	}

	var ptime, maxptime uint32
	var fingerprints []Fingerprint
	var setup Setup
	sources := map[uint32]int{}
	for _, attr := range md.Attributes {
		v := attr.Value
		switch attr.Key {
		case "sendrecv", "sendonly", "recvonly", "inactive":
			dir, _ := sdp.NewDirection(attr.Key)
			c.Senders = senders(dir, author)
		case "rtcp-mux":
			d.RTCPMux = &Empty{}
		case "extmap-allow-mixed":
			d.ExtmapAllowMixed = &Empty{}
		case "ice-ufrag":
			t.Ufrag = v
		case "ice-pwd":
			t.Pwd = v
		case "fingerprint":
			fp, err := parseFingerprint(v)
			if err != nil {
				return Content{}, err
			}
			fingerprints = append(fingerprints, fp)
		case "setup":
			setup = Setup(v)
		case "ptime", "maxptime":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return Content{}, fmt.Errorf("%w: a=%s:%s", ErrBadSDP, attr.Key, v)
			}
			if attr.Key == "ptime" {
				ptime = uint32(n)
			} else {
				maxptime = uint32(n)
			}
		case "rtpmap":
			pt, rest, ok := ptOf(v)
			if !ok {
				continue
			}
			f := strings.Split(rest, "/")
			if len(f) < 2 || len(f) > 3 {
				return Content{}, fmt.Errorf("%w: a=rtpmap:%s", ErrBadPayloadType, v)
			}
			rate, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil {
				return Content{}, fmt.Errorf("%w: a=rtpmap:%s", ErrBadPayloadType, v)
			}
			pt.Name, pt.ClockRate = f[0], uint32(rate)
			if len(f) == 3 {
				ch, err := strconv.ParseUint(f[2], 10, 8)
				if err != nil {
					return Content{}, fmt.Errorf("%w: a=rtpmap:%s", ErrBadPayloadType, v)
				}
				pt.Channels = uint8(ch)
			}
		case "fmtp":
			pt, rest, ok := ptOf(v)
			if !ok {
				continue
			}
			pt.Parameters = nil
			for _, p := range strings.Split(rest, ";") {
				p = strings.TrimSpace(p)
				if p == "" {
					continue
				}
				name, value, found := strings.Cut(p, "=")
				if !found {
					name, value = "", p
				}
				pt.Parameters = append(pt.Parameters, Parameter{Name: name, Value: value})
			}
		case "rtcp-fb":
			id, rest, _ := strings.Cut(v, " ")
			f := strings.Fields(rest)
			if len(f) == 0 || len(f) > 2 {
				return Content{}, fmt.Errorf("%w: a=rtcp-fb:%s", ErrBadFeedback, v)
			}
			if f[0] == "trr-int" {
				continue
			}
			fb := RTCPFeedback{Type: f[0]}
			if len(f) == 2 {
				fb.Subtype = f[1]
			}
			if id == "*" {
				d.RTCPFeedback = append(d.RTCPFeedback, fb)
			} else if pt, _, ok := ptOf(v); ok {
				pt.RTCPFeedback = append(pt.RTCPFeedback, fb)
			}
		case "extmap":
			x, err := parseExtmap(v, author)
			if err != nil {
				return Content{}, err
			}
			d.HeaderExtensions = append(d.HeaderExtensions, x)
		case "ssrc":
			id, rest, _ := strings.Cut(v, " ")
			n, err := strconv.ParseUint(id, 10, 32)
			if err != nil {
				return Content{}, fmt.Errorf("%w: a=ssrc:%s", ErrBadSource, v)
			}
			i, ok := sources[uint32(n)]
			if !ok {
				i = len(d.Sources)
				sources[uint32(n)] = i
				d.Sources = append(d.Sources, Source{SSRC: uint32(n)})
			}
			if rest = strings.TrimSpace(rest); rest != "" {
				name, value, _ := strings.Cut(rest, ":")
				d.Sources[i].Parameters = append(d.Sources[i].Parameters, Parameter{Name: name, Value: value})
			}
		case "ssrc-group":
			f := strings.Fields(v)
			if len(f) < 2 {
				return Content{}, fmt.Errorf("%w: a=ssrc-group:%s", ErrBadSource, v)
			}
			g := SSRCGroup{Semantics: f[0]}
			for _, s := range f[1:] {
				n, err := strconv.ParseUint(s, 10, 32)
				if err != nil {
					return Content{}, fmt.Errorf("%w: a=ssrc-group:%s", ErrBadSource, v)
				}
				g.Sources = append(g.Sources, Source{SSRC: uint32(n)})
			}
			d.SSRCGroups = append(d.SSRCGroups, g)
		case "candidate":
			cand, err := ParseCandidate(v, fmt.Sprintf("%s-%d", name, len(t.Candidates)))
			if err != nil {
				return Content{}, fmt.Errorf("content %q: %w", name, err)
			}
			if cand.Supported() {
				t.Candidates = append(t.Candidates, cand)
			}
		}
	}
	// Session-level ICE, DTLS and direction attributes fill what the
	// m-line lacks.
	haveDir := false
	for _, attr := range md.Attributes {
		if _, err := sdp.NewDirection(attr.Key); err == nil {
			haveDir = true
		}
	}
	for _, attr := range session.Attributes {
		switch attr.Key {
		case "sendrecv", "sendonly", "recvonly", "inactive":
			if !haveDir {
				dir, _ := sdp.NewDirection(attr.Key)
				c.Senders = senders(dir, author)
			}
		case "ice-ufrag":
			if t.Ufrag == "" {
				t.Ufrag = attr.Value
			}
		case "ice-pwd":
			if t.Pwd == "" {
				t.Pwd = attr.Value
			}
		case "setup":
			if setup == "" {
				setup = Setup(attr.Value)
			}
		}
	}
	if len(fingerprints) == 0 {
		for _, attr := range session.Attributes {
			if attr.Key == "fingerprint" {
				fp, err := parseFingerprint(attr.Value)
				if err != nil {
					return Content{}, err
				}
				fingerprints = append(fingerprints, fp)
			}
		}
	}
	for i := range fingerprints {
		fingerprints[i].Setup = setup
	}
	t.Fingerprints = fingerprints

	for i := range d.PayloadTypes {
		pt := &d.PayloadTypes[i]
		if pt.Name == "" {
			if st, ok := staticPayloadTypes[pt.ID]; ok {
				pt.Name, pt.ClockRate = st.Name, st.ClockRate
			}
		}
		pt.PTime, pt.MaxPTime = ptime, maxptime
	}
	return c, nil
}

func parseFingerprint(v string) (Fingerprint, error) {
	f := strings.Fields(v)
	if len(f) != 2 {
		return Fingerprint{}, fmt.Errorf("%w: a=fingerprint:%s", ErrBadFingerprint, v)
	}
	return Fingerprint{Hash: f[0], Value: f[1]}, nil
}

// parseExtmap reads "id[/direction] uri [attributes]"; attributes are dropped.
func parseExtmap(v string, author Role) (HeaderExtension, error) {
	f := strings.Fields(v)
	if len(f) < 2 {
		return HeaderExtension{}, fmt.Errorf("%w: a=extmap:%s", ErrBadExtension, v)
	}
	id, dir, hasDir := strings.Cut(f[0], "/")
	n, err := strconv.ParseUint(id, 10, 8)
	if err != nil || n == 0 {
		return HeaderExtension{}, fmt.Errorf("%w: a=extmap:%s", ErrBadExtension, v)
	}
	x := HeaderExtension{ID: uint16(n), URI: f[1]}
	if hasDir {
		d, err := sdp.NewDirection(dir)
		if err != nil {
			return HeaderExtension{}, fmt.Errorf("%w: a=extmap:%s", ErrBadExtension, v)
		}
		if s := senders(d, author); s != SendersBoth {
			x.Senders = s
		}
	}
	return x, nil
}
