package bridge

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pion/rtp"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// clientLeg is the media plane of a call's leg towards the client: the
// WebRTC leg (DTLS-SRTP) or the plain RTP one (clients without DTLS).
type clientLeg interface {
	ReadRTP() (*rtp.Packet, error)
	WriteRTP(p *rtp.Packet) error
	SetReadDeadline(t time.Time) error
	Connected() <-chan struct{}
	Failed() <-chan struct{}
	Codecs() ([]media.Codec, error)
	Close() error
}

// clientLeg returns the call's leg towards the client; nil before it
// exists.
func (c *call) clientLeg() clientLeg {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.plain != nil:
		return c.plain
	case c.leg != nil:
		return c.leg
	}
	return nil
}

// plainOffer reports whether a client's offer is for plain RTP: it has
// contents and no DTLS fingerprint in any of them (Gajim's farstream).
// One fingerprint anywhere means DTLS-SRTP, which is never downgraded.
func plainOffer(j *jingle.Jingle) bool {
	if len(j.Contents) == 0 {
		return false
	}
	for _, ct := range j.Contents {
		if ct.Transport != nil && len(ct.Transport.Fingerprints) > 0 {
			return false
		}
	}
	return true
}

// noDTLS explains why a client without DTLS cannot call when plain RTP is
// turned off.
const noDTLS = "this gateway requires encrypted media (DTLS-SRTP) and the offer has no DTLS fingerprint"

// audioContent is the first audio content with an ICE-UDP transport.
func audioContent(j *jingle.Jingle) *jingle.Content {
	for i := range j.Contents {
		ct := &j.Contents[i]
		if ct.Description != nil && ct.Description.Media == "audio" && ct.Transport != nil {
			return ct
		}
	}
	return nil
}

// jingleCodecs lists a description's payload types as codecs; static
// types without a name take the RFC 3551 name.
func jingleCodecs(d *jingle.RTPDescription) []media.Codec {
	var out []media.Codec
	for _, pt := range d.PayloadTypes {
		cd := media.Codec{Name: pt.Name, ClockRate: pt.ClockRate, Channels: uint16(pt.Channels), PT: pt.ID}
		if cd.Channels == 0 {
			cd.Channels = 1
		}
		if cd.Name == "" {
			switch pt.ID {
			case 0:
				cd.Name, cd.ClockRate = "PCMU", 8000
			case 8:
				cd.Name, cd.ClockRate = "PCMA", 8000
			default:
				continue
			}
		}
		out = append(out, cd)
	}
	return out
}

// plainDescription writes codecs as an RTP description.
func plainDescription(cs []media.Codec) *jingle.RTPDescription {
	d := &jingle.RTPDescription{Media: "audio"}
	for _, cd := range cs {
		pt := jingle.PayloadType{ID: cd.PT, Name: cd.Name, ClockRate: cd.ClockRate}
		if cd.Channels > 1 {
			pt.Channels = uint8(cd.Channels)
		}
		d.PayloadTypes = append(d.PayloadTypes, pt)
	}
	return d
}

// addPlainCandidates gives every UDP candidate of ct (components 1 and 2)
// to the plain leg.
func addPlainCandidates(l *media.PlainLeg, ct *jingle.Content) error {
	for _, cand := range ct.Transport.Candidates {
		if !strings.EqualFold(cand.Protocol, "udp") || cand.Component > 2 {
			continue
		}
		s, err := cand.SDP()
		if err != nil {
			return err
		}
		if err := l.AddRemoteCandidate(s); err != nil {
			return err
		}
	}
	return nil
}

// newPlainLeg creates the call's plain leg and gathers its candidates.
func (c *call) newPlainLeg(controlling bool) (*media.PlainLeg, []jingle.Candidate, error) {
	leg, err := c.b.set.Plain.NewLeg(controlling)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	c.plain = leg
	ended := c.reason != nil
	c.mu.Unlock()
	if ended {
		_ = leg.Close()
		return nil, nil, context.Canceled
	}
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	strs, err := leg.Gather(ctx)
	if err != nil {
		return nil, nil, err
	}
	cands := make([]jingle.Candidate, 0, len(strs))
	for _, s := range strs {
		cand, err := jingle.ParseCandidate(s, newSID()[:8])
		if err != nil {
			return nil, nil, err
		}
		cands = append(cands, cand)
	}
	return leg, cands, nil
}

// acceptPlainOffer takes a session-initiate without DTLS (the user calls
// a phone from Gajim): a plain leg answers it once the phone answers.
func (c *call) acceptPlainOffer(j *jingle.Jingle) *stanza.Error {
	if c.b.set.Plain == nil {
		// The session exists: it ends with the reason, as for no G.711,
		// and nothing may dial.
		c.refuseSession(jingle.NewReason(jingle.SecurityError, noDTLS))
		return nil
	}
	ct := audioContent(j)
	if ct == nil || ct.Transport.Ufrag == "" || ct.Transport.Pwd == "" {
		return badRequest("cannot use this session-initiate: no audio content with an ICE-UDP transport")
	}
	offered := jingleCodecs(ct.Description)
	if !hasG711(offered) {
		c.refuseSession(jingle.NewReason(jingle.IncompatibleParameters, noG711))
		return nil
	}
	leg, cands, err := c.newPlainLeg(false)
	if err != nil {
		c.log.Error("bridge: cannot create a plain media leg", "err", err)
		return refusal(stanza.Wait, stanza.ResourceConstraint, "the gateway cannot take more calls now")
	}
	if err := addPlainCandidates(leg, ct); err != nil {
		return badRequest("bad candidate: %v", err)
	}
	c.log.Info("bridge: the client offers plain RTP (no DTLS); answering with a plain ICE leg")
	c.mu.Lock()
	c.plainLocal = cands
	c.plainContent = ct.Name
	c.plainCreator = ct.Creator
	c.plainCodecs = offered
	c.plainUfrag, c.plainPwd = ct.Transport.Ufrag, ct.Transport.Pwd
	c.remote = true
	c.sessionUp = true
	c.mu.Unlock()
	close(c.jingleReady)
	return nil
}

// plainJingle is our description of the plain leg: one audio content.
func (c *call) plainJingle(a jingle.Action, codecs []media.Codec) *jingle.Jingle {
	c.mu.Lock()
	defer c.mu.Unlock()
	ufrag, pwd := c.plain.Credentials()
	name, creator := c.plainContent, c.plainCreator
	if name == "" {
		name, creator = "audio", jingle.CreatorInitiator
	}
	return &jingle.Jingle{Action: a, Contents: []jingle.Content{{
		Creator:     creator,
		Name:        name,
		Senders:     jingle.SendersBoth,
		Description: plainDescription(codecs),
		Transport:   &jingle.ICEUDPTransport{Ufrag: ufrag, Pwd: pwd, Candidates: c.plainLocal},
	}}}
}

// sendPlainAccept answers the user's plain offer with the codecs the
// phone accepted (in the offer's payload types) and starts ICE.
func (c *call) sendPlainAccept() error {
	c.mu.Lock()
	leg, sipCs, offered, ufrag, pwd := c.plain, c.sipCodecs, c.plainCodecs, c.plainUfrag, c.plainPwd
	c.mu.Unlock()
	codecs := commonCodecs(offered, sipCs)
	if !hasG711(codecs) {
		return errNoCommonCodec
	}
	leg.SetCodecs(codecs)
	j := c.plainJingle(jingle.SessionAccept, codecs)
	j.Initiator, j.Responder = c.peer().String(), c.self()
	c.log.Debug("bridge: answering the client with plain RTP", "codecs", codecNames(codecs))
	if err := c.sendJingle(c.ctx, j); err != nil {
		return fmt.Errorf("bridge: session-accept: %w", err)
	}
	c.signalledNow(j)
	return leg.Start(ufrag, pwd)
}

// sendPlainInitiate offers plain RTP to the resource that took a phone's
// call, when that client cannot do DTLS.
func (c *call) sendPlainInitiate() error {
	_, cands, err := c.newPlainLeg(true)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.plainLocal = cands
	sipCs := c.sipCodecs
	c.plainCodecs = sipCs
	c.mu.Unlock()
	return c.initiate(c.plainJingle(jingle.SessionInitiate, sipCs))
}

// takePlainAnswer applies the user's session-accept to the plain offer.
func (c *call) takePlainAnswer(j *jingle.Jingle) *stanza.Error {
	c.mu.Lock()
	leg, offered, remote := c.plain, c.plainCodecs, c.remote
	c.mu.Unlock()
	if remote {
		return refusal(stanza.Cancel, stanza.UnexpectedRequest, "no session-accept expected")
	}
	ct := audioContent(j)
	if ct == nil || ct.Transport.Ufrag == "" || ct.Transport.Pwd == "" {
		return badRequest("cannot use this session-accept: no audio content with an ICE-UDP transport")
	}
	if len(ct.Transport.Fingerprints) > 0 {
		return badRequest("cannot use this session-accept: DTLS in the answer to a plain RTP offer")
	}
	// The answer should carry our payload types; match by name as well,
	// so that a client that renumbers is still understood.
	codecs := commonCodecs(jingleCodecs(ct.Description), offered)
	if !hasG711(codecs) {
		return badRequest("cannot use this session-accept: %v", errNoCommonCodec)
	}
	if err := addPlainCandidates(leg, ct); err != nil {
		return badRequest("bad candidate: %v", err)
	}
	leg.SetCodecs(codecs)
	if err := leg.Start(ct.Transport.Ufrag, ct.Transport.Pwd); err != nil {
		return badRequest("cannot use this session-accept: %v", err)
	}
	c.mu.Lock()
	c.remote = true
	c.mu.Unlock()
	close(c.jingleReady)
	return nil
}

// plainCandidates takes a transport-info for the plain leg: every UDP
// candidate, component 2 included.
func (c *call) plainCandidates(leg *media.PlainLeg, j *jingle.Jingle) *stanza.Error {
	for i := range j.Contents {
		ct := &j.Contents[i]
		if ct.Transport == nil {
			continue
		}
		if err := addPlainCandidates(leg, ct); err != nil {
			return badRequest("bad candidate: %v", err)
		}
	}
	return nil
}
