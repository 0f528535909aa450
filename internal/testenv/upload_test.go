package testenv_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestFileShare: with FileShare, Prosody (0.12's mod_http_file_share, as
// the demo runs it) grants a XEP-0363 slot, takes the PUT and serves the
// file back over loopback, and refuses files over its size limit.
func TestFileShare(t *testing.T) {
	p := testenv.StartProsody(t, testenv.ProsodyOptions{FileShare: true})
	if p.UploadDomain != "upload.localhost" {
		t.Fatalf("UploadDomain = %q", p.UploadDomain)
	}
	p.Register(t, "alice", "pw")
	alice := p.Client(t, "alice", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// The service is found the way clients find it: a disco item of the host.
	if err := alice.Send(ctx, `<iq type="get" id="items" to="localhost"><query xmlns="http://jabber.org/protocol/disco#items"/></iq>`); err != nil {
		t.Fatal(err)
	}
	items, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.ID == "items" })
	if err != nil || !strings.Contains(items.Raw, `jid="upload.localhost"`) {
		t.Fatalf("disco#items of localhost lacks the upload service: %v %s", err, items.Raw)
	}

	pic := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 1000)...)
	u, err := alice.Upload(ctx, p.UploadDomain, "cat picture.png", "image/png", pic)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "http://"+p.HTTPAddr+"/file_share/") {
		t.Fatalf("GET URL %s is not on Prosody's loopback HTTP port %s", u, p.HTTPAddr)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, pic) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("GET %s: %s %q, %d bytes (want the %d uploaded)", u, resp.Status, resp.Header.Get("Content-Type"), len(got), len(pic))
	}

	// Over the limit (10 MiB): no slot.
	if err := alice.Send(ctx, `<iq type="get" id="big" to="upload.localhost"><request xmlns="urn:xmpp:http:upload:0" filename="big.png" size="20000000" content-type="image/png"/></iq>`); err != nil {
		t.Fatal(err)
	}
	big, err := alice.Expect(ctx, func(s testenv.Stanza) bool { return s.ID == "big" })
	if err != nil || big.Type != "error" || !big.Has("urn:xmpp:http:upload:0", "file-too-large") {
		t.Fatalf("a 20 MB slot: %v %s", err, big.Raw)
	}
}
