package browserpeer

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/jinglepeer"
)

func TestStartFails(t *testing.T) {
	t.Parallel()
	p := startProsody(t)
	base := Options{JID: "alice@localhost", Password: password, WebSocket: "ws://" + p.HTTPAddr + "/xmpp-websocket",
		Settings: Settings{ReadyTimeout: 60 * time.Second}}
	tests := []struct {
		name  string
		edit  func(*Options)
		wants []string
	}{
		{"no chromium", func(o *Options) { o.Settings.Chromium = "/nonexistent/chromium" }, []string{"Debian package chromium"}},
		{"no node", func(o *Options) { o.Settings.Node = "/nonexistent/node" }, []string{"Debian package nodejs"}},
		{"no node modules", func(o *Options) { o.Settings.Tools = t.TempDir() }, []string{"tools/install.sh"}},
		{"websocket off loopback", func(o *Options) { o.WebSocket = "ws://192.0.2.1:5280/xmpp-websocket" }, []string{"not on loopback"}},
		{"wrong password", func(o *Options) { o.Password = "wrong" }, []string{"authentication failed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := base
			tc.edit(&opts)
			msg := jinglepeer.FatalMessage(t, func(tb testing.TB) { Start(tb, opts) })
			for _, want := range tc.wants {
				if !strings.Contains(msg, want) {
					t.Errorf("fatal message %q lacks %q", msg, want)
				}
			}
		})
	}
}

func TestDriverArgs(t *testing.T) {
	s := Settings{}.withDefaults()
	tests := []struct {
		name string
		opts Options
		want driverArgs
	}{
		{"defaults", Options{JID: "a@localhost", Password: "pw", WebSocket: "ws://127.0.0.1:1/x"},
			driverArgs{JID: "a@localhost", Password: "pw", WebSocket: "ws://127.0.0.1:1/x", Tone: 440, Chromium: "/usr/bin/chromium", Dir: "/d"}},
		{"everything", Options{JID: "a@localhost", Password: "pw", WebSocket: "ws://127.0.0.1:1/x", Resource: "r",
			Tone: 1000, Detect: []float64{440, 1000}, NoJMI: true, AutoAnswer: true, AutoReject: "busy"},
			driverArgs{JID: "a@localhost", Password: "pw", WebSocket: "ws://127.0.0.1:1/x", Resource: "r", Tone: 1000,
				Detect: []float64{440, 1000}, NoJMI: true, AutoAnswer: true, AutoReject: "busy", Chromium: "/usr/bin/chromium", Dir: "/d"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := newDriverArgs(tc.opts, s, "/d"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("newDriverArgs = %+v, want %+v", got, tc.want)
			}
		})
	}
	if s.ReadyTimeout <= 0 || s.StopGrace <= 0 || s.Node != "node" {
		t.Errorf("defaults %+v", s)
	}
}

// TestToneJS runs the unit tests of the in-page tone measurement (tone.mjs)
// with node's test runner.
func TestToneJS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node (skipped with -short)")
	}
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("browserpeer: node not found: install the Debian package %s", nodePackage)
	}
	out, err := exec.Command(node, "--test", "tone_test.mjs").CombinedOutput()
	if err != nil {
		t.Fatalf("tone_test.mjs: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "# fail 0") {
		t.Fatalf("tone_test.mjs reported failures:\n%s", out)
	}
}
