// Package fspeer is a test peer with Gajim's media stack: GStreamer's
// fsrtpconference and farstream's libnice transmitter (plain RTP over
// ICE-UDP, RTCP on component 2, no DTLS), driven by a Python script over
// slixmpp (Debian packages). It calls a JID with a bare session-initiate
// as Gajim 1.7 does, sends a tone and counts the RTP it decodes.
package fspeer

import (
	"bufio"
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

// Call is who calls whom (or, with Answer, whose call to take), and for
// how long after the answer.
type Call struct {
	JID, Password string // the caller's account
	Server        string // host:port of plain c2s
	To            string // the full JID to call
	// Answer, instead of To: the bare JID to add as a contact (a
	// subscription both ways, so the user's presence reaches it) and whose
	// session-initiate to answer.
	Answer  string
	Seconds float64
}

// Result is what the script saw.
type Result struct {
	Accepted bool              `json:"accepted"` // the session was accepted
	Received int               `json:"received"` // RTP buffers farstream decoded
	States   map[string]string `json:"states"`   // ICE component -> farstream state
	Error    string            `json:"error"`
}

// Peer is a running script.
type Peer struct {
	t      testing.TB
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stderr bytes.Buffer
	lines  chan []byte // stdout, line by line
	done   chan struct{}
	err    error
}

// Run makes the call and returns when the script has hung up.
func Run(t testing.TB, c Call) Result {
	t.Helper()
	return Start(t, c).Wait()
}

// Start starts the script. It skips under -short and when the packages
// are missing; the script is killed at cleanup.
func Start(t testing.TB, c Call) *Peer {
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(c.Seconds*float64(time.Second))+5*time.Minute)
	args := []string{path, "--jid", c.JID, "--password", c.Password, "--server", c.Server, "--seconds", fmt.Sprint(c.Seconds)}
	if c.Answer != "" {
		args = append(args, "--answer", c.Answer)
	} else {
		args = append(args, "--to", c.To)
	}
	p := &Peer{t: t, cancel: cancel, lines: make(chan []byte, 16), done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, "/usr/bin/python3", args...)
	p.cmd.Env = append(os.Environ(), "GST_REGISTRY_1_0="+filepath.Join(dir, "registry.bin"))
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- append([]byte(nil), sc.Bytes()...)
		}
		p.err = p.cmd.Wait()
	}()
	t.Cleanup(func() {
		cancel()
		<-p.done
	})
	return p
}

// Ready waits for an Answer peer to have added its contact.
func (p *Peer) Ready(within time.Duration) {
	p.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("fspeer: ended before it was ready (%v)\n%s", p.err, p.stderr.String())
			}
			if bytes.Contains(l, []byte(`"ready"`)) {
				return
			}
		case <-deadline:
			p.t.Fatal("fspeer: not ready")
		}
	}
}

// Wait returns the result once the script has ended.
func (p *Peer) Wait() Result {
	p.t.Helper()
	var last []byte
	for l := range p.lines {
		last = l
	}
	<-p.done
	var r Result
	if err := json.Unmarshal(last, &r); err != nil {
		p.t.Fatalf("fspeer: no result (%v, %v)\nstderr: %s", err, p.err, p.stderr.String())
	}
	return r
}
