package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const valid = `
[component]
jid = "sms.example.org"
server = "127.0.0.1:5347"
secret = "s3cret"

[redis]
url = "redis://127.0.0.1:6379/0"

[http]
listen = "127.0.0.1:8080"
public_url = "https://gw.example.org/"

[numbers]
default_region = "US"

[carriers.twilio]
account_sid = "AC0123456789abcdef0123456789abcdef"
auth_token = "token"
`

func TestParseValid(t *testing.T) {
	c, err := Parse([]byte(valid), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.PublicURL != "https://gw.example.org" {
		t.Errorf("public_url not trimmed: %q", c.HTTP.PublicURL)
	}
	if c.Carriers.Twilio.APIURL != "https://api.twilio.com" {
		t.Errorf("api_url default = %q", c.Carriers.Twilio.APIURL)
	}
	if got := c.CarrierNames(); len(got) != 1 || got[0] != "twilio" {
		t.Errorf("CarrierNames = %v", got)
	}
}

func TestEnvOverrides(t *testing.T) {
	env := []string{
		"SWITCHBOARD_COMPONENT_SECRET=fromenv",
		"SWITCHBOARD_CARRIERS_TWILIO_API_URL=http://127.0.0.1:4010",
		"SWITCHBOARD_CARRIERS_SANDBOX_ENABLED=true",
		"SWITCHBOARD_NUMBERS_DEFAULT_REGION=GB",
		"OTHER=1",
	}
	c, err := Parse([]byte(valid), env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Component.Secret != "fromenv" || c.Carriers.Twilio.APIURL != "http://127.0.0.1:4010" || c.Numbers.DefaultRegion != "GB" {
		t.Errorf("overrides not applied: %+v", c)
	}
	if c.Carriers.Sandbox == nil || !c.Carriers.Sandbox.Enabled {
		t.Error("sandbox section not created from the environment")
	}
	if c.SIP != nil {
		t.Error("voice enabled without a [sip] section")
	}
}

func TestVoiceFromEnv(t *testing.T) {
	env := []string{
		"SWITCHBOARD_SIP_LISTEN=127.0.0.1:5060",
		"SWITCHBOARD_SIP_TRUNK=sip:127.0.0.1:5070",
		"SWITCHBOARD_SIP_USERNAME=gw",
		"SWITCHBOARD_SIP_PASSWORD=pw",
		"SWITCHBOARD_SIP_REGISTER=true",
		"SWITCHBOARD_MEDIA_UDP_PORTS=20000-20999",
		"SWITCHBOARD_MEDIA_PUBLIC_IP=192.0.2.7",
		"SWITCHBOARD_CALLS_RING_TIMEOUT=12s",
		"SWITCHBOARD_CALLS_VOICEMAIL=true",
	}
	c, err := Parse([]byte(valid), env)
	if err != nil {
		t.Fatal(err)
	}
	want := SIP{Listen: "127.0.0.1:5060", Trunk: "sip:127.0.0.1:5070", Username: "gw", Password: "pw", Register: true}
	if c.SIP == nil || *c.SIP != want {
		t.Errorf("sip = %+v, want %+v", c.SIP, want)
	}
	if c.Media != (Media{UDPPorts: "20000-20999", PublicIP: "192.0.2.7", ConnectTimeout: "20s"}) {
		t.Errorf("media = %+v", c.Media)
	}
	if c.Calls.RingTimeoutDuration() != 12*time.Second || !c.Calls.Voicemail {
		t.Errorf("calls = %+v", c.Calls)
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name, old, new, key string
		env                 []string
	}{
		{name: "missing jid", old: `jid = "sms.example.org"`, key: "component.jid"},
		{name: "jid with localpart", old: `jid = "sms.example.org"`, new: `jid = "a@sms.example.org"`, key: "component.jid"},
		{name: "server without port", old: `server = "127.0.0.1:5347"`, new: `server = "localhost"`, key: "component.server"},
		{name: "missing secret", old: `secret = "s3cret"`, key: "component.secret"},
		{name: "redis scheme", old: `url = "redis://127.0.0.1:6379/0"`, new: `url = "http://x"`, key: "redis.url"},
		{name: "public url", old: `public_url = "https://gw.example.org/"`, new: `public_url = "gw.example.org"`, key: "http.public_url"},
		{name: "region", old: `default_region = "US"`, new: `default_region = "USA"`, key: "numbers.default_region"},
		{name: "sid", old: `account_sid = "AC0123456789abcdef0123456789abcdef"`, new: `account_sid = "SK1"`, key: "carriers.twilio.account_sid"},
		{name: "token", old: `auth_token = "token"`, key: "carriers.twilio.auth_token"},
		{name: "unknown key", old: `secret = "s3cret"`, new: "secret = \"s3cret\"\nsecre = 1", key: "unknown key component.secre"},
		{name: "wrong type", old: `secret = "s3cret"`, new: `secret = 5`, key: "secret"},
		{name: "api url path", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_API_URL=http://x/y"}, key: "carriers.twilio.api_url"},
		{name: "timeout", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_TIMEOUT=soon"}, key: "carriers.twilio.timeout"},
		{name: "bool env", env: []string{"SWITCHBOARD_CARRIERS_SANDBOX_ENABLED=maybe"}, key: "carriers.sandbox.enabled"},
		{name: "empty secret env", env: []string{"SWITCHBOARD_COMPONENT_SECRET="}, key: "component.secret"},
		{name: "sip listen", env: []string{"SWITCHBOARD_SIP_LISTEN=localhost", "SWITCHBOARD_SIP_TRUNK=sip:127.0.0.1:5070"}, key: "sip.listen"},
		{name: "sip trunk", env: []string{"SWITCHBOARD_SIP_LISTEN=127.0.0.1:5060", "SWITCHBOARD_SIP_TRUNK=trunk.example.net"}, key: "sip.trunk"},
		{name: "sip register without password", env: []string{"SWITCHBOARD_SIP_LISTEN=127.0.0.1:5060", "SWITCHBOARD_SIP_TRUNK=sip:t", "SWITCHBOARD_SIP_REGISTER=true", "SWITCHBOARD_SIP_USERNAME=u"}, key: "sip.register"},
		{name: "udp ports", env: []string{"SWITCHBOARD_MEDIA_UDP_PORTS=20000"}, key: "media.udp_ports"},
		{name: "udp ports reversed", env: []string{"SWITCHBOARD_MEDIA_UDP_PORTS=20999-20000"}, key: "media.udp_ports"},
		{name: "public ip", env: []string{"SWITCHBOARD_MEDIA_PUBLIC_IP=gw.example.org"}, key: "media.public_ip"},
		{name: "connect timeout", env: []string{"SWITCHBOARD_MEDIA_CONNECT_TIMEOUT=0s"}, key: "media.connect_timeout"},
		{name: "voicemail max", env: []string{"SWITCHBOARD_CALLS_VOICEMAIL_MAX=long"}, key: "calls.voicemail_max"},
		{name: "voicemail greeting", env: []string{"SWITCHBOARD_CALLS_VOICEMAIL_GREETING=/nonexistent/greeting.wav"}, key: "calls.voicemail_greeting"},
		{name: "ring timeout", env: []string{"SWITCHBOARD_CALLS_RING_TIMEOUT=-1s"}, key: "calls.ring_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := valid
			if tt.old != "" {
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			_, err := Parse([]byte(src), tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("error = %v, want one naming %s", err, tt.key)
			}
		})
	}
}

func TestNoCarrier(t *testing.T) {
	src := strings.Split(valid, "[carriers.twilio]")[0]
	if _, err := Parse([]byte(src), nil); err == nil || !strings.Contains(err.Error(), "carriers") {
		t.Fatalf("error = %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error = %v", err)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	c, err := Parse([]byte(valid), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Parse(b, nil)
	if err != nil {
		t.Fatalf("re-parse %s: %v", b, err)
	}
	if c2.Component != c.Component || c2.HTTP != c.HTTP || *c2.Carriers.Twilio != *c.Carriers.Twilio {
		t.Fatalf("round trip changed the config:\n%s", b)
	}
}
