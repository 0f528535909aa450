package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/transport/v5/deadline"
	"github.com/pion/webrtc/v4"
)

// Leg is one Jingle call's PeerConnection with a single sendrecv audio
// transceiver. Signalling code drives PC() (SetRemoteDescription,
// CreateAnswer, AddICECandidate, ...); the media plane uses ReadRTP and
// WriteRTP.
//
// Leg installs the PeerConnection's OnTrack, OnConnectionStateChange and
// OnSignalingStateChange handlers: do not replace them (pion keeps one
// handler per event); use Connected and Failed instead.
type Leg struct {
	pc    *webrtc.PeerConnection
	track *rawTrack
	log   *slog.Logger
	ct    connectTimer

	connected, failed, closed chan struct{}
	connOnce, failOnce        sync.Once
	closeOnce                 sync.Once
	closeErr                  error

	gotTrack chan struct{} // closed when remote is set
	dl       *deadline.Deadline

	mu         sync.Mutex
	remote     *webrtc.TrackRemote
	readDL     time.Time
	senderDone chan struct{}
}

// NewLeg creates a PeerConnection with one sendrecv audio transceiver
// whose local track writes raw RTP (see WriteRTP).
func (w *WebRTC) NewLeg() (*Leg, error) {
	pc, err := w.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("media: new peer connection: %w", err)
	}
	l := &Leg{
		pc:         pc,
		track:      newRawTrack("audio", "switchboard"),
		log:        w.log,
		connected:  make(chan struct{}),
		failed:     make(chan struct{}),
		closed:     make(chan struct{}),
		gotTrack:   make(chan struct{}),
		dl:         deadline.New(),
		senderDone: make(chan struct{}),
	}
	l.ct = connectTimer{expire: w.timeout, connected: l.connected, closed: l.closed, fail: l.fail}
	tr, err := pc.AddTransceiverFromTrack(l.track, webrtc.RTPTransceiverInit{
		Direction: webrtc.RTPTransceiverDirectionSendrecv,
	})
	if err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("media: add audio transceiver: %w", err)
	}
	pc.OnTrack(l.onTrack)
	pc.OnConnectionStateChange(l.onState)
	pc.OnSignalingStateChange(l.onSignaling)
	// RTCP for our sender must be read for the report interceptor to see
	// receiver reports; the loop ends when the PeerConnection closes.
	sender := tr.Sender()
	go func() {
		defer close(l.senderDone)
		buf := make([]byte, maxRTPSize)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	return l, nil
}

// PC is the PeerConnection for signalling.
func (l *Leg) PC() *webrtc.PeerConnection { return l.pc }

// Connected is closed once ICE and DTLS are up
// (PeerConnectionStateConnected).
func (l *Leg) Connected() <-chan struct{} { return l.connected }

// Failed is closed when the PeerConnection fails or closes, or when it is
// not connected within ConnectTimeout of the negotiation completing (both
// descriptions set; see DeferConnectTimeout). It may close after Connected
// (the connection later failed).
func (l *Leg) Failed() <-chan struct{} { return l.failed }

func (l *Leg) fail(why string) {
	l.failOnce.Do(func() {
		// A closed leg is the normal end of a call; only failures are news.
		lvl := slog.LevelInfo
		if why == "peer connection closed" {
			lvl = slog.LevelDebug
		}
		l.log.Log(context.Background(), lvl, "media: webrtc leg ended", "reason", why)
		close(l.failed)
	})
}

func (l *Leg) onState(s webrtc.PeerConnectionState) {
	l.log.Debug("webrtc leg state", "state", s.String())
	switch s {
	case webrtc.PeerConnectionStateConnected:
		l.connOnce.Do(func() { close(l.connected) })
		l.ct.stop()
	case webrtc.PeerConnectionStateFailed:
		l.fail("peer connection failed")
	case webrtc.PeerConnectionStateClosed:
		l.fail("peer connection closed")
	}
}

// onSignaling arms the connect timeout when the first offer/answer
// exchange completes (stable with a remote description): ICE cannot start
// before, and a call's offer may wait for a long ringing before it is
// answered, which must not count against the connection.
func (l *Leg) onSignaling(s webrtc.SignalingState) {
	if s != webrtc.SignalingStateStable || l.pc.RemoteDescription() == nil || l.pc.LocalDescription() == nil {
		return
	}
	l.ct.arm()
}

// DeferConnectTimeout keeps the connect timeout from starting when the
// negotiation completes; StartConnectTimeout starts it. For a local answer
// that reaches the peer later (the sandbox phone holds its answer to the
// page's call until the call is answered). Call it before the descriptions
// are set.
func (l *Leg) DeferConnectTimeout() { l.ct.deferStart() }

// StartConnectTimeout starts the connect timeout now, unless it runs
// already or the leg is connected or closed.
func (l *Leg) StartConnectTimeout() { l.ct.start() }

func (l *Leg) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	if t.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.remote != nil {
		return // one audio stream per call
	}
	l.remote = t
	if !l.readDL.IsZero() {
		_ = t.SetReadDeadline(l.readDL)
	}
	close(l.gotTrack)
	l.log.Debug("webrtc leg remote track", "codec", t.Codec().MimeType, "ssrc", uint32(t.SSRC()))
}

// ReadRTP returns the next packet of the remote audio track, blocking until
// the track arrives (pion announces it with its first packet). Packets of
// payload types that were not negotiated are skipped. After Close it
// returns an error wrapping io.EOF or ErrClosed; if the leg fails before a
// track arrived, ErrLegFailed.
func (l *Leg) ReadRTP() (*rtp.Packet, error) {
	t, err := l.waitTrack()
	if err != nil {
		return nil, err
	}
	buf := new(rtpBuf)
	for {
		n, _, err := t.Read(buf.b[:])
		if err != nil {
			if n > 0 {
				continue // pion read a packet of an unknown payload type
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, fmt.Errorf("media: leg read: %w", os.ErrDeadlineExceeded)
			}
			return nil, fmt.Errorf("media: leg read: %w", err)
		}
		if err := buf.p.Unmarshal(buf.b[:n]); err != nil {
			continue
		}
		return &buf.p, nil
	}
}

func (l *Leg) waitTrack() (*webrtc.TrackRemote, error) {
	select {
	case <-l.gotTrack:
	case <-l.closed:
		return nil, fmt.Errorf("media: leg read: %w", ErrClosed)
	case <-l.failed:
		return nil, fmt.Errorf("media: leg read: %w", ErrLegFailed)
	case <-l.dl.Done():
		return nil, fmt.Errorf("media: leg read: %w", os.ErrDeadlineExceeded)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.remote, nil
}

// SetReadDeadline makes a blocked ReadRTP return an error wrapping
// os.ErrDeadlineExceeded at t; the zero time clears it.
func (l *Leg) SetReadDeadline(t time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.readDL = t
	l.dl.Set(t)
	if l.remote != nil {
		return l.remote.SetReadDeadline(t)
	}
	return nil
}

// WriteRTP sends p on the audio track with the negotiated SSRC and p's own
// payload type (already mapped by the relay). Before negotiation bound the
// track it returns ErrNotReady and the packet is lost.
func (l *Leg) WriteRTP(p *rtp.Packet) error {
	select {
	case <-l.closed:
		return fmt.Errorf("media: leg write: %w", ErrClosed)
	default:
	}
	if err := l.track.WriteRTP(p); err != nil {
		return fmt.Errorf("media: leg write: %w", err)
	}
	return nil
}

// Close closes the PeerConnection and waits for its goroutines; blocked
// ReadRTP calls return. It is safe to call more than once.
func (l *Leg) Close() error {
	l.closeOnce.Do(func() {
		close(l.closed)
		l.ct.stop()
		if err := l.pc.GracefulClose(); err != nil {
			l.closeErr = fmt.Errorf("media: close peer connection: %w", err)
		}
		<-l.senderDone
		l.fail("closed")
	})
	return l.closeErr
}

// PreferCodecs limits the leg's next offer or answer to the codecs named
// (PCMU, PCMA, telephone-event; case does not matter), in that order: the
// ones the other leg accepted, so that both legs carry the same audio
// codec and nothing needs transcoding.
func (l *Leg) PreferCodecs(names ...string) error {
	var prefs []webrtc.RTPCodecParameters
	for _, n := range names {
		for _, c := range legCodecs {
			if strings.EqualFold(strings.TrimPrefix(c.MimeType, "audio/"), n) {
				prefs = append(prefs, c)
			}
		}
	}
	if len(prefs) == 0 {
		return fmt.Errorf("media: none of the codecs %v can be negotiated", names)
	}
	// An answer must use the offer's payload type numbers (the peer sends
	// with them; pion would otherwise answer with its own, and drop what
	// the peer sends, e.g. Chrome's telephone-event on 126).
	// Codecs the offer lacks cannot be preferred.
	if rd := l.pc.RemoteDescription(); rd != nil {
		var sd sdp.SessionDescription
		if err := sd.UnmarshalString(rd.SDP); err != nil {
			return fmt.Errorf("media: remote description: %w", err)
		}
		var offered []webrtc.RTPCodecParameters
		for _, md := range sd.MediaDescriptions {
			if md.MediaName.Media != "audio" {
				continue
			}
			for _, p := range prefs {
				for _, rc := range Codecs(md) {
					if strings.EqualFold("audio/"+rc.Name, p.MimeType) && rc.ClockRate == p.ClockRate {
						p.PayloadType = webrtc.PayloadType(rc.PT)
						offered = append(offered, p)
						break
					}
				}
			}
			break
		}
		if len(offered) == 0 {
			return fmt.Errorf("media: the peer offered none of %v", names)
		}
		prefs = offered
	}
	for _, tr := range l.pc.GetTransceivers() {
		if tr.Kind() == webrtc.RTPCodecTypeAudio {
			if err := tr.SetCodecPreferences(prefs); err != nil {
				return fmt.Errorf("media: codec preferences: %w", err)
			}
		}
	}
	return nil
}

// Codecs returns the payload types negotiated on the leg: those of the
// answer (ours or the peer's), which carries the offerer's numbers.
func (l *Leg) Codecs() ([]Codec, error) {
	desc := l.pc.LocalDescription()
	if desc != nil && desc.Type == webrtc.SDPTypeOffer {
		desc = l.pc.RemoteDescription()
	}
	if desc == nil {
		return nil, ErrNotReady
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(desc.SDP); err != nil {
		return nil, fmt.Errorf("media: negotiated description: %w", err)
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media == "audio" {
			return Codecs(md), nil
		}
	}
	return nil, errors.New("media: no audio in the session")
}
