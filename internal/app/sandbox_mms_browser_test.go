package app

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestSandboxMessagingInBrowser drives the page's messaging in headless
// chromium, in one run: the length limit refused on the page, a picture
// from a phone shown as a thumbnail and reaching alice, the "opted out"
// fault making alice's next text fail with its reason on the page (and an
// error for alice), her link shown as a link, conversations listed apart,
// and a group text.
func TestSandboxMessagingInBrowser(t *testing.T) {
	e := startEnv(t, envOptions{})
	alice := e.user(t, "alice", aliceNum, "sandbox")
	const other = "+12015550124" // a second phone, for a second conversation
	const caption = "a picture for you ✓"
	const link = "https://example.org/a?b=1&c=2"
	pic := redPNG(t)
	picFile := filepath.Join(t.TempDir(), "red.png")
	if err := os.WriteFile(picFile, pic, 0o600); err != nil {
		t.Fatal(err)
	}

	const faultSet = 14 // the step after which alice writes
	b := startBrowser(t, e.sandboxPage(), []browserStep{
		{Op: "value", Sel: "#to", Want: aliceNum, Exact: true},
		// Over the limit: refused on the page, the limit named, the text kept.
		{Op: "fill", Sel: "#body", Text: strings.Repeat("x", 1601)},
		{Op: "text", Sel: "#count", Want: "1601 / 1600"},
		{Op: "click", Sel: "#send"},
		{Op: "text", Sel: "#error", Want: "a message may have at most 1600"},
		// A picture from another phone.
		{Op: "fill", Sel: "#from", Text: other},
		{Op: "fill", Sel: "#body", Text: caption},
		{Op: "file", Sel: "#media", Text: picFile},
		{Op: "click", Sel: "#send"},
		{Op: "value", Sel: "#body", Want: "", Exact: true},
		{Op: "image", Sel: "li.msg.in .media img"},
		{Op: "text", Sel: "li.msg.in", Has: caption, Want: "accepted"},
		// The next message users send fails: its recipient opted out.
		{Op: "select", Sel: "#fault", Text: "opted-out"},
		{Op: "click", Sel: "#fault-apply"},
		{Op: "text", Sel: "#fault-state", Want: "Next message: fail: recipient opted out"},
		// alice's text, sent by the test below.
		{Op: "attr", Sel: "li.msg.out .body a", Text: "href", Want: link, Exact: true},
		{Op: "text", Sel: "li.msg.out .status", Want: "failed: " + carriers.ReasonOptedOut.Text() + " (code 21610)"},
		{Op: "text", Sel: "#fault-state", Want: "Next message: deliver"},
		// Two conversations; choosing one shows it alone and writes in it.
		{Op: "click", Sel: "#thread-list button", Has: other},
		{Op: "visible", Sel: "li.msg", Has: "see https", Want: "no"},
		{Op: "visible", Sel: "li.msg", Has: caption, Want: "yes"},
		{Op: "value", Sel: "#from", Want: other, Exact: true},
		// A group text: a conversation of its own.
		{Op: "fill", Sel: "#cc", Text: "+1 201 555 0125"},
		{Op: "fill", Sel: "#body", Text: "group ✓"},
		{Op: "click", Sel: "#send"},
		{Op: "text", Sel: "li.msg.in", Has: "group ✓", Want: "phone " + other + " → gateway " + aliceNum + " and +12015550125"},
		{Op: "text", Sel: "#thread-list", Want: aliceNum + " ⇄ " + other + ", +12015550125 (1)"},
	})
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()

	// alice gets the caption, then the picture as a link (XEP-0066) on
	// the gateway she can open.
	fromOther := func(s testenv.Stanza) bool { return s.Name == "message" && s.From == e.numberJID(other) }
	text, err := alice.Expect(ctx, fromOther)
	if err != nil || !strings.Contains(text.Body(), caption) {
		b.fail(t, "alice did not get the caption: %v %s", err, text.Raw)
	}
	msg, err := alice.Expect(ctx, fromOther)
	if err != nil {
		b.fail(t, "alice did not get the picture: %v", err)
	}
	m := regexp.MustCompile(`<url>([^<]+)</url>`).FindStringSubmatch(msg.Raw)
	if m == nil || !msg.Has("jabber:x:oob", "x") || !strings.Contains(m[1], "/media/") || msg.Body() != m[1] {
		b.fail(t, "want the gateway's link as body and OOB, got %s", msg.Raw)
	}
	if got := fetch(t, strings.ReplaceAll(m[1], "&amp;", "&")); !bytes.Equal(got, pic) {
		b.fail(t, "the picture's link gives %d bytes, not the %d sent", len(got), len(pic))
	}

	b.waitStep(t, ctx, faultSet)
	if err := alice.Send(ctx, `<message type="chat" id="l1" to="`+e.numberJID(phoneNum)+`"><body>see `+xmlEscape(link)+`. ✓</body></message>`); err != nil {
		b.fail(t, "%v", err)
	}
	if r, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.ID == "l1" && s.Type == "error" }); err != nil {
		b.fail(t, "alice heard nothing of the failure: %v", err)
	} else if r.From != e.numberJID(phoneNum) {
		b.fail(t, "the failure came from %s", r.From)
	}

	b.waitQuiet(t)
}

// redPNG is a small real picture, which chromium decodes.
func redPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{R: 220, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fetch GETs a loopback URL.
func fetch(t *testing.T, u string) []byte {
	t.Helper()
	if !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Fatalf("%s is not on loopback", u)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
