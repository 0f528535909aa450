package benchcalls

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/switchboard-gw/switchboard/internal/rtctest"
	"github.com/switchboard-gw/switchboard/internal/testenv"
	"github.com/switchboard-gw/switchboard/jingle"
)

const nsJingle = "urn:xmpp:jingle:1"

// newClientAPI is the load generator's WebRTC stack: PCMU only, RTCP
// reports as a browser sends them, host candidates on loopback only, no
// mDNS (one multicast socket per call would only add noise).
func newClientAPI() (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1},
		PayloadType:        0,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("benchcalls: register PCMU: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("benchcalls: rtcp reports: %w", err)
	}
	se := rtctest.Loopback()
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// rtcCall is one user calling a phone number through the gateway with a
// bare session-initiate (no JMI).
type rtcCall struct {
	client *testenv.Client
	to     string // number JID
	sid    string
	pc     *webrtc.PeerConnection
	stream *rtcStream

	connected, failed, terminated, gotTrack chan struct{}
	onceConn, onceFail, onceTerm, onceTrack sync.Once

	mu      sync.Mutex
	reason  string // of a session-terminate from the gateway
	remote  bool   // the answer is set
	early   []webrtc.ICECandidateInit
	sigErr  error
	cancel  context.CancelFunc
	sigDone chan struct{}
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// dial sends the session-initiate and returns once the gateway has
// answered and ICE+DTLS are up. The call keeps handling Jingle IQs until
// hangup.
func dial(ctx context.Context, api *webrtc.API, client *testenv.Client, to string) (*rtcCall, error) {
	c := &rtcCall{
		client: client, to: to, sid: randomID(),
		connected: make(chan struct{}), failed: make(chan struct{}), terminated: make(chan struct{}), gotTrack: make(chan struct{}),
		sigDone: make(chan struct{}),
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		close(c.sigDone)
		return nil, fmt.Errorf("benchcalls: peer connection: %w", err)
	}
	c.pc = pc
	if err := c.prepare(); err != nil {
		close(c.sigDone)
		_ = pc.Close()
		return nil, err
	}
	sigCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	if err := c.initiate(ctx); err != nil {
		cancel()
		close(c.sigDone)
		_ = pc.Close()
		return nil, err
	}
	go c.signal(sigCtx)
	select {
	case <-c.connected:
		return c, nil
	case <-c.failed:
		err = errors.New("benchcalls: ICE/DTLS failed")
	case <-c.terminated:
		c.mu.Lock()
		err = fmt.Errorf("benchcalls: the gateway ended the call: %s", c.reason)
		c.mu.Unlock()
	case <-ctx.Done():
		err = fmt.Errorf("benchcalls: call not connected: %w", ctx.Err())
	}
	c.close()
	return nil, err
}

// prepare adds the audio track and the handlers.
func (c *rtcCall) prepare() error {
	local, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, "audio", "bench")
	if err != nil {
		return fmt.Errorf("benchcalls: track: %w", err)
	}
	sender, err := c.pc.AddTrack(local)
	if err != nil {
		return fmt.Errorf("benchcalls: add track: %w", err)
	}
	c.stream = &rtcStream{local: local}
	// RTCP from the gateway must be read for pion's interceptors to run.
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	c.pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		c.onceTrack.Do(func() {
			c.stream.remote = t
			close(c.gotTrack)
		})
	})
	c.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			c.onceConn.Do(func() { close(c.connected) })
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			c.onceFail.Do(func() { close(c.failed) })
		}
	})
	return nil
}

// initiate offers PCMU with every candidate gathered (no trickle out) and
// waits for the gateway to acknowledge the session-initiate.
func (c *rtcCall) initiate(ctx context.Context) error {
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("benchcalls: offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("benchcalls: set offer: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fmt.Errorf("benchcalls: gathering: %w", ctx.Err())
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(c.pc.LocalDescription().SDP); err != nil {
		return fmt.Errorf("benchcalls: our offer: %w", err)
	}
	j, err := jingle.FromSDP(&sd, jingle.SessionInitiate, jingle.Initiator)
	if err != nil {
		return fmt.Errorf("benchcalls: our offer as Jingle: %w", err)
	}
	j.SID, j.Initiator = c.sid, c.client.JID.String()
	return c.set(ctx, j)
}

// set sends a Jingle IQ and waits for its result.
func (c *rtcCall) set(ctx context.Context, j *jingle.Jingle) error {
	b, err := xml.Marshal(j)
	if err != nil {
		return fmt.Errorf("benchcalls: encode %s: %w", j.Action, err)
	}
	id := string(j.Action) + "-" + randomID()
	if err := c.client.Send(ctx, `<iq type="set" id="`+id+`" to="`+c.to+`">`+string(b)+`</iq>`); err != nil {
		return err
	}
	res, err := c.client.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "iq" && s.ID == id })
	if err != nil {
		return err
	}
	if res.Type != "result" {
		return fmt.Errorf("benchcalls: %s refused: %s %s", j.Action, res.ErrorCondition(), res.ErrorText())
	}
	return nil
}

// signal handles the gateway's Jingle IQs (the client answers them with
// a result itself) until ctx ends.
func (c *rtcCall) signal(ctx context.Context) {
	defer close(c.sigDone)
	isJingle := func(s testenv.Stanza) bool { return s.Name == "iq" && s.Type == "set" && s.Has(nsJingle, "jingle") }
	for {
		st, err := c.client.Expect(ctx, isJingle)
		if err != nil {
			return
		}
		if err := c.handle(st); err != nil {
			c.mu.Lock()
			if c.sigErr == nil {
				c.sigErr = err
			}
			c.mu.Unlock()
			c.onceFail.Do(func() { close(c.failed) })
		}
	}
}

func (c *rtcCall) handle(st testenv.Stanza) error {
	var iq struct {
		Jingle jingle.Jingle `xml:"urn:xmpp:jingle:1 jingle"`
	}
	if err := xml.Unmarshal([]byte(st.Raw), &iq); err != nil {
		return fmt.Errorf("benchcalls: unreadable Jingle: %w", err)
	}
	j := &iq.Jingle
	if j.SID != c.sid {
		return nil
	}
	switch j.Action {
	case jingle.SessionAccept:
		sd, err := jingle.ToSDP(j, jingle.Responder)
		if err != nil {
			return fmt.Errorf("benchcalls: session-accept: %w", err)
		}
		text, err := sd.Marshal()
		if err != nil {
			return fmt.Errorf("benchcalls: session-accept: %w", err)
		}
		if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(text)}); err != nil {
			return fmt.Errorf("benchcalls: answer refused: %w", err)
		}
		c.mu.Lock()
		c.remote = true
		early := c.early
		c.early = nil
		c.mu.Unlock()
		for _, cand := range early {
			_ = c.pc.AddICECandidate(cand)
		}
	case jingle.TransportInfo:
		ts, err := jingle.TrickleCandidates(j)
		if err != nil {
			return fmt.Errorf("benchcalls: transport-info: %w", err)
		}
		for _, t := range ts {
			init := webrtc.ICECandidateInit{Candidate: t.Candidate, SDPMid: &t.Mid, UsernameFragment: &t.Ufrag}
			c.mu.Lock()
			if !c.remote {
				c.early = append(c.early, init)
				c.mu.Unlock()
				continue
			}
			c.mu.Unlock()
			_ = c.pc.AddICECandidate(init) // candidates we cannot reach (eth0, IPv6) are refused
		}
	case jingle.SessionTerminate:
		c.mu.Lock()
		c.reason = "no reason"
		if j.Reason != nil {
			c.reason = string(j.Reason.Condition) + " " + j.Reason.Text
		}
		c.mu.Unlock()
		c.onceTerm.Do(func() { close(c.terminated) })
	}
	return nil
}

// hangup ends the session as a user does, then closes everything.
func (c *rtcCall) hangup(ctx context.Context) {
	select {
	case <-c.terminated:
	default:
		j := &jingle.Jingle{Action: jingle.SessionTerminate, SID: c.sid, Reason: jingle.NewReason(jingle.Success, "")}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = c.set(ctx, j)
		cancel()
	}
	c.close()
}

// close stops signalling and the PeerConnection and waits for both.
func (c *rtcCall) close() {
	if c.cancel != nil {
		c.cancel()
	}
	<-c.sigDone
	_ = c.pc.GracefulClose()
}

// ended reports why the gateway ended the call, or "".
func (c *rtcCall) ended() string {
	select {
	case <-c.terminated:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.reason
	default:
		return ""
	}
}
