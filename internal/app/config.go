package app

import (
	"errors"
	"net"
	"net/url"
	"reflect"
	"strings"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/billing/topup"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/bandwidth"
	"github.com/switchboard-gw/switchboard/carriers/sandbox"
	"github.com/switchboard-gw/switchboard/carriers/signalwire"
	"github.com/switchboard-gw/switchboard/carriers/smpp"
	"github.com/switchboard-gw/switchboard/carriers/telnyx"
	"github.com/switchboard-gw/switchboard/carriers/twilio"
	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/component/signup"
	"github.com/switchboard-gw/switchboard/internal/config"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/outbox"
	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/media"
	"github.com/switchboard-gw/switchboard/jingle/trunk"
)

// Config is the whole configuration file. Each section is owned by the
// package it configures, which sets its defaults and rules; the section
// and key names are a contract with operators: do not rename them.
type Config struct {
	Component component.Config `toml:"component"`
	Redis     store.Config     `toml:"redis"`
	HTTP      HTTP             `toml:"http"`
	Numbers   phone.Config     `toml:"numbers"`
	Carriers  Carriers         `toml:"carriers"`
	MMS       mms.Config       `toml:"mms"`
	SIP       *trunk.Settings  `toml:"sip"`   // voice is enabled by this section
	Media     media.Config     `toml:"media"` // used only with voice
	Calls     bridge.Config    `toml:"calls"` // used only with voice
	Policy    policy.Config    `toml:"policy"`
	Outbox    outbox.Config    `toml:"outbox"`
	Billing   billing.Config   `toml:"billing"`
	Stripe    *topup.Config    `toml:"stripe"` // top-ups are enabled by this section
	Signup    signup.Config    `toml:"signup"`
	Log       Log              `toml:"log"`
}

// Carriers is the table of carrier adapters. Each field is one adapter's
// section (a carriers.Section); adding an adapter is one line here.
type Carriers struct {
	Sandbox    *sandbox.Config    `toml:"sandbox"`
	Twilio     *twilio.Config     `toml:"twilio"`
	Telnyx     *telnyx.Config     `toml:"telnyx"`
	Bandwidth  *bandwidth.Config  `toml:"bandwidth"`
	SignalWire *signalwire.Config `toml:"signalwire"`
	SMPP       *smpp.Config       `toml:"smpp"`
}

// HTTP is the [http] section: the webhook, media and sandbox listener.
type HTTP struct {
	Listen    string `toml:"listen"`     // default 127.0.0.1:8080
	PublicURL string `toml:"public_url"` // what carriers call; signatures are checked against it
}

// Log is the [log] section.
type Log struct {
	Level string `toml:"level"` // debug, info (default), warn, error
	// FullNumbers logs whole phone numbers instead of shortened ones.
	FullNumbers bool `toml:"full_numbers"`
}

// LoadConfig reads the file at path with environment overrides from
// environ (os.Environ form), and checks it: what it accepts, New accepts.
func LoadConfig(path string, environ []string) (*Config, error) {
	c := &Config{}
	if err := config.Load(path, environ, c); err != nil {
		return nil, err
	}
	return c, nil
}

// ParseConfig is LoadConfig on the file's contents.
func ParseConfig(data []byte, environ []string) (*Config, error) {
	c := &Config{}
	if err := config.Decode(data, environ, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Marshal writes c in the file's syntax, for programs that build a
// configuration (the demo, tests, benchmarks) and want it to go through
// the same defaults and checks as a file.
func (c *Config) Marshal() ([]byte, error) { return config.Encode(c) }

// Check applies the rules that span sections; config.Decode calls it after
// every section's own Check.
func (c *Config) Check() error {
	if len(c.CarrierNames()) == 0 {
		return config.Invalid("carriers", "no carrier configured (add a [carriers.NAME] section; NAME is one of %s)", strings.Join(carrierKinds(), ", "))
	}
	if err := c.checkStripe(); err != nil {
		return err
	}
	if err := c.checkSignup(); err != nil {
		return err
	}
	return c.checkSandboxAlone()
}

// checkStripe: top-ups credit the ledger, in its currency, and Stripe
// sends the payer back to pages under public_url.
func (c *Config) checkStripe() error {
	if c.Stripe == nil {
		return nil
	}
	if !c.Billing.Enabled {
		return config.Invalid("stripe", "top-ups need [billing] enabled = true")
	}
	if err := c.Stripe.SetCurrency(c.Billing.Currency, c.HTTP.PublicURL); err != nil {
		var ke *config.KeyError
		if errors.As(err, &ke) {
			return config.Invalid("stripe."+ke.Key, "%s", ke.Msg)
		}
		return err
	}
	return nil
}

// checkSandboxAlone refuses the sandbox beside real traffic: another
// carrier, or a SIP trunk other than the gateway itself (the demo's
// setup). Whoever has the sandbox page's address texts and calls as any
// number; beside real users that is a risk the operator must name.
func (c *Config) checkSandboxAlone() error {
	sb := c.Carriers.Sandbox
	if sb == nil || !sb.Active() || sb.UnsafeBesideRealTraffic {
		return nil
	}
	var real []string
	for _, name := range c.CarrierNames() {
		if name != sandbox.Name {
			real = append(real, "carrier "+name)
		}
	}
	if c.SIP != nil && !c.SIP.TrunkIsSelf() {
		real = append(real, "the SIP trunk "+c.SIP.Trunk)
	}
	if len(real) == 0 {
		return nil
	}
	return config.Invalid("carriers.sandbox.unsafe_beside_real_traffic",
		"the sandbox is for demos and tests: it runs beside %s only with unsafe_beside_real_traffic = true (anyone with the sandbox page's address can then text and call the sandbox's users as any number)",
		strings.Join(real, " and "))
}

// Check fills in the defaults and validates the section.
func (h *HTTP) Check() error {
	if h.Listen == "" {
		h.Listen = "127.0.0.1:8080"
	}
	if _, _, err := net.SplitHostPort(h.Listen); err != nil {
		return config.Invalid("listen", "%q is not host:port", h.Listen)
	}
	if h.PublicURL == "" {
		h.PublicURL = "http://" + h.Listen
	}
	h.PublicURL = strings.TrimRight(h.PublicURL, "/")
	if u, err := url.Parse(h.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return config.Invalid("public_url", "%q is not an http(s) URL", h.PublicURL)
	}
	return nil
}

// Check fills in the default level and validates it.
func (l *Log) Check() error {
	switch l.Level {
	case "":
		l.Level = "info"
	case "debug", "info", "warn", "error":
	default:
		return config.Invalid("level", "%q is not one of debug, info, warn, error", l.Level)
	}
	return nil
}

// carrierSection is one enabled adapter's section with its name.
type carrierSection struct {
	name string
	carriers.Section
}

// enabled lists the sections that turn their adapter on, in the table's
// order.
func (c *Carriers) enabled() []carrierSection {
	var out []carrierSection
	kinds := carrierKinds()
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.IsNil() {
			continue
		}
		s, ok := f.Interface().(carriers.Section) // every field is one: TestCarrierTable
		if ok && s.Active() {
			out = append(out, carrierSection{kinds[i], s})
		}
	}
	return out
}

// carrierKinds lists every adapter the table knows.
func carrierKinds() []string {
	t := reflect.TypeFor[Carriers]()
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("toml"), ",")
	}
	return names
}

// CarrierNames lists the enabled carriers in a stable order.
func (c *Config) CarrierNames() []string {
	var names []string
	for _, s := range c.Carriers.enabled() {
		names = append(names, s.name)
	}
	return names
}
