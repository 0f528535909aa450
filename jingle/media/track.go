package media

import (
	"strings"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// rawTrack is a webrtc.TrackLocal that writes packets with the payload type
// they carry. pion's TrackLocalStaticRTP rewrites every packet to the
// bound codec's payload type, which would turn telephone-event packets
// into garbled audio.
type rawTrack struct {
	id, streamID string

	mu     sync.RWMutex
	bound  bool
	bindID string
	ssrc   uint32
	out    webrtc.TrackLocalWriter
}

func newRawTrack(id, streamID string) *rawTrack {
	return &rawTrack{id: id, streamID: streamID}
}

// Bind picks the codec pion reports in RTCP sender reports and stats:
// PCMU, else PCMA, else the first negotiated non-DTMF codec. The payload
// type of each packet still comes from the packet.
func (t *rawTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, ok := pickCodec(ctx.CodecParameters())
	if !ok {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	t.mu.Lock()
	t.bound = true
	t.bindID = ctx.ID()
	t.ssrc = uint32(ctx.SSRC())
	t.out = ctx.WriteStream()
	t.mu.Unlock()
	return codec, nil
}

func pickCodec(codecs []webrtc.RTPCodecParameters) (webrtc.RTPCodecParameters, bool) {
	for _, want := range []string{webrtc.MimeTypePCMU, webrtc.MimeTypePCMA} {
		for _, c := range codecs {
			if strings.EqualFold(c.MimeType, want) {
				return c, true
			}
		}
	}
	for _, c := range codecs {
		if !strings.EqualFold(c.MimeType, mimeTelephoneEvent) {
			return c, true
		}
	}
	return webrtc.RTPCodecParameters{}, false
}

// Unbind forgets the write stream; later writes report ErrNotReady.
func (t *rawTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.bound || t.bindID != ctx.ID() {
		return webrtc.ErrUnbindFailed
	}
	t.bound, t.out = false, nil
	return nil
}

func (t *rawTrack) ID() string                { return t.id }
func (t *rawTrack) StreamID() string          { return t.streamID }
func (t *rawTrack) RID() string               { return "" }
func (t *rawTrack) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }

// WriteRTP sends p with the bound SSRC and p's own payload type; p is not
// modified.
func (t *rawTrack) WriteRTP(p *rtp.Packet) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if !t.bound {
		return ErrNotReady
	}
	h := p.Header
	h.SSRC = t.ssrc
	if _, err := t.out.WriteRTP(&h, p.Payload); err != nil {
		return err
	}
	return nil
}
