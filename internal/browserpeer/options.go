package browserpeer

import "time"

// Debian packages and the tools script named in failure messages.
const (
	chromiumPackage = "chromium"
	nodePackage     = "nodejs"
	installScript   = "tools/install.sh"
)

// Options configure one peer. Zero values get defaults.
type Options struct {
	JID       string // bare JID to log in as, e.g. "alice@localhost" (required)
	Password  string // required
	WebSocket string // XMPP over WebSocket (RFC 7395) URL on loopback, e.g. ws://127.0.0.1:PORT/xmpp-websocket (required)
	Resource  string // default "browserpeer"

	Tone   float64   // Hz of the sine the fake microphone plays; default 440
	Detect []float64 // Hz measured in received audio; default Tone

	NoJMI      bool   // "call" sends session-initiate directly unless the command says jmi
	AutoAnswer bool   // accept incoming calls at once
	AutoReject string // reject incoming calls with this reason, e.g. "busy"

	Settings Settings
}

// Settings are rare knobs.
type Settings struct {
	Chromium     string        // browser binary; default /usr/bin/chromium (Debian's)
	Node         string        // default: node in PATH
	Tools        string        // directory with node_modules; default the repo's tools/ after tools/install.sh
	ReadyTimeout time.Duration // chromium start plus login deadline; default 90s
	StopGrace    time.Duration // wait after "quit" before killing; default 10s
}

func (s Settings) withDefaults() Settings {
	if s.Chromium == "" {
		s.Chromium = "/usr/bin/chromium"
	}
	if s.Node == "" {
		s.Node = "node"
	}
	if s.ReadyTimeout == 0 {
		s.ReadyTimeout = 90 * time.Second
	}
	if s.StopGrace == 0 {
		s.StopGrace = 10 * time.Second
	}
	return s
}

// driverArgs is the JSON argument of driver.js.
type driverArgs struct {
	JID        string    `json:"jid"`
	Password   string    `json:"password"`
	WebSocket  string    `json:"websocket"`
	Resource   string    `json:"resource,omitempty"`
	Tone       float64   `json:"tone"`
	Detect     []float64 `json:"detect,omitempty"`
	NoJMI      bool      `json:"noJMI,omitempty"`
	AutoAnswer bool      `json:"autoAnswer,omitempty"`
	AutoReject string    `json:"autoReject,omitempty"`
	Chromium   string    `json:"chromium"`
	Dir        string    `json:"dir"`
}

func newDriverArgs(opts Options, s Settings, dir string) driverArgs {
	tone := opts.Tone
	if tone == 0 {
		tone = 440
	}
	return driverArgs{
		JID: opts.JID, Password: opts.Password, WebSocket: opts.WebSocket, Resource: opts.Resource,
		Tone: tone, Detect: opts.Detect, NoJMI: opts.NoJMI, AutoAnswer: opts.AutoAnswer, AutoReject: opts.AutoReject,
		Chromium: s.Chromium, Dir: dir,
	}
}
