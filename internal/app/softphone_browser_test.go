package app

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/jingle/media"
)

// toneWAV writes a 48 kHz sine for chromium's fake microphone.
func toneWAV(t *testing.T, hz float64) string {
	t.Helper()
	pcm := make([]int16, 48000*10)
	for i := range pcm {
		pcm[i] = int16(12000 * math.Sin(2*math.Pi*hz*float64(i)/48000))
	}
	path := filepath.Join(t.TempDir(), "tone.wav")
	if err := os.WriteFile(path, media.EncodeWAV(pcm, 48000), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSandboxSoftphone: a person on the sandbox page (headless chromium,
// its microphone playing 440 Hz) calls a user and is called by one, with
// no SIP anywhere. The user's Jingle client (aiortc, playing 1000 Hz)
// hears the page's tone; the page shows audio coming in.
func TestSandboxSoftphone(t *testing.T) {
	const pageNum = "+15557654321"
	tone := toneWAV(t, 440)

	t.Run("page calls user", func(t *testing.T) {
		e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
		bob := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{Tone: 1000, Detect: []float64{440}, AutoAnswer: true})
		b := startBrowserWith(t, e.url+"/sandbox/", []browserStep{
			{Op: "fill", Sel: "#line-number", Text: pageNum},
			{Op: "click", Sel: "#line-open"},
			{Op: "text", Sel: "#phone-status", Want: "Calls to " + pageNum + " ring here"},
			{Op: "fill", Sel: "#dial-to", Text: "+12015550100"},
			{Op: "click", Sel: "#dial"},
			{Op: "text", Sel: "#call-state", Want: "connected"},
			{Op: "text", Sel: "#call-stats", Want: "receiving audio"},
			// The test hangs up as bob once he has heard the page.
			{Op: "text", Sel: "#call-state", Want: "call ended"},
		}, map[string]any{"fakeAudio": tone, "timeoutMs": 40000})
		ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
		defer cancel()
		prop, err := bob.Expect(ctx, "session-initiate", nil)
		if err != nil {
			b.fail(t, "bob was not called: %v", err)
		}
		if prop.Str("from") != e.numberJID(pageNum) {
			t.Errorf("caller %q, want %s", prop.Str("from"), e.numberJID(pageNum))
		}
		if _, err := bob.WaitTone(ctx, 0.5); err != nil {
			b.fail(t, "bob did not hear the page: %v", err)
		}
		b.waitStep(t, ctx, 6) // the page shows bob's audio coming in
		bob.Do(map[string]any{"cmd": "hangup"})
		b.wait(t)
		if cdr := e.lastCDR(t, ctxT(t)); cdr.Direction != "inbound" || cdr.From != pageNum || cdr.Reason != "success" {
			t.Errorf("call record: %+v", cdr)
		}
	})

	t.Run("user calls page", func(t *testing.T) {
		e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
		bob := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{Tone: 1000, Detect: []float64{440}})
		b := startBrowserWith(t, e.url+"/sandbox/", []browserStep{
			{Op: "fill", Sel: "#line-number", Text: pageNum},
			{Op: "click", Sel: "#line-open"},
			{Op: "text", Sel: "#phone-status", Want: "ring here"},
			{Op: "text", Sel: "#incoming-from", Want: "+12015550100", Exact: true},
			{Op: "click", Sel: "#answer"},
			{Op: "text", Sel: "#call-state", Want: "connected"},
			{Op: "text", Sel: "#call-stats", Want: "receiving audio"},
			// bob texts the page once he has heard it (see below).
			{Op: "text", Sel: "li.msg.out .body", Want: "heard you"},
			{Op: "click", Sel: "#hangup"},
			{Op: "text", Sel: "#call-state", Want: "call ended"},
		}, map[string]any{"fakeAudio": tone, "timeoutMs": 40000})
		ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
		defer cancel()
		for !e.gw.voice.soft.Has(pageNum) {
			if ctx.Err() != nil {
				b.fail(t, "the page never took %s", pageNum)
			}
			time.Sleep(50 * time.Millisecond)
		}
		bob.Do(map[string]any{"cmd": "call", "to": e.numberJID(pageNum), "jmi": true})
		if _, err := bob.Expect(ctx, "proceed", nil); err != nil {
			b.fail(t, "the page did not answer: %v", err)
		}
		if _, err := bob.WaitTone(ctx, 0.5); err != nil {
			b.fail(t, "bob did not hear the page: %v", err)
		}
		// Tell the page to hang up, through the sandbox's SMS side.
		chat := e.prosody.Client(t, "bob", "pw-bob")
		if err := chat.Send(ctx, `<message type="chat" to="`+e.numberJID(pageNum)+`"><body>heard you</body></message>`); err != nil {
			b.fail(t, "%v", err)
		}
		end, err := bob.Expect(ctx, "terminated", nil)
		if err != nil {
			b.fail(t, "the page's hangup did not reach bob: %v", err)
		}
		if end.Str("reason") != "success" {
			t.Errorf("ended with %s", end)
		}
		b.wait(t)
	})
}
