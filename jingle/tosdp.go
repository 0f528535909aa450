package jingle

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Role names the party that wrote a description: the initiator of the
// Jingle session or its responder. Senders map to SDP directions from the
// writer's point of view, so both conversions need it.
type Role string

// Roles.
const (
	Initiator Role = "initiator"
	Responder Role = "responder"
)

// checkRole refuses actions that carry no description and writers that
// cannot send the action (a session-initiate comes from the initiator, a
// session-accept from the responder).
func checkRole(a Action, author Role) error {
	if !a.IsOffer() && !a.IsAnswer() {
		return fmt.Errorf("%w: %q", ErrAction, a)
	}
	if author != Initiator && author != Responder {
		return fmt.Errorf("%w: role %q", ErrRole, author)
	}
	if (a == SessionInitiate && author != Initiator) || (a == SessionAccept && author != Responder) {
		return fmt.Errorf("%w: %s from %s", ErrRole, a, author)
	}
	return nil
}

// direction maps senders to the SDP direction of a description written by
// author.
func direction(s Senders, author Role) (sdp.Direction, error) {
	switch s {
	case "", SendersBoth:
		return sdp.DirectionSendRecv, nil
	case SendersNone:
		return sdp.DirectionInactive, nil
	case SendersInitiator, SendersResponder:
		if string(s) == string(author) {
			return sdp.DirectionSendOnly, nil
		}
		return sdp.DirectionRecvOnly, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrBadSenders, s)
}

// senders is the inverse of direction.
func senders(d sdp.Direction, author Role) Senders {
	other := SendersInitiator
	if author == Initiator {
		other = SendersResponder
	}
	switch d {
	case sdp.DirectionSendOnly:
		return Senders(author)
	case sdp.DirectionRecvOnly:
		return other
	case sdp.DirectionInactive:
		return SendersNone
	}
	return SendersBoth
}

// sessionID derives the o= session id from the Jingle sid, so that one
// session always gives the same SDP.
func sessionID(sid string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(sid))
	return h.Sum64() &^ (1 << 63)
}

// ToSDP converts the description carried by j (a session-initiate,
// session-accept, content-add, content-accept, transport-replace or
// transport-accept) into SDP, as written by author. Every content needs an
// RTP description for audio or video, at least one payload type, and an
// ICE-UDP transport with ufrag and pwd; the session needs a DTLS
// fingerprint. Component-2 and non-UDP candidates are left out. An offer
// without a BUNDLE group gets one over all its contents, so that a WebRTC
// answerer does not reject all but the first m-line.
func ToSDP(j *Jingle, author Role) (*sdp.SessionDescription, error) {
	if j == nil {
		return nil, ErrNoContent
	}
	if err := checkRole(j.Action, author); err != nil {
		return nil, err
	}
	if len(j.Contents) == 0 {
		return nil, ErrNoContent
	}
	sd := &sdp.SessionDescription{
		Origin: sdp.Origin{
			Username: "-", SessionID: sessionID(j.SID), SessionVersion: 1,
			NetworkType: "IN", AddressType: "IP4", UnicastAddress: "127.0.0.1",
		},
		SessionName:      "-",
		TimeDescriptions: []sdp.TimeDescription{{}},
	}
	offer := j.Action.IsOffer()
	names := map[string]bool{}
	var mids []string
	haveFP := false
	for i := range j.Contents {
		c := &j.Contents[i]
		if names[c.Name] {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateContent, c.Name)
		}
		md, fp, err := contentToMedia(c, author, offer)
		if err != nil {
			return nil, err
		}
		haveFP = haveFP || fp
		names[c.Name] = true
		mids = append(mids, c.Name)
		sd.MediaDescriptions = append(sd.MediaDescriptions, md)
	}
	if !haveFP {
		return nil, ErrNoFingerprint
	}
	bundled := false
	for _, g := range j.Groups {
		if !isToken(g.Semantics) || len(g.Contents) == 0 {
			return nil, fmt.Errorf("%w: semantics %q with %d contents", ErrBadGroup, g.Semantics, len(g.Contents))
		}
		for _, gc := range g.Contents {
			if !names[gc.Name] {
				return nil, fmt.Errorf("%w: unknown content %q", ErrBadGroup, gc.Name)
			}
		}
		bundled = bundled || g.Semantics == SemanticsBundle
		sd.Attributes = append(sd.Attributes, sdp.NewAttribute("group", g.Semantics+" "+strings.Join(g.Names(), " ")))
	}
	if offer && !bundled {
		sd.Attributes = append(sd.Attributes, sdp.NewAttribute("group", SemanticsBundle+" "+strings.Join(mids, " ")))
	}
	return sd, nil
}

func contentToMedia(c *Content, author Role, offer bool) (md *sdp.MediaDescription, haveFP bool, err error) {
	if !isToken(c.Name) {
		return nil, false, fmt.Errorf("%w: %q", ErrBadName, c.Name)
	}
	d, t := c.Description, c.Transport
	if d == nil {
		return nil, false, fmt.Errorf("%w: %q", ErrNoDescription, c.Name)
	}
	if d.Media != "audio" && d.Media != "video" {
		return nil, false, fmt.Errorf("%w: %q in content %q", ErrUnknownMedia, d.Media, c.Name)
	}
	if t == nil {
		return nil, false, fmt.Errorf("%w: %q", ErrNoTransport, c.Name)
	}
	if len(d.PayloadTypes) == 0 {
		return nil, false, fmt.Errorf("%w: content %q", ErrNoPayloadTypes, c.Name)
	}
	if !isToken(t.Ufrag) || !isToken(t.Pwd) {
		return nil, false, fmt.Errorf("%w: content %q", ErrNoICECredentials, c.Name)
	}
	dir, err := direction(c.Senders, author)
	if err != nil {
		return nil, false, err
	}

	md = &sdp.MediaDescription{
		MediaName: sdp.MediaName{
			Media:  d.Media,
			Port:   sdp.RangedPort{Value: 9},
			Protos: []string{"UDP", "TLS", "RTP", "SAVPF"},
		},
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN", AddressType: "IP4", Address: &sdp.Address{Address: "0.0.0.0"},
		},
	}
	add := func(k, v string) { md.Attributes = append(md.Attributes, sdp.NewAttribute(k, v)) }
	flag := func(k string) { md.Attributes = append(md.Attributes, sdp.NewPropertyAttribute(k)) }

	add("mid", c.Name)
	add("ice-ufrag", t.Ufrag)
	add("ice-pwd", t.Pwd)
	var setup Setup
	for i, fp := range t.Fingerprints {
		v := strings.TrimSpace(fp.Value)
		if !isToken(fp.Hash) || !isToken(v) {
			return nil, false, fmt.Errorf("%w: %q %q in content %q", ErrBadFingerprint, fp.Hash, v, c.Name)
		}
		if i == 0 {
			setup = fp.Setup
		}
		add("fingerprint", fp.Hash+" "+v)
	}
	if len(t.Fingerprints) > 0 {
		haveFP = true
		switch {
		case setup == "" && offer:
			setup = SetupActpass
		case setup == "":
			setup = SetupActive
		case !setup.valid():
			return nil, false, fmt.Errorf("%w: setup %q in content %q", ErrBadFingerprint, setup, c.Name)
		case setup == SetupActpass && !offer:
			return nil, false, fmt.Errorf("%w: content %q", ErrActpassInAnswer, c.Name)
		}
		add("setup", string(setup))
	}
	flag(dir.String())
	if d.RTCPMux != nil {
		flag("rtcp-mux")
	}
	if d.ExtmapAllowMixed != nil {
		flag("extmap-allow-mixed")
	}
	for _, x := range d.HeaderExtensions {
		if x.ID == 0 || x.ID > 255 || !isToken(x.URI) {
			return nil, false, fmt.Errorf("%w: id %d uri %q", ErrBadExtension, x.ID, x.URI)
		}
		xdir, err := direction(x.Senders, author)
		if err != nil {
			return nil, false, err
		}
		id := strconv.Itoa(int(x.ID))
		if xdir != sdp.DirectionSendRecv {
			id += "/" + xdir.String()
		}
		add("extmap", id+" "+x.URI)
	}

	seen := map[uint8]bool{}
	var ptime, maxptime uint32
	for _, pt := range d.PayloadTypes {
		if pt.ID > 127 || seen[pt.ID] {
			return nil, false, fmt.Errorf("%w: id %d in content %q", ErrBadPayloadType, pt.ID, c.Name)
		}
		seen[pt.ID] = true
		id := strconv.Itoa(int(pt.ID))
		md.MediaName.Formats = append(md.MediaName.Formats, id)
		switch {
		case pt.Name != "":
			if !isToken(pt.Name) || strings.Contains(pt.Name, "/") || pt.ClockRate == 0 {
				return nil, false, fmt.Errorf("%w: %d %q/%d", ErrBadPayloadType, pt.ID, pt.Name, pt.ClockRate)
			}
			v := id + " " + pt.Name + "/" + strconv.FormatUint(uint64(pt.ClockRate), 10)
			if pt.Channels > 1 {
				v += "/" + strconv.Itoa(int(pt.Channels))
			}
			add("rtpmap", v)
		case pt.ID >= 96:
			return nil, false, fmt.Errorf("%w: dynamic id %d has no name", ErrBadPayloadType, pt.ID)
		}
		if len(pt.Parameters) > 0 {
			f, err := fmtp(pt.Parameters)
			if err != nil {
				return nil, false, err
			}
			add("fmtp", id+" "+f)
		}
		for _, fb := range pt.RTCPFeedback {
			v, err := feedback(fb)
			if err != nil {
				return nil, false, err
			}
			add("rtcp-fb", id+" "+v)
		}
		if ptime == 0 {
			ptime = pt.PTime
		}
		if maxptime == 0 {
			maxptime = pt.MaxPTime
		}
	}
	for _, fb := range d.RTCPFeedback {
		v, err := feedback(fb)
		if err != nil {
			return nil, false, err
		}
		add("rtcp-fb", "* "+v)
	}
	if ptime != 0 {
		add("ptime", strconv.FormatUint(uint64(ptime), 10))
	}
	if maxptime != 0 {
		add("maxptime", strconv.FormatUint(uint64(maxptime), 10))
	}
	for _, g := range d.SSRCGroups {
		if !isToken(g.Semantics) || len(g.Sources) == 0 {
			return nil, false, fmt.Errorf("%w: ssrc-group %q", ErrBadSource, g.Semantics)
		}
		v := g.Semantics
		for _, s := range g.Sources {
			v += " " + strconv.FormatUint(uint64(s.SSRC), 10)
		}
		add("ssrc-group", v)
	}
	for _, s := range d.Sources {
		ssrc := strconv.FormatUint(uint64(s.SSRC), 10)
		if len(s.Parameters) == 0 {
			add("ssrc", ssrc)
		}
		for _, p := range s.Parameters {
			if !isToken(p.Name) || strings.Contains(p.Name, ":") || !isText(p.Value) {
				return nil, false, fmt.Errorf("%w: ssrc %s parameter %q=%q", ErrBadSource, ssrc, p.Name, p.Value)
			}
			v := ssrc + " " + p.Name
			if p.Value != "" {
				v += ":" + p.Value
			}
			add("ssrc", v)
		}
	}
	for _, cand := range t.Candidates {
		if !cand.Supported() {
			continue
		}
		if err := cand.validate(); err != nil {
			return nil, false, fmt.Errorf("content %q: %w", c.Name, err)
		}
		add("candidate", cand.sdpValue())
	}
	return md, haveFP, nil
}

func fmtp(params []Parameter) (string, error) {
	parts := make([]string, 0, len(params))
	for _, p := range params {
		bad := strings.ContainsAny(p.Value, ";") || (p.Value != "" && !isToken(p.Value))
		if p.Name == "" {
			bad = bad || p.Value == "" || strings.Contains(p.Value, "=")
		} else {
			bad = bad || !isToken(p.Name) || strings.ContainsAny(p.Name, "=;")
		}
		if bad {
			return "", fmt.Errorf("%w: %q=%q", ErrBadParameter, p.Name, p.Value)
		}
		if p.Name == "" {
			parts = append(parts, p.Value)
		} else {
			parts = append(parts, p.Name+"="+p.Value)
		}
	}
	return strings.Join(parts, ";"), nil
}

func feedback(fb RTCPFeedback) (string, error) {
	if !isToken(fb.Type) || (fb.Subtype != "" && !isToken(fb.Subtype)) {
		return "", fmt.Errorf("%w: %q %q", ErrBadFeedback, fb.Type, fb.Subtype)
	}
	if fb.Subtype == "" {
		return fb.Type, nil
	}
	return fb.Type + " " + fb.Subtype, nil
}
