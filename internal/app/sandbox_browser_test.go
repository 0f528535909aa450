package app

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// chromium is Debian's build (tools/system-deps.sh installs it): the test
// machines have no outside network to download playwright's own.
const chromium = "/usr/bin/chromium"

// browserTimeout bounds one run of the script, browser start included.
const browserTimeout = 60 * time.Second

// TestSandboxPageInBrowser drives the sandbox page in headless chromium
// against a real gateway, Prosody and Redis, so the page's JavaScript is
// tested the way a person trying the gateway uses it: the script plays the
// phone on the page while the test plays alice on XMPP.
func TestSandboxPageInBrowser(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	page := e.sandboxPage()
	phoneJID := e.numberJID(phoneNum)

	t.Run("phone and user chat", func(t *testing.T) {
		const text = "hello from the phone ✓ 42"
		// Markup in the reply must show as text, not become elements.
		const reply = "got it <b>&</b> ✓"
		b := startBrowser(t, page, []browserStep{
			// /sandbox/api/numbers filled in the number bound to alice.
			{Op: "value", Sel: "#to", Want: aliceNum, Exact: true},
			// Typed as a person would; the sandbox normalises it.
			{Op: "fill", Sel: "#from", Text: "+1 (201) 555-0123"},
			{Op: "fill", Sel: "#body", Text: text},
			{Op: "click", Sel: "#send"},
			// The page clears the text only once the gateway took it.
			{Op: "value", Sel: "#body", Want: "", Exact: true},
			{Op: "text", Sel: "#error", Want: "", Exact: true},
			// The long poll shows the message and what became of it.
			{Op: "text", Sel: "li.msg.in .body", Want: text, Exact: true},
			{Op: "text", Sel: "li.msg.in", Has: text, Want: "accepted"},
			// alice's reply, sent by the test below once she has the text.
			{Op: "text", Sel: "li.msg.out .body", Want: reply, Exact: true},
			{Op: "text", Sel: "li.msg.out", Has: reply, Want: "XMPP user " + aliceNum + " → phone " + phoneNum},
			{Op: "text", Sel: "li.msg.out", Has: reply, Want: "delivered"},
		})

		ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
		defer cancel()
		msg, err := alice.Expect(ctx, func(s testenv.Stanza) bool {
			return s.Name == "message" && s.From == phoneJID && s.Body() == text
		})
		if err != nil {
			b.fail(t, "alice did not get the text typed on the page: %v", err)
		}
		if msg.Type != "chat" {
			b.fail(t, "want a chat message, got %s", msg.Raw)
		}

		if err := alice.Send(ctxT(t), `<message type="chat" to="`+phoneJID+`" id="r1"><body>`+xmlEscape(reply)+`</body><request xmlns="urn:xmpp:receipts"/></message>`); err != nil {
			b.fail(t, "%v", err)
		}
		// The sandbox reports every message delivered, which the gateway
		// turns into a XEP-0184 receipt from the phone's JID.
		r, err := alice.Expect(ctxT(t), func(s testenv.Stanza) bool {
			return s.Name == "message" && s.From == phoneJID && s.Has("urn:xmpp:receipts", "received")
		})
		if err != nil {
			b.fail(t, "no receipt for the reply: %v", err)
		}
		if !strings.Contains(r.Raw, `id="r1"`) {
			b.fail(t, "want a receipt for r1, got %s", r.Raw)
		}

		b.waitQuiet(t)
	})

	// A mistake shows in the error box, keeps the text for another try and
	// sends nothing; the corrected message then goes through, and being the
	// first with its text to reach alice proves the bad one never did.
	bad := []struct {
		name, from, to string
		want           string // in #error
	}{
		{"sender without country code", "12", aliceNum, `from: phone: national number needs a country code (+...): "12"`},
		{"sender too short", "+1201", aliceNum, `from: phone: too short: "+1201"`},
		{"recipient too short", phoneNum, "+1555", `to: phone: too short: "+1555"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			text := "retry after: " + tt.name + " ✓"
			b := startBrowser(t, page, []browserStep{
				{Op: "value", Sel: "#to", Want: aliceNum, Exact: true},
				{Op: "fill", Sel: "#from", Text: tt.from},
				{Op: "fill", Sel: "#to", Text: tt.to},
				{Op: "fill", Sel: "#body", Text: text},
				{Op: "click", Sel: "#send"},
				{Op: "text", Sel: "#error", Want: tt.want, Exact: true},
				{Op: "value", Sel: "#body", Want: text, Exact: true},
				{Op: "fill", Sel: "#from", Text: phoneNum},
				{Op: "fill", Sel: "#to", Text: aliceNum},
				{Op: "click", Sel: "#send"},
				{Op: "value", Sel: "#body", Want: "", Exact: true},
				{Op: "text", Sel: "#error", Want: "", Exact: true},
			})
			ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
			defer cancel()
			msg, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.Body() == text })
			if err != nil {
				b.fail(t, "the corrected message did not reach alice: %v", err)
			}
			if msg.From != phoneJID {
				b.fail(t, "the refused message reached alice: %s", msg.Raw)
			}
			b.wait(t)
			// The sandbox logs every message it hands the gateway.
			var in []sandboxEntry
			for _, x := range e.sandboxAll(t) {
				if x.Dir == "in" && x.Body == text {
					in = append(in, x)
				}
			}
			if len(in) != 1 || in[0].From != phoneNum || in[0].To != aliceNum {
				t.Fatalf("want only the corrected message in the sandbox log, got %+v", in)
			}
		})
	}

	// Another web site open in the same browser posts a text to the
	// sandbox's API as a "simple" cross-origin request (text/plain, no
	// token). Before, the gateway took it and alice got the text (CSRF).
	t.Run("another site posts to the API", func(t *testing.T) {
		const text = "forged by another site ✓"
		body := fmt.Sprintf(`{"from":%q,"to":%q,"body":%q}`, phoneNum, aliceNum, text)
		// The other site: another origin (port) on loopback, a real
		// address, so the browser's private-network rules let its request
		// through to the gateway.
		elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<!doctype html><title>elsewhere</title>"))
		}))
		defer elsewhere.Close()
		b := startBrowser(t, page, []browserStep{
			{Op: "crosssite", URL: elsewhere.URL + "/elsewhere.html", Text: body},
		})
		res := b.wait(t)
		t.Logf("the other site: %s", res.Steps[0].Got)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if m, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.Name == "message" && s.Body() == text }); err == nil {
			t.Fatalf("alice got the other site's text: %s", m.Raw)
		}
		for _, x := range e.sandboxAll(t) {
			if x.Body == text {
				t.Fatalf("the sandbox took the other site's text: %+v", x)
			}
		}
	})

	// When the gateway cannot be reached the page says so; the script fails
	// on an uncaught error in the page.
	t.Run("gateway unreachable", func(t *testing.T) {
		const text = "into the void ✓"
		b := startBrowser(t, page, []browserStep{
			{Op: "value", Sel: "#to", Want: aliceNum, Exact: true},
			{Op: "block", URL: "**/api/send"},
			{Op: "fill", Sel: "#body", Text: text},
			{Op: "click", Sel: "#send"},
			{Op: "text", Sel: "#error", Want: "cannot reach the gateway"},
			{Op: "value", Sel: "#body", Want: text, Exact: true},
		})
		b.wait(t)
	})
}

// browserStep is one step of tools/sandbox-e2e.js; its header says what
// each op does.
type browserStep struct {
	Op    string `json:"op"`
	Sel   string `json:"sel,omitempty"`
	URL   string `json:"url,omitempty"`
	Text  string `json:"text,omitempty"`
	Want  string `json:"want"` // "" is a real value: with Exact, "empty"
	Has   string `json:"has,omitempty"`
	Exact bool   `json:"exact,omitempty"`
}

// browserResult is the JSON the script prints on stdout.
type browserResult struct {
	OK        bool
	Error     string
	Artifacts string // dir with a screenshot and the page's HTML, on failure
	Steps     []struct {
		Op, Sel, Got string
		Ms           int
	}
	Console []string // errors and warnings the page logged
	Ms      int
}

func (r browserResult) timings() string {
	var b strings.Builder
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "%s %s %dms; ", s.Op, s.Sel, s.Ms)
	}
	return b.String()
}

// browser is one run of tools/sandbox-e2e.js.
type browser struct {
	stdout, stderr syncbuf.Buffer // written by exec until exited is closed; stderr is read while it runs
	exited         chan struct{}
	err            error              // from Wait, once exited is closed
	ctx            context.Context    // ends when the script exits
	stop           context.CancelFunc // asks the script to stop
}

// startBrowser starts the script on page with steps and returns at once, so
// the test can play the XMPP side meanwhile.
func startBrowser(t *testing.T, page string, steps []browserStep) *browser {
	t.Helper()
	return startBrowserWith(t, page, steps, nil)
}

// startBrowserWith is startBrowser with more settings for the script
// (e.g. "fakeAudio").
func startBrowserWith(t *testing.T, page string, steps []browserStep, extra map[string]any) *browser {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%v: install the Debian package chromium (tools/system-deps.sh test)", err)
	}
	tools := carriertest.Tools(t)
	settings := map[string]any{"url": page, "steps": steps, "chromium": chromium}
	for k, v := range extra {
		settings[k] = v
	}
	spec, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	// End the script before `go test -timeout` would kill the binary, so
	// it still closes chromium, which playwright starts in a process group
	// of its own.
	deadline := time.Now().Add(browserTimeout)
	if d, ok := t.Deadline(); ok && d.Add(-10*time.Second).Before(deadline) {
		deadline = d.Add(-10 * time.Second)
		if time.Until(deadline) < 5*time.Second {
			t.Fatalf("too little time left before the test deadline (%v) to run a browser", d.Format(time.TimeOnly))
		}
	}
	runCtx, stop := context.WithDeadline(context.Background(), deadline)
	cmd := exec.CommandContext(runCtx, "node", "sandbox-e2e.js", string(spec))
	cmd.Dir = tools
	b := &browser{exited: make(chan struct{}), stop: stop}
	cmd.Stdout, cmd.Stderr = &b.stdout, &b.stderr
	// A group of its own, so the whole of it can be signalled; Pdeathsig
	// for when the test binary dies without running cleanups.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// SIGTERM lets the script save a screenshot and close chromium; exec
	// kills it if it has not exited WaitDelay later.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		stop()
		t.Fatalf("start node: %v", err)
	}
	var exited context.CancelFunc
	b.ctx, exited = context.WithCancel(context.Background())
	go func() {
		b.err = cmd.Wait()
		// Whatever is left of the group goes too.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		close(b.exited)
		exited()
	}()
	t.Cleanup(func() {
		stop()
		<-b.exited
	})
	return b
}

// wait waits for the script to finish and fails the test, with all the
// script said, unless every step passed.
func (b *browser) wait(t *testing.T) browserResult {
	t.Helper()
	<-b.exited
	var res browserResult
	out := bytes.TrimSpace([]byte(b.stdout.String()))
	err := json.Unmarshal(out[bytes.LastIndexByte(out, '\n')+1:], &res)
	if b.err != nil || err != nil || !res.OK {
		t.Fatalf("tools/sandbox-e2e.js failed: %s (exit: %v)\nscreenshot and page: %s\n%s", res.Error, b.err, res.Artifacts, b.output())
	}
	return res
}

// waitQuiet is wait, and fails the test for anything the page logged
// (errors, warnings) on the way, then logs the steps' times.
func (b *browser) waitQuiet(t *testing.T) {
	t.Helper()
	res := b.wait(t)
	for _, c := range res.Console {
		// Chromium asks every site for one; the gateway has none.
		if !strings.HasSuffix(c, "/favicon.ico)") {
			t.Errorf("the page logged: %s", c)
		}
	}
	t.Logf("browser run %v, steps %s", time.Duration(res.Ms)*time.Millisecond, res.timings())
}

// fail stops the script, which saves a screenshot of the page as it was,
// and fails the test with msg and all the script said.
func (b *browser) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	b.stop()
	<-b.exited
	t.Fatalf("%s\n%s", fmt.Sprintf(format, args...), b.output())
}

// waitStep waits until the script reports step n (from 0) done, so the
// test can act on what the page has shown.
func (b *browser) waitStep(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	done := fmt.Sprintf(": step %d ", n)
	for {
		for _, line := range strings.Split(b.stderr.String(), "\n") {
			if strings.Contains(line, done) && strings.Contains(line, ": ok in ") {
				return
			}
		}
		select {
		case <-ctx.Done():
			b.fail(t, "the page never got past step %d", n)
		case <-b.exited:
			b.fail(t, "the script ended before step %d", n)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (b *browser) output() string {
	return fmt.Sprintf("script stdout:\n%s\nscript stderr:\n%s", b.stdout.String(), b.stderr.String())
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
