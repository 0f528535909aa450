// Package config loads Switchboard's TOML configuration file and applies
// SWITCHBOARD_<SECTION>_<KEY> environment overrides on top of it.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"mellium.im/xmpp/jid"
)

// ErrInvalid is wrapped by every validation error; the message names the key.
var ErrInvalid = errors.New("config: invalid")

// Config is the whole file. The section and key names are a contract used by
// operators and by outside tests: do not rename them.
type Config struct {
	Component Component `toml:"component"`
	Redis     Redis     `toml:"redis"`
	HTTP      HTTP      `toml:"http"`
	Numbers   Numbers   `toml:"numbers"`
	Carriers  Carriers  `toml:"carriers"`
	SIP       *SIP      `toml:"sip"`   // voice is enabled by this section
	Media     Media     `toml:"media"` // used only with voice
	Calls     Calls     `toml:"calls"` // used only with voice
	Log       Log       `toml:"log"`
}

// SIP is the voice bridge's SIP side.
type SIP struct {
	Listen   string `toml:"listen"`   // UDP host:port for SIP
	Trunk    string `toml:"trunk"`    // SIP URI calls to phone numbers go to
	Username string `toml:"username"` // digest user for REGISTER and challenges
	Password string `toml:"password"`
	Register bool   `toml:"register"` // REGISTER to the trunk with digest auth
}

// Media holds the voice bridge's RTP and WebRTC settings.
type Media struct {
	UDPPorts string `toml:"udp_ports"` // e.g. "20000-20999"; empty: any
	PublicIP string `toml:"public_ip"` // advertised instead of local addresses
	// ConnectTimeout bounds ICE and DTLS set-up of a call's WebRTC leg,
	// from the answer; default 20s.
	ConnectTimeout string `toml:"connect_timeout"`
}

// Calls holds call handling rules.
type Calls struct {
	RingTimeout string `toml:"ring_timeout"` // how long inbound calls ring; default 30s
	Voicemail   bool   `toml:"voicemail"`
	// VoicemailMax bounds a recording; default 120s.
	VoicemailMax string `toml:"voicemail_max"`
	// VoicemailGreeting is a WAV file (16-bit PCM, mono, 8 kHz) played
	// before recording; default a beep.
	VoicemailGreeting string `toml:"voicemail_greeting"`
}

// Component is the XEP-0114 connection to the XMPP server.
type Component struct {
	JID    string `toml:"jid"`    // the gateway's domain, e.g. sms.example.org
	Server string `toml:"server"` // host:port of the server's component listener
	Secret string `toml:"secret"`
}

// Redis holds the state store's address.
type Redis struct {
	URL string `toml:"url"` // may carry a password
}

// HTTP is the webhook and sandbox listener.
type HTTP struct {
	Listen    string `toml:"listen"`
	PublicURL string `toml:"public_url"` // what carriers call; signatures are checked against it
}

// Numbers holds phone number rules.
type Numbers struct {
	DefaultRegion string `toml:"default_region"` // ISO 3166 code for numbers written without +
}

// Carriers lists the carrier adapters; an adapter is enabled by its section.
type Carriers struct {
	Twilio  *Twilio  `toml:"twilio"`
	Sandbox *Sandbox `toml:"sandbox"`
}

// Twilio configures the Twilio adapter.
type Twilio struct {
	AccountSID string `toml:"account_sid"`
	AuthToken  string `toml:"auth_token"`
	APIURL     string `toml:"api_url"` // replaces https://api.twilio.com
	Timeout    string `toml:"timeout"` // bound on every API call, default 15s
}

// Sandbox configures the built-in sandbox carrier.
type Sandbox struct {
	Enabled bool `toml:"enabled"`
}

// Log configures logging.
type Log struct {
	Level string `toml:"level"` // debug, info, warn, error
	// FullNumbers logs whole phone numbers instead of redacted ones.
	FullNumbers bool `toml:"full_numbers"`
}

// Load reads path, applies environment overrides from environ (os.Environ
// form) and validates the result.
func Load(path string, environ []string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, environ)
}

// Parse is Load on the file's contents.
func Parse(data []byte, environ []string) (*Config, error) {
	c := &Config{}
	md, err := toml.Decode(string(data), c)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		return nil, fmt.Errorf("%w: unknown key %s", ErrInvalid, undec[0])
	}
	if err := applyEnv(c, environ); err != nil {
		return nil, err
	}
	c.defaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) defaults() {
	if c.HTTP.Listen == "" {
		c.HTTP.Listen = "127.0.0.1:8080"
	}
	if c.HTTP.PublicURL == "" {
		c.HTTP.PublicURL = "http://" + c.HTTP.Listen
	}
	c.HTTP.PublicURL = strings.TrimRight(c.HTTP.PublicURL, "/")
	if c.Redis.URL == "" {
		c.Redis.URL = "redis://127.0.0.1:6379/0"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Calls.RingTimeout == "" {
		c.Calls.RingTimeout = "30s"
	}
	if c.Calls.VoicemailMax == "" {
		c.Calls.VoicemailMax = "120s"
	}
	if c.Media.ConnectTimeout == "" {
		c.Media.ConnectTimeout = "20s"
	}
	if t := c.Carriers.Twilio; t != nil {
		if t.APIURL == "" {
			t.APIURL = "https://api.twilio.com"
		}
		t.APIURL = strings.TrimRight(t.APIURL, "/")
		if t.Timeout == "" {
			t.Timeout = "15s"
		}
	}
}

func invalid(key, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, args...))
}

// Validate checks every value and names the first bad key.
func (c *Config) Validate() error {
	if c.Component.JID == "" {
		return invalid("component.jid", "missing (the gateway's domain, e.g. sms.example.org)")
	}
	j, err := jid.Parse(c.Component.JID)
	if err != nil || j.Localpart() != "" || j.Resourcepart() != "" {
		return invalid("component.jid", "%q is not a bare domain JID", c.Component.JID)
	}
	if c.Component.Server == "" {
		return invalid("component.server", "missing (host:port of the XMPP server's component port)")
	}
	if _, port, err := net.SplitHostPort(c.Component.Server); err != nil || port == "" {
		return invalid("component.server", "%q is not host:port", c.Component.Server)
	}
	if c.Component.Secret == "" {
		return invalid("component.secret", "missing")
	}
	if u, err := url.Parse(c.Redis.URL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return invalid("redis.url", "not a redis:// or rediss:// URL")
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		return invalid("http.listen", "%q is not host:port", c.HTTP.Listen)
	}
	if u, err := url.Parse(c.HTTP.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("http.public_url", "%q is not an http(s) URL", c.HTTP.PublicURL)
	}
	if r := c.Numbers.DefaultRegion; r != "" && (len(r) != 2 || strings.ToUpper(r) != r) {
		return invalid("numbers.default_region", "%q is not a two-letter upper-case region code such as US", r)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return invalid("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	if t := c.Carriers.Twilio; t != nil {
		if !strings.HasPrefix(t.AccountSID, "AC") || len(t.AccountSID) != 34 {
			return invalid("carriers.twilio.account_sid", "must be AC followed by 32 characters")
		}
		if t.AuthToken == "" {
			return invalid("carriers.twilio.auth_token", "missing")
		}
		if u, err := url.Parse(t.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return invalid("carriers.twilio.api_url", "%q is not scheme://host[:port]", t.APIURL)
		}
		if d, err := time.ParseDuration(t.Timeout); err != nil || d <= 0 {
			return invalid("carriers.twilio.timeout", "%q is not a positive duration such as 15s", t.Timeout)
		}
	}
	if err := c.validateVoice(); err != nil {
		return err
	}
	if len(c.CarrierNames()) == 0 {
		return invalid("carriers", "no carrier configured (add [carriers.twilio] or [carriers.sandbox] enabled = true)")
	}
	return nil
}

func (c *Config) validateVoice() error {
	if d, err := time.ParseDuration(c.Calls.RingTimeout); err != nil || d <= 0 {
		return invalid("calls.ring_timeout", "%q is not a positive duration such as 30s", c.Calls.RingTimeout)
	}
	if d, err := time.ParseDuration(c.Calls.VoicemailMax); err != nil || d <= 0 {
		return invalid("calls.voicemail_max", "%q is not a positive duration such as 120s", c.Calls.VoicemailMax)
	}
	if g := c.Calls.VoicemailGreeting; g != "" {
		if _, err := os.Stat(g); err != nil {
			return invalid("calls.voicemail_greeting", "%v", err)
		}
	}
	if d, err := time.ParseDuration(c.Media.ConnectTimeout); err != nil || d <= 0 {
		return invalid("media.connect_timeout", "%q is not a positive duration such as 20s", c.Media.ConnectTimeout)
	}
	if ip := c.Media.PublicIP; ip != "" && net.ParseIP(ip) == nil {
		return invalid("media.public_ip", "%q is not an IP address", ip)
	}
	if r := c.Media.UDPPorts; r != "" {
		lo, hi, ok := strings.Cut(r, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b, err2 := strconv.Atoi(strings.TrimSpace(hi))
		if !ok || err1 != nil || err2 != nil || a < 1024 || b > 65535 || b-a < 3 {
			return invalid("media.udp_ports", "%q is not a range such as 20000-20999 (within 1024-65535, at least 4 ports)", r)
		}
	}
	s := c.SIP
	if s == nil {
		return nil
	}
	if host, port, err := net.SplitHostPort(s.Listen); err != nil || port == "" || net.ParseIP(host) == nil {
		return invalid("sip.listen", "%q is not ip:port", s.Listen)
	}
	if !strings.HasPrefix(s.Trunk, "sip:") || len(s.Trunk) <= len("sip:") {
		return invalid("sip.trunk", "%q is not a sip: URI such as sip:trunk.example.net:5060", s.Trunk)
	}
	if s.Register && (s.Username == "" || s.Password == "") {
		return invalid("sip.register", "needs sip.username and sip.password")
	}
	return nil
}

// ConnectTimeoutDuration is the validated bound on media set-up.
func (m *Media) ConnectTimeoutDuration() time.Duration {
	d, _ := time.ParseDuration(m.ConnectTimeout)
	return d
}

// VoicemailMaxDuration is the validated longest voicemail recording.
func (c *Calls) VoicemailMaxDuration() time.Duration {
	d, _ := time.ParseDuration(c.VoicemailMax)
	return d
}

// RingTimeoutDuration is the validated ring time of inbound calls.
func (c *Calls) RingTimeoutDuration() time.Duration {
	d, _ := time.ParseDuration(c.RingTimeout)
	return d
}

// CarrierNames lists the enabled carriers in a stable order.
func (c *Config) CarrierNames() []string {
	var names []string
	if c.Carriers.Sandbox != nil && c.Carriers.Sandbox.Enabled {
		names = append(names, "sandbox")
	}
	if c.Carriers.Twilio != nil {
		names = append(names, "twilio")
	}
	return names
}

// TimeoutDuration is the validated per-call bound of the Twilio adapter.
func (t *Twilio) TimeoutDuration() time.Duration {
	d, _ := time.ParseDuration(t.Timeout)
	return d
}

// applyEnv overrides fields from SWITCHBOARD_<SECTION>_<KEY> variables; a
// variable naming a carrier section that the file lacks creates it.
func applyEnv(c *Config, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "SWITCHBOARD_") {
			env[k] = v
		}
	}
	if len(env) == 0 {
		return nil
	}
	return walk(reflect.ValueOf(c).Elem(), "SWITCHBOARD", "", env)
}

func walk(v reflect.Value, prefix, keyPath string, env map[string]string) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("toml")
		envName := prefix + "_" + strings.ToUpper(name)
		key := strings.TrimPrefix(keyPath+"."+name, ".")
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.Struct:
			if err := walk(fv, envName, key, env); err != nil {
				return err
			}
		case reflect.Pointer:
			if !anyWithPrefix(env, envName+"_") {
				continue
			}
			if fv.IsNil() {
				fv.Set(reflect.New(fv.Type().Elem()))
			}
			if err := walk(fv.Elem(), envName, key, env); err != nil {
				return err
			}
		case reflect.String:
			if s, ok := env[envName]; ok {
				fv.SetString(s)
			}
		case reflect.Bool:
			if s, ok := env[envName]; ok {
				b, err := strconv.ParseBool(s)
				if err != nil {
					return invalid(key, "%s=%q is not true or false", envName, s)
				}
				fv.SetBool(b)
			}
		}
	}
	return nil
}

func anyWithPrefix(env map[string]string, prefix string) bool {
	for k := range env {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// Marshal writes c in the file's syntax, for programs that build a
// configuration (the demo, tests, benchmarks) and want it to go through the
// same defaults and checks as a file, or to hand it to `switchboard run`.
func (c *Config) Marshal() ([]byte, error) {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return b.Bytes(), nil
}
