package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

func badRequest(format string, args ...any) *stanza.Error {
	return refusal(stanza.Modify, stanza.BadRequest, fmt.Sprintf(format, args...))
}

// newLeg creates the call's WebRTC leg and routes its candidates.
func (c *call) newLeg() (*media.Leg, error) {
	leg, err := c.b.set.WebRTC.NewLeg()
	if err != nil {
		return nil, err
	}
	leg.PC().OnICECandidate(func(cand *webrtc.ICECandidate) {
		c.mu.Lock()
		current := c.leg == leg // not a leg handOver dropped
		c.mu.Unlock()
		if cand != nil && current {
			c.localCandidate(cand.ToJSON().Candidate)
		}
	})
	c.mu.Lock()
	c.leg = leg
	ended := c.reason != nil
	c.mu.Unlock()
	if ended { // end ran before the leg existed
		_ = leg.Close()
		return nil, context.Canceled
	}
	return leg, nil
}

// acceptOffer takes the user's session-initiate (the user calls a phone):
// it gives the offer to a new WebRTC leg. The answer waits for the phone to
// answer (sendAccept), so that it can carry the trunk's codec.
func (c *call) acceptOffer(j *jingle.Jingle) *stanza.Error {
	if plainOffer(j) {
		return c.acceptPlainOffer(j)
	}
	sd, err := jingle.ToSDP(j, jingle.Initiator)
	if err != nil {
		return badRequest("cannot use this session-initiate: %v", err)
	}
	bundle(sd)
	text, err := sd.Marshal()
	if err != nil {
		return badRequest("cannot use this session-initiate: %v", err)
	}
	if !offersG711(sd) {
		c.refuseSession(jingle.NewReason(jingle.IncompatibleParameters, noG711))
		return nil
	}
	leg, err := c.newLeg()
	if err != nil {
		c.log.Error("bridge: cannot create a media leg", "err", err)
		return refusal(stanza.Wait, stanza.ResourceConstraint, "the gateway cannot take more calls now")
	}
	if err := leg.PC().SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(text)}); err != nil {
		return badRequest("the offer was refused: %v", err)
	}
	c.remoteReady()
	c.mu.Lock()
	c.sessionUp = true
	c.mu.Unlock()
	close(c.jingleReady)
	return nil
}

// refuseSession ends a call whose session-initiate was acknowledged but
// cannot be served: the client's session exists, so it gets a
// session-terminate with reason, and nothing may dial for the call.
func (c *call) refuseSession(reason *jingle.Reason) {
	c.mu.Lock()
	c.sessionUp = true
	c.mu.Unlock()
	c.cancel()
	go c.end(sideNone, reason)
}

// noG711 explains why a client that offers no G.711 cannot call.
const noG711 = "this gateway passes G.711 (PCMU/PCMA) through and does not transcode; enable PCMU or PCMA"

// sendAccept answers the user's offer with the codecs the phone accepted
// and completes the session.
func (c *call) sendAccept() error {
	c.mu.Lock()
	leg, sipCs, plain := c.leg, c.sipCodecs, c.plain != nil
	c.mu.Unlock()
	if plain {
		return c.sendPlainAccept()
	}
	pc := leg.PC()
	if err := leg.PreferCodecs(codecNames(sipCs)...); err != nil {
		return err
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("bridge: answer: %w", err)
	}
	if !answersAudio(answer.SDP) {
		return errNoCommonCodec
	}
	c.log.Debug("bridge: answering the client", "codecs", codecNames(sipCs))
	if err := pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("bridge: answer: %w", err)
	}
	j, err := c.localJingle(jingle.SessionAccept, jingle.Responder)
	if err != nil {
		return err
	}
	j.Initiator, j.Responder = c.peer().String(), c.self()
	if err := c.sendJingle(c.ctx, j); err != nil {
		return fmt.Errorf("bridge: session-accept: %w", err)
	}
	c.signalledNow(j)
	return nil
}

// errNoCommonCodec: the client and the phone share no G.711 law.
var errNoCommonCodec = errors.New("bridge: the client and the phone have no G.711 codec in common")

// codecNames lists the names of codecs, for PreferCodecs.
func codecNames(cs []media.Codec) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}

// offersG711 reports whether an offer has PCMU or PCMA in an audio stream.
func offersG711(sd *sdp.SessionDescription) bool {
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media == "audio" && hasG711(media.Codecs(md)) {
			return true
		}
	}
	return false
}

// sendInitiate offers a session to the resource that took a phone's call.
func (c *call) sendInitiate() error {
	if c.wantsPlain() {
		return c.sendPlainInitiate()
	}
	leg, err := c.newLeg()
	if err != nil {
		return err
	}
	pc := leg.PC()
	// Offer only what the phone offered, so both legs carry one codec.
	c.mu.Lock()
	sipCs := c.sipCodecs
	c.mu.Unlock()
	if err := leg.PreferCodecs(codecNames(sipCs)...); err != nil {
		return err
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("bridge: offer: %w", err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("bridge: offer: %w", err)
	}
	j, err := c.localJingle(jingle.SessionInitiate, jingle.Initiator)
	if err != nil {
		return err
	}
	return c.initiate(j)
}

// initiate sends our session-initiate j, from the number's JID.
func (c *call) initiate(j *jingle.Jingle) error {
	j.Initiator = c.self()
	c.mu.Lock()
	c.sessionUp = true
	c.offered = c.offered[:0]
	for _, ct := range j.Contents {
		c.offered = append(c.offered, jingle.Content{Creator: jingle.CreatorInitiator, Name: ct.Name})
	}
	c.mu.Unlock()
	if err := c.sendJingle(c.ctx, j); err != nil {
		return fmt.Errorf("bridge: session-initiate: %w", err)
	}
	c.signalledNow(j)
	return nil
}

// takeAnswer applies the user's session-accept to a call the gateway
// offered.
func (c *call) takeAnswer(j *jingle.Jingle) *stanza.Error {
	c.mu.Lock()
	leg, remote, plain := c.leg, c.remote, c.plain != nil
	c.mu.Unlock()
	if plain {
		return c.takePlainAnswer(j)
	}
	if leg == nil || remote {
		return refusal(stanza.Cancel, stanza.UnexpectedRequest, "no session-accept expected")
	}
	sd, err := jingle.ToSDP(j, jingle.Responder)
	if err != nil {
		return badRequest("cannot use this session-accept: %v", err)
	}
	text, err := sd.Marshal()
	if err != nil {
		return badRequest("cannot use this session-accept: %v", err)
	}
	if err := leg.PC().SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(text)}); err != nil {
		return badRequest("the answer was refused: %v", err)
	}
	c.remoteReady()
	close(c.jingleReady)
	return nil
}

// localJingle turns the leg's local description, with the candidates
// gathered so far, into Jingle.
func (c *call) localJingle(a jingle.Action, role jingle.Role) (*jingle.Jingle, error) {
	c.mu.Lock()
	leg := c.leg
	c.mu.Unlock()
	desc := leg.PC().LocalDescription()
	if desc == nil {
		return nil, errors.New("bridge: no local description")
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(desc.SDP); err != nil {
		return nil, fmt.Errorf("bridge: local description: %w", err)
	}
	j, err := jingle.FromSDP(&sd, a, role)
	if err != nil {
		return nil, fmt.Errorf("bridge: local description: %w", err)
	}
	return j, nil
}

// remoteReady adds the candidates that came before the peer's description.
func (c *call) remoteReady() {
	c.mu.Lock()
	c.remote = true
	early := c.early
	c.early = nil
	leg := c.leg
	c.mu.Unlock()
	for _, cand := range early {
		if err := leg.PC().AddICECandidate(cand); err != nil {
			c.log.Debug("bridge: peer candidate refused", "err", err)
		}
	}
}

// remoteCandidates takes a transport-info from the user.
func (c *call) remoteCandidates(j *jingle.Jingle) *stanza.Error {
	c.mu.Lock()
	plain := c.plain
	c.mu.Unlock()
	if plain != nil {
		return c.plainCandidates(plain, j)
	}
	ts, err := jingle.TrickleCandidates(j)
	if err != nil {
		return badRequest("bad candidate: %v", err)
	}
	for _, t := range ts {
		init := webrtc.ICECandidateInit{Candidate: t.Candidate, SDPMid: &t.Mid, UsernameFragment: &t.Ufrag}
		c.mu.Lock()
		if !c.remote {
			c.early = append(c.early, init)
			c.mu.Unlock()
			continue
		}
		leg := c.leg
		c.mu.Unlock()
		if err := leg.PC().AddICECandidate(init); err != nil {
			c.log.Debug("bridge: peer candidate refused", "err", err)
		}
	}
	return nil
}

// localCandidate trickles one of our candidates, or keeps it until our
// description has reached the user: a transport-info before the session
// exists would be refused.
func (c *call) localCandidate(cand string) {
	c.mu.Lock()
	if !c.signalled {
		c.local = append(c.local, cand)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.trickle(cand)
}

func (c *call) trickle(cand string) {
	c.mu.Lock()
	mid, ufrag, pwd, ended := c.mid, c.ufrag, c.pwd, c.reason != nil
	c.mu.Unlock()
	if ended {
		return
	}
	j, err := jingle.NewTransportInfo(c.sid, jingle.CreatorInitiator, mid, ufrag, pwd, cand, newSID()[:8])
	if err != nil {
		return // a candidate Jingle clients do not use (TCP, RTCP)
	}
	if err := c.sendJingle(c.ctx, j); err != nil && c.ctx.Err() == nil {
		c.log.Debug("bridge: transport-info not acknowledged", "err", err)
	}
}

// signalledNow records that our description j reached the user and sends
// the candidates gathered meanwhile that it did not carry.
func (c *call) signalledNow(j *jingle.Jingle) {
	sent := map[string]bool{}
	var mid, ufrag, pwd string
	for _, ct := range j.Contents {
		if ct.Transport == nil {
			continue
		}
		mid, ufrag, pwd = ct.Name, ct.Transport.Ufrag, ct.Transport.Pwd
		for _, cand := range ct.Transport.Candidates {
			if s, err := cand.SDP(); err == nil {
				sent[strings.TrimPrefix(s, "candidate:")] = true
			}
		}
	}
	c.mu.Lock()
	c.mid, c.ufrag, c.pwd = mid, ufrag, pwd
	c.signalled = true
	queued := c.local
	c.local = nil
	c.mu.Unlock()
	for _, cand := range queued {
		if !sent[strings.TrimPrefix(cand, "candidate:")] {
			c.trickle(cand)
		}
	}
}

// bundle puts a lone offer's media into a BUNDLE group: pion refuses
// (port 0) m-lines outside the offer's group, and Dino offers none.
func bundle(sd *sdp.SessionDescription) {
	for _, a := range sd.Attributes {
		if a.Key == "group" && strings.HasPrefix(a.Value, "BUNDLE") {
			return
		}
	}
	var mids []string
	for _, md := range sd.MediaDescriptions {
		if mid, ok := md.Attribute("mid"); ok {
			mids = append(mids, mid)
		}
	}
	if len(mids) > 0 {
		sd.Attributes = append(sd.Attributes, sdp.NewAttribute("group", "BUNDLE "+strings.Join(mids, " ")))
	}
}

// answersAudio reports whether an answer accepts an audio stream.
func answersAudio(text string) bool {
	var sd sdp.SessionDescription
	if sd.UnmarshalString(text) != nil {
		return false
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media == "audio" && md.MediaName.Port.Value != 0 && hasG711(media.Codecs(md)) {
			return true
		}
	}
	return false
}
