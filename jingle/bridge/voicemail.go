package bridge

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/wav"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// reasonVoicemail is what the record of a call that went to voicemail says.
const reasonVoicemail = "voicemail"

// Beep is the default voicemail greeting: a short 1 kHz tone, the signal
// callers know as "speak now". Operators can set a recorded greeting.
func Beep() []int16 { return wav.Tone(1000, 8000, 400*time.Millisecond, 8000) }

// g711 is the encoder and decoder of one G.711 payload type.
type g711 struct {
	codec media.Codec
	enc   func(int16) byte
	dec   func(byte) int16
}

func pickG711(cs []media.Codec) (g711, bool) {
	for _, c := range cs {
		switch strings.ToUpper(c.Name) {
		case "PCMU":
			return g711{c, media.EncodeULaw, media.DecodeULaw}, true
		case "PCMA":
			return g711{c, media.EncodeALaw, media.DecodeALaw}, true
		}
	}
	return g711{}, false
}

// reserveVoicemail asks the voicemail ledger for room for the longest
// recording: under the number's hourly cap and within the budget shared by
// every instance. Without it the call ends as if voicemail were off.
func (c *call) reserveVoicemail() bool {
	b := c.b
	ctx, cancel := context.WithTimeout(c.ctx, b.set.SendTimeout)
	defer cancel()
	c.greeting = b.greeting(ctx, c.owner.String())
	if b.set.Media == nil {
		return true // nowhere to keep it: deliverVoicemail says so
	}
	id, now := newSID()+newSID(), time.Now()
	// A reservation whose instance dies mid-recording lapses on its own.
	hold := b.set.VoicemailMax + time.Duration(len(c.greeting))*time.Second/8000 + time.Minute
	err := b.set.Media.ReserveVoicemail(ctx, now, id, c.to, recordingBytes(b.set.VoicemailMax), now.Add(hold),
		store.VoicemailLimits{PerHour: b.set.VoicemailPerHour, Budget: b.set.VoicemailBudget})
	switch {
	case errors.Is(err, store.ErrVoicemailHourly):
		b.limits.logRefusal(b.log, limitVoicemail, "to", b.redact(c.to))
		return false
	case errors.Is(err, store.ErrVoicemailBudget):
		b.limits.logRefusal(b.log, limitVMBudget)
		return false
	case err != nil:
		c.log.Warn("bridge: voicemail unavailable", "err", err)
		return false
	}
	c.mu.Lock()
	c.vmID = id
	c.mu.Unlock()
	return true
}

// releaseVoicemail gives the reservation's bytes back: nothing was stored.
func (c *call) releaseVoicemail() {
	c.mu.Lock()
	id := c.vmID
	c.vmID = ""
	c.mu.Unlock()
	if id == "" || c.b.set.Media == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.b.set.SendTimeout)
	defer cancel()
	if err := c.b.set.Media.ReleaseVoicemail(ctx, id); err != nil {
		c.log.Warn("bridge: voicemail reservation not released; it lapses by itself", "err", err)
	}
}

// voicemail answers a call nobody took, plays the greeting (the owner's
// own, else the gateway's), records the
// caller until they hang up (or the limit), and sends the recording to the
// owner as a file message (XEP-0066), re-hosted by the gateway. It reports
// whether it answered the call (else the caller was refused and the call
// ended).
func (c *call) voicemail(in Incoming) bool {
	b := c.b
	stored := false
	defer func() {
		if !stored {
			c.releaseVoicemail()
		}
	}()
	sm, err := ParsePlainSDP(in.Offer())
	codec, ok := pickG711(sm.Codecs)
	if err != nil || !ok {
		_ = in.Reject(488, "Not Acceptable Here")
		c.end(sideSIP, jingle.NewReason(jingle.IncompatibleParameters, ""))
		return false
	}
	conn, err := c.listenRTP()
	if err != nil {
		_ = in.Reject(503, "Service Unavailable")
		c.end(sideSIP, jingle.NewReason(jingle.GeneralError, "no free media port"))
		return false
	}
	conn.SetPeer(sm.Addr, c.b.set.TrustedMedia)
	c.mu.Lock()
	c.rtp = conn
	c.mu.Unlock()
	sc, err := in.Answer(c.ctx, PlainSDP(b.set.PublicIP, conn.LocalAddr().Port(), []media.Codec{codec.codec}, answerDirection(sm.Dir)))
	if err != nil {
		c.log.Warn("bridge: cannot answer for voicemail", "err", err)
		c.end(sideSIP, jingle.NewReason(jingle.GeneralError, ""))
		return false
	}
	if !c.setAnswered(sc) {
		return false // ended while answering (shutdown): nothing recorded
	}

	rec := &recorder{codec: codec, done: make(chan struct{})}
	go rec.run(conn)
	greeting := c.greeting
	if len(greeting) == 0 {
		greeting = b.set.Greeting
	}
	c.play(conn, codec, greeting, sc.Done())
	rec.start()
	t := time.NewTimer(b.set.VoicemailMax)
	select {
	case <-sc.Done():
	case <-t.C:
		_ = sc.Hangup(c.ctx)
	case <-c.ctx.Done():
	}
	t.Stop()
	_ = conn.SetReadDeadline(time.Now()) // ends the recorder
	pcm := rec.wait()
	if len(pcm) >= 8000/2 {
		var err error
		stored, err = c.deliverVoicemail(pcm)
		if err != nil {
			c.log.Error("bridge: voicemail not delivered", "err", err)
		}
	} else {
		c.log.Debug("bridge: caller left no message")
	}
	c.end(sideSIP, &jingle.Reason{Condition: reasonVoicemail})
	return true
}

// play sends pcm as 20 ms G.711 packets in real time.
func (c *call) play(conn *media.RTPConn, codec g711, pcm []int16, stop <-chan struct{}) {
	const frame = 160
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	p := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, PayloadType: codec.codec.PT,
		SequenceNumber: uint16(rand.Uint32()), Timestamp: rand.Uint32(), SSRC: rand.Uint32()}}
	for i := 0; i < len(pcm); i += frame {
		chunk := pcm[i:min(i+frame, len(pcm))]
		p.Payload = make([]byte, len(chunk))
		for j, s := range chunk {
			p.Payload[j] = codec.enc(s)
		}
		if err := conn.WriteRTP(p); err != nil {
			c.log.Debug("bridge: greeting packet not sent", "err", err)
		}
		p.Marker = false
		p.SequenceNumber++
		p.Timestamp += frame
		select {
		case <-tick.C:
		case <-stop:
			return
		case <-c.ctx.Done():
			return
		}
	}
}

// recorder decodes the caller's audio once started; what arrives during
// the greeting is dropped.
type recorder struct {
	codec g711

	done chan struct{} // closed when run returns

	mu  sync.Mutex
	on  bool
	pcm []int16
}

func (r *recorder) run(conn *media.RTPConn) {
	defer close(r.done)
	for {
		p, err := conn.ReadRTP()
		if err != nil {
			return
		}
		r.mu.Lock()
		if r.on && p.PayloadType == r.codec.codec.PT {
			for _, b := range p.Payload {
				r.pcm = append(r.pcm, r.codec.dec(b))
			}
		}
		r.mu.Unlock()
	}
}

func (r *recorder) start() {
	r.mu.Lock()
	r.on = true
	r.mu.Unlock()
}

func (r *recorder) wait() []int16 {
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pcm
}

type oob struct {
	XMLName xml.Name `xml:"jabber:x:oob x"`
	URL     string   `xml:"url"`
	Desc    string   `xml:"desc,omitempty"`
}

// chatMessage is a message from a caller's JID to the owner: a missed
// call, or a voicemail with its recording attached (XEP-0066).
type chatMessage struct {
	XMLName xml.Name `xml:"message"`
	ID      string   `xml:"id,attr"`
	Type    string   `xml:"type,attr"`
	From    string   `xml:"from,attr"`
	To      string   `xml:"to,attr"`
	Body    string   `xml:"body"`
	OOB     *oob
	Store   *storeHint
}

// deliverVoicemail keeps the recording for the media TTL, counted in the
// ledger at its size, and tells the owner where it is. It reports whether
// the recording was stored.
func (c *call) deliverVoicemail(pcm []int16) (bool, error) {
	b := c.b
	if b.set.Media == nil || b.set.MediaURL == "" {
		return false, errors.New("bridge: no media store configured")
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.set.SendTimeout)
	defer cancel()
	c.mu.Lock()
	id := c.vmID
	c.mu.Unlock()
	wav := wav.Encode(pcm, 8000)
	// Counted at its size before it is stored: a ledger that missed a
	// stored recording would let the budget be overrun.
	now := time.Now()
	if err := b.set.Media.SettleVoicemail(ctx, now, id, int64(len(wav)), now.Add(b.set.MediaTTL)); err != nil {
		return false, err
	}
	if err := b.set.Media.PutMedia(ctx, id, "audio/wav", wav, b.set.MediaTTL); err != nil {
		return false, err
	}
	url := b.set.MediaURL + "/media/" + id + ".wav"
	secs := (len(pcm) + 4000) / 8000
	body := fmt.Sprintf("Voicemail from %s (%d s): %s", c.from, secs, url)
	msg := chatMessage{ID: newSID(), Type: "chat", From: c.numberJID, To: c.owner.String(), Body: body,
		OOB: &oob{URL: url, Desc: "Voicemail"}, Store: &storeHint{}}
	if err := b.xmpp.Send(ctx, msg); err != nil {
		return true, err
	}
	c.log.Info("bridge: voicemail delivered", "seconds", secs)
	return true, nil
}
