package app

import (
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/wav"
)

// TestVoicemail: a call nobody answers (or that the user declines) goes to
// voicemail: the gateway answers, plays the greeting, records SIPp's G.711
// audio until it hangs up, and sends the owner a file message whose URL
// serves the recording as WAV.
func TestVoicemail(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts jinglepeer.Options
		why  string // the JMI the user's client sees
	}{
		{name: "nobody answers", opts: jinglepeer.Options{}, why: "retract"},
		{name: "user declines", opts: jinglepeer.Options{AutoReject: "decline"}, why: "reject-sent"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9",
				"SWITCHBOARD_CALLS_RING_TIMEOUT=2s", "SWITCHBOARD_CALLS_VOICEMAIL=true")})
			bob := e.voiceUser(t, "bob", "+12015550100", tt.opts)
			ctx := ctxTimeoutT(t, 60*time.Second)
			sipp := e.callGateway(t, "uac_call.xml", "+12015550100", nil)
			if _, err := bob.Expect(ctx, tt.why, nil); err != nil {
				t.Fatal(err)
			}
			if err := sipp.Wait(ctx); err != nil {
				t.Fatalf("SIPp scenario: %v", err)
			}
			msg, err := bob.Expect(ctx, "message", nil)
			if err != nil {
				t.Fatal(err)
			}
			url := msg.Str("url")
			if msg.Str("from") != e.numberJID(callerNumber) || !strings.HasPrefix(url, e.url+"/media/") ||
				!strings.Contains(msg.Str("body"), "Voicemail from "+callerNumber) || !strings.Contains(msg.Str("body"), url) {
				t.Fatalf("voicemail message: %s", msg)
			}
			res, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			file, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "audio/wav" {
				t.Fatalf("GET %s: %d %s", url, res.StatusCode, res.Header.Get("Content-Type"))
			}
			pcm, rate, err := wav.Decode(file)
			if err != nil || rate != 8000 {
				t.Fatalf("recording: %v, %d Hz", err, rate)
			}
			// SIPp plays about 1.5 s of speech-level audio before its DTMF; the
			// 0.4 s greeting covers the start of it.
			secs := float64(len(pcm)) / 8000
			var sum float64
			for _, s := range pcm {
				sum += float64(s) * float64(s)
			}
			rms := math.Sqrt(sum / float64(max(len(pcm), 1)))
			if secs < 0.6 || rms < 100 {
				t.Errorf("recording of %.1f s with RMS %.0f: not the caller's audio", secs, rms)
			}
			t.Logf("recording: %.1f s, RMS %.0f", secs, rms)
			if cdr := e.lastCDR(t, ctx); cdr.Reason != "voicemail" || cdr.Answer.IsZero() {
				t.Errorf("call record: %+v", cdr)
			}
			if code, _ := e.get(t, "/media/0123456789abcdef.wav"); code != 404 {
				t.Errorf("unknown media: %d", code)
			}
		})
	}
}
