package app

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
	"github.com/switchboard-gw/switchboard/internal/wav"
)

// toneWAV writes a 48 kHz sine for chromium's fake microphone.
func toneWAV(t *testing.T, hz float64) string {
	t.Helper()
	pcm := make([]int16, 48000*10)
	for i := range pcm {
		pcm[i] = int16(12000 * math.Sin(2*math.Pi*hz*float64(i)/48000))
	}
	path := filepath.Join(t.TempDir(), "tone.wav")
	if err := os.WriteFile(path, wav.Encode(pcm, 48000), 0o644); err != nil {
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
		b := startBrowserWith(t, e.sandboxPage(), []browserStep{
			{Op: "fill", Sel: "#line-number", Text: pageNum},
			{Op: "click", Sel: "#line-open"},
			{Op: "text", Sel: "#phone-status", Want: "Calls to " + pageNum + " ring here"},
			{Op: "fill", Sel: "#dial-to", Text: "+12015550100"},
			{Op: "click", Sel: "#dial"},
			{Op: "text", Sel: "#call-state", Want: "connected"},
			{Op: "text", Sel: "#call-stats", Want: "receiving audio"},
			// The test hangs up as bob once he has heard the page.
			{Op: "text", Sel: "#call-state", Want: "Call ended: The other side hung up", Exact: true},
			// The audio line goes with the call.
			{Op: "text", Sel: "#call-stats", Want: "", Exact: true},
		}, map[string]any{"fakeAudio": tone, "timeoutMs": 40000})
		ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
		defer cancel()
		prop, err := bob.Expect(ctx, "session-initiate", nil)
		if err != nil {
			b.fail(t, "bob was not called: %v", err)
		}
		if prop.Str("from") != e.numberFull(pageNum) {
			t.Errorf("caller %q, want %s", prop.Str("from"), e.numberFull(pageNum))
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
		b := startBrowserWith(t, e.sandboxPage(), []browserStep{
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
			{Op: "text", Sel: "#call-state", Want: "Call ended: Hung up", Exact: true},
			{Op: "text", Sel: "#call-stats", Want: "", Exact: true},
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

// TestSandboxSoftphoneRefused: the call form shows only once the page holds
// a number, and calls the gateway refuses end in plain words (no SIP status
// line), with the audio line cleared. Screenshots of the page before and
// after taking a number go to t.ArtifactDir() (kept with go test -artifacts).
func TestSandboxSoftphoneRefused(t *testing.T) {
	const pageNum = "+15557654321"
	e := startEnv(t, envOptions{env: voiceEnv(t, "127.0.0.1:9")})
	// bob is rung but does not answer: the test refuses as him, once the
	// page shows that no audio has come yet.
	bob := e.voiceUser(t, "bob", "+12015550100", jinglepeer.Options{})
	shots := t.ArtifactDir()
	b := startBrowserWith(t, e.sandboxPage(), []browserStep{
		{Op: "visible", Sel: "#dial-form", Want: "no"},
		{Op: "visible", Sel: "#line-form", Want: "yes"},
		{Op: "screenshot", Text: filepath.Join(shots, "before-number.png")},
		{Op: "fill", Sel: "#line-number", Text: pageNum},
		{Op: "click", Sel: "#line-open"},
		{Op: "text", Sel: "#phone-status", Want: "Calls to " + pageNum + " ring here"},
		{Op: "visible", Sel: "#dial-form", Want: "yes"},
		{Op: "screenshot", Text: filepath.Join(shots, "after-number.png")},
		// A number nobody on the gateway has: refused with 404 at once.
		{Op: "fill", Sel: "#dial-to", Text: "+12015550199"},
		{Op: "click", Sel: "#dial"},
		{Op: "text", Sel: "#call-state", Want: "Call ended: Number not found: not on this gateway", Exact: true},
		{Op: "text", Sel: "#call-stats", Want: "", Exact: true},
		{Op: "text", Sel: "#phone-error", Want: "", Exact: true},
		// bob: rung, then busy (486 on the SIP side).
		{Op: "fill", Sel: "#dial-to", Text: "+12015550100"},
		{Op: "click", Sel: "#dial"},
		{Op: "text", Sel: "#call-stats", Want: "no audio yet"},
		{Op: "text", Sel: "#call-state", Want: "Call ended: Busy", Exact: true},
		{Op: "text", Sel: "#call-stats", Want: "", Exact: true},
		{Op: "visible", Sel: "#hangup", Want: "no"},
		{Op: "screenshot", Text: filepath.Join(shots, "after-busy.png")},
	}, map[string]any{"fakeAudio": toneWAV(t, 440), "timeoutMs": 40000})
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	if _, err := bob.Expect(ctx, "propose", nil); err != nil {
		b.fail(t, "bob was not rung: %v", err)
	}
	b.waitStep(t, ctx, 15) // "no audio yet" is on the page
	bob.Do(map[string]any{"cmd": "reject", "reason": "busy"})
	b.wait(t)
	t.Logf("screenshots in %s", shots)
}
