package bridge_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/wav"
	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// TestVoicemail: with voicemail on, a call bob declines (or nobody
// answers) is answered by the gateway, which plays the greeting, records
// the caller until BYE, keeps the recording as WAV and sends bob its URL
// from the caller's number JID. The record says voicemail.
func TestVoicemail(t *testing.T) {
	for _, how := range []string{"declined", "unanswered"} {
		t.Run(how, func(t *testing.T) {
			e := newEnv(t, func(s *bridge.Settings) {
				s.Voicemail, s.MediaURL = true, "https://sms.example.org"
				s.Greeting = make([]int16, 160) // one packet: the test need not wait for a real greeting
				if how == "unanswered" {
					s.RingTimeout = 50 * time.Millisecond
				}
			})
			phone := bridgetest.NewRTPPhone(t)
			in := bridgetest.NewIncoming(phoneNumber, bobNumber, phone.SDP("sendrecv"))
			done := e.ring(in)
			prop := e.x.WaitJMI(t, "propose", bobBare)
			sid := prop.JMI.SessionID()
			if how == "declined" {
				e.jmi(bobPhone, phoneJID, &jingle.Reject{ID: sid, Reason: jingle.NewReason(jingle.Decline, "")})
			} else if r := e.x.WaitJMI(t, "retract", bobBare); r.Reason() != jingle.Timeout {
				t.Errorf("retract: %s", r.Raw)
			}
			call, ans := in.WaitAnswer(t)
			if g := phone.Read(t); g.PayloadType != 0 || len(g.Payload) != 160 {
				t.Errorf("greeting packet PT %d, %d bytes; want PCMU, 160", g.PayloadType, len(g.Payload))
			}
			// What comes during the greeting is dropped, so speak for a
			// while: 2 s of audio over at least 200 ms, ample for a loaded machine.
			speech := bytes.Repeat([]byte{media.EncodeULaw(4000)}, 160)
			for range 100 {
				phone.Send(t, ans, 0, speech)
				time.Sleep(2 * time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond) // the last packets reach the recorder
			call.HangupByPhone()
			msg := e.x.WaitMessage(t, "voicemail", func(m bridgetest.Message) bool { return strings.Contains(m.Raw, "jabber:x:oob") })
			if msg.From != phoneJID.String() || msg.To != bobBare || !strings.Contains(msg.Raw, "Voicemail from "+phoneNumber) {
				t.Errorf("voicemail message: %s", msg.Raw)
			}
			files := e.st.Media()
			if len(files) != 1 {
				t.Fatalf("%d files stored, want 1", len(files))
			}
			for id, f := range files {
				if !strings.Contains(msg.Raw, "https://sms.example.org/media/"+id+".wav") {
					t.Errorf("message does not link %s: %s", id, msg.Raw)
				}
				pcm, rate, err := wav.Decode(f.Data)
				if err != nil || rate != 8000 || f.ContentType != "audio/wav" {
					t.Fatalf("recording: %v, %d Hz, %s", err, rate, f.ContentType)
				}
				if len(pcm) < 8000/2 || pcm[len(pcm)/2] != media.DecodeULaw(media.EncodeULaw(4000)) {
					t.Errorf("recording of %d samples does not hold what the caller said", len(pcm))
				}
			}
			checkCDR(t, e.st.WaitCDRFor(t, sid), inCDR("voicemail"), true)
			<-done
			if fs := in.Finals(); len(fs) != 1 || fs[0].Code != 200 {
				t.Errorf("final responses %+v, want the gateway's 200", fs)
			}
		})
	}
}

// TestVoicemailOwnGreeting: voicemail plays the callee's own greeting
// (set in the settings command) rather than the gateway's; without one, or
// with one that cannot be read, the gateway's.
func TestVoicemailOwnGreeting(t *testing.T) {
	own := wav.Tone(1700, 8000, 60*time.Millisecond, 6000) // three packets
	gateway := make([]int16, 160)                          // one packet of silence
	for _, tt := range []struct {
		name string
		set  []int16 // bob's stored greeting; nil none, empty corrupt
		want []int16
	}{
		{"own", own, own},
		{"none", nil, gateway},
		{"corrupt", []int16{}, gateway},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(s *bridge.Settings) {
				s.Voicemail, s.MediaURL = true, "https://sms.example.org"
				s.Greeting = gateway
				s.RingTimeout = 50 * time.Millisecond
			})
			e.st.SetGreeting(bobBare, tt.set)
			phone := bridgetest.NewRTPPhone(t)
			in := bridgetest.NewIncoming(phoneNumber, bobNumber, phone.SDP("sendrecv"))
			done := e.ring(in)
			e.x.WaitJMI(t, "propose", bobBare)
			call, _ := in.WaitAnswer(t)
			var heard []byte
			for len(heard) < len(tt.want) {
				p := phone.Read(t)
				if p.PayloadType != 0 {
					t.Fatalf("greeting packet PT %d, want PCMU", p.PayloadType)
				}
				heard = append(heard, p.Payload...)
			}
			want := make([]byte, len(tt.want))
			for i, s := range tt.want {
				want[i] = media.EncodeULaw(s)
			}
			if !bytes.Equal(heard, want) {
				t.Errorf("the caller heard %d bytes that are not the %s greeting", len(heard), tt.name)
			}
			call.HangupByPhone()
			<-done
		})
	}
}
