// Package fspeer is a test peer with Gajim's media stack: GStreamer's
// fsrtpconference and farstream's libnice transmitter (plain RTP over
// ICE-UDP, RTCP on component 2, no DTLS), driven by a Python script over
// slixmpp (Debian packages). It calls a JID with a bare session-initiate
// as Gajim 1.7 does, sends a tone and counts the RTP it decodes.
package fspeer

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

//go:embed fspeer.py
var script []byte

// Packages are the Debian packages the script needs.
const Packages = "python3-gi python3-slixmpp gir1.2-farstream-0.2 gstreamer1.0-nice gstreamer1.0-plugins-base gstreamer1.0-plugins-good"

// Call is who calls whom, and for how long after the answer.
type Call struct {
	JID, Password string // the caller's account
	Server        string // host:port of plain c2s
	To            string // the full JID to call
	Seconds       float64
}

// Result is what the script saw.
type Result struct {
	Accepted bool              `json:"accepted"` // a session-accept came
	Received int               `json:"received"` // RTP buffers farstream decoded
	States   map[string]string `json:"states"`   // ICE component -> farstream state
	Error    string            `json:"error"`
}

// Run makes the call and returns when the script has hung up. It skips
// under -short and when the packages are missing.
func Run(t testing.TB, c Call) Result {
	t.Helper()
	if testing.Short() {
		t.Skip("fspeer: starts a farstream peer (skipped with -short)")
	}
	check := exec.Command("/usr/bin/python3", "-c", `import gi, slixmpp; gi.require_version("Farstream", "0.2"); from gi.repository import Farstream, Gst; Gst.init(None); assert Gst.ElementFactory.make("fsrtpconference") and Gst.ElementFactory.find("nicesrc")`)
	if out, err := check.CombinedOutput(); err != nil {
		t.Skipf("fspeer: install the Debian packages %s (%v: %s)", Packages, err, bytes.TrimSpace(out))
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "fspeer.py")
	if err := os.WriteFile(path, script, 0o600); err != nil {
		t.Fatal(err)
	}
	if c.Seconds <= 0 {
		c.Seconds = 4
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(c.Seconds*float64(time.Second))+90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", path, "--jid", c.JID, "--password", c.Password,
		"--server", c.Server, "--to", c.To, "--seconds", fmt.Sprint(c.Seconds))
	cmd.Env = append(os.Environ(), "GST_REGISTRY_1_0="+filepath.Join(dir, "registry.bin"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("fspeer: %v\n%s", err, stderr.String())
	}
	var r Result
	lines := bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n"))
	if err := json.Unmarshal(lines[len(lines)-1], &r); err != nil {
		t.Fatalf("fspeer: no result (%v)\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	return r
}
