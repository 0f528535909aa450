package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/config"
	"github.com/switchboard-gw/switchboard/internal/wav"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/media"
	"github.com/switchboard-gw/switchboard/jingle/trunk"
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
	c, err := ParseConfig([]byte(valid), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.PublicURL != "https://gw.example.org" {
		t.Errorf("public_url not trimmed: %q", c.HTTP.PublicURL)
	}
	if c.Carriers.Twilio.APIURL != "https://api.twilio.com" {
		t.Errorf("api_url default = %q", c.Carriers.Twilio.APIURL)
	}
	if c.Carriers.Twilio.PerNumberRate != 1 {
		t.Errorf("per_number_rate default = %v", c.Carriers.Twilio.PerNumberRate)
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
		"SWITCHBOARD_CARRIERS_SANDBOX_UNSAFE_BESIDE_REAL_TRAFFIC=true",
		"SWITCHBOARD_NUMBERS_DEFAULT_REGION=GB",
		"OTHER=1",
	}
	c, err := ParseConfig([]byte(valid), env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Component.Secret != "fromenv" || c.Carriers.Twilio.APIURL != "http://127.0.0.1:4010" || c.Numbers.DefaultRegion != "GB" {
		t.Errorf("overrides not applied: %+v", c)
	}
	if c.Carriers.Sandbox == nil || !c.Carriers.Sandbox.Enabled || !c.Carriers.Sandbox.UnsafeBesideRealTraffic {
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
		"SWITCHBOARD_MEDIA_TRUNK_PORTS=21000-21999",
		"SWITCHBOARD_MEDIA_PUBLIC_IP=192.0.2.7",
		"SWITCHBOARD_CALLS_RING_TIMEOUT=12s",
		"SWITCHBOARD_CALLS_VOICEMAIL=true",
	}
	c, err := ParseConfig([]byte(valid), env)
	if err != nil {
		t.Fatal(err)
	}
	want := trunk.Settings{Listen: "127.0.0.1:5060", Trunk: "sip:127.0.0.1:5070", Username: "gw", Password: "pw", Register: true,
		RegisterExpiry: 600 * time.Second, Domain: "127.0.0.1", UserAgent: "Switchboard"}
	if c.SIP == nil || !reflect.DeepEqual(*c.SIP, want) {
		t.Errorf("sip = %+v, want %+v", c.SIP, want)
	}
	if c.Media != (media.Config{UDPPorts: "20000-20999", TrunkPorts: "21000-21999", PublicIP: "192.0.2.7", ConnectTimeout: 20 * time.Second}) {
		t.Errorf("media = %+v", c.Media)
	}
	if c.Media.Ports() != (media.PortRange{Min: 20000, Max: 20999}) || c.Media.TrunkRange() != (media.PortRange{Min: 21000, Max: 21999}) {
		t.Errorf("ports %v, trunk ports %v", c.Media.Ports(), c.Media.TrunkRange())
	}
	if c.Calls.RingTimeout != 12*time.Second || !c.Calls.Voicemail {
		t.Errorf("calls = %+v", c.Calls)
	}
	if c.Calls.Retention() != 90*24*time.Hour {
		t.Errorf("cdr_retention default = %v, want 90 days", c.Calls.Retention())
	}
	c, err = ParseConfig([]byte(valid), append(env, "SWITCHBOARD_CALLS_CDR_RETENTION=30d"))
	if err != nil || c.Calls.Retention() != 30*24*time.Hour {
		t.Errorf("cdr_retention 30d = %v (%v)", c.Calls.Retention(), err)
	}
}

// TestPolicyDefaults: without a [policy] section, premium and satellite
// ranges are refused for texts and calls alike.
func TestPolicyDefaults(t *testing.T) {
	c, err := ParseConfig([]byte(valid), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"+19005550123", "+19765550123", "+881612345678", "+88234567890", "+883123456789"} {
		if c.Policy.SMS().Allow(context.Background(), "", n) == nil || c.Policy.Calls().Allow(context.Background(), "", n) == nil {
			t.Errorf("%s allowed by default", n)
		}
	}
	if err := c.Policy.SMS().Allow(context.Background(), "", "+12015550123"); err != nil {
		t.Errorf("an ordinary number refused: %v", err)
	}
	// An empty list written in the file is not an unset one.
	c, err = ParseConfig([]byte(strings.Replace(valid, "[numbers]", "[policy]\ncalls_deny = []\n[numbers]", 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Policy.Calls().Allow(context.Background(), "", "+19005550123") != nil || c.Policy.SMS().Allow(context.Background(), "", "+19005550123") == nil {
		t.Error("calls_deny = [] did not lift the default for calls alone")
	}
}

// TestSettings covers every key with good and bad values. What ParseConfig
// (switchboard check) accepts, New (switchboard run) must accept too; what
// it refuses names the key.
func TestSettings(t *testing.T) {
	dir := t.TempDir()
	greeting8k := filepath.Join(dir, "8k.wav")
	greetingOdd := filepath.Join(dir, "odd.wav")
	notWAV := filepath.Join(dir, "not.wav")
	for path, data := range map[string][]byte{
		greeting8k:  wav.Encode(bridge.Beep(), 8000),
		greetingOdd: wav.Encode(bridge.Beep(), 12345),
		notWAV:      []byte("hello"),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	voice := []string{"SWITCHBOARD_SIP_LISTEN=127.0.0.1:0", "SWITCHBOARD_SIP_TRUNK=sip:127.0.0.1:5070"}
	const twilioSection = "[carriers.twilio]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\nauth_token = \"token\""
	const sandboxSection = "[carriers.sandbox]\nenabled = true"
	const bandwidthSection = "[carriers.bandwidth]\naccount_id = \"9900000\"\nusername = \"api\"\npassword = \"pw\"\napplication_id = \"93de2206-9669-4e07-948d-329f4b722ee2\"\ncallback_username = \"cb\"\ncallback_password = \"cbpw\""
	const signalwireSection = "[carriers.signalwire]\nspace_url = \"https://example.signalwire.com\"\nproject_id = \"7bd3a8d2-5f0e-4c1a-9a1e-0c6f3b2d4e5f\"\napi_token = \"PTtoken\""
	// bandwidthWithout is the Bandwidth section without key's line.
	bandwidthWithout := func(key string) string {
		var keep []string
		for _, l := range strings.Split(bandwidthSection, "\n") {
			if !strings.HasPrefix(l, key+" = ") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	selfSIP := fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t))
	withVoice := func(env ...string) []string { return append(append([]string{}, voice...), env...) }
	// A Telnyx section; the public key is the example of Telnyx's SDK.
	const telnyxSection = "[carriers.telnyx]\napi_key = \"KEY\"\nmessaging_profile_id = \"abc85f64-5717-4562-b3fc-2c9600000000\"\npublic_key = \"eu2zvPjhY6odxV34Z/EsRiERvTodkev4Fq0SlK90Izg=\""
	withTelnyx := func(env ...string) []string {
		return append([]string{"SWITCHBOARD_CARRIERS_TELNYX_API_KEY=KEY", "SWITCHBOARD_CARRIERS_TELNYX_MESSAGING_PROFILE_ID=abc85f64-5717-4562-b3fc-2c9600000000",
			"SWITCHBOARD_CARRIERS_TELNYX_PUBLIC_KEY=eu2zvPjhY6odxV34Z/EsRiERvTodkev4Fq0SlK90Izg="}, env...)
	}
	// An SMPP section: an SMSC on loopback.
	const smppSection = "[carriers.smpp]\naddr = \"127.0.0.1:2775\"\nsystem_id = \"switchbd\"\npassword = \"secret\""
	withSMPP := func(env ...string) []string {
		return append([]string{"SWITCHBOARD_CARRIERS_SMPP_ADDR=127.0.0.1:2775", "SWITCHBOARD_CARRIERS_SMPP_SYSTEM_ID=switchbd", "SWITCHBOARD_CARRIERS_SMPP_PASSWORD=secret"}, env...)
	}
	tests := []struct {
		name, old, new string
		env            []string
		key            string // the key the error names; "" when the value is good
	}{
		{name: "valid"},
		{name: "missing jid", old: `jid = "sms.example.org"`, key: "component.jid"},
		{name: "jid with localpart", old: `jid = "sms.example.org"`, new: `jid = "a@sms.example.org"`, key: "component.jid"},
		{name: "jid with resource", old: `jid = "sms.example.org"`, new: `jid = "sms.example.org/r"`, key: "component.jid"},
		{name: "server without port", old: `server = "127.0.0.1:5347"`, new: `server = "localhost"`, key: "component.server"},
		{name: "server by name", old: `server = "127.0.0.1:5347"`, new: `server = "xmpp.example.org:5347"`},
		{name: "missing secret", old: `secret = "s3cret"`, key: "component.secret"},
		{name: "redis scheme", old: `url = "redis://127.0.0.1:6379/0"`, new: `url = "http://x"`, key: "redis.url"},
		{name: "redis default", old: `url = "redis://127.0.0.1:6379/0"`, new: ``},
		{name: "rediss with password", old: `url = "redis://127.0.0.1:6379/0"`, new: `url = "rediss://:pw@127.0.0.1:6380/2"`},
		{name: "unix socket", old: `url = "redis://127.0.0.1:6379/0"`, new: `url = "unix:///run/redis.sock"`},
		{name: "http listen", old: `listen = "127.0.0.1:0"`, new: `listen = "8080"`, key: "http.listen"},
		{name: "public url", old: `public_url = "https://gw.example.org/"`, new: `public_url = "gw.example.org"`, key: "http.public_url"},
		{name: "public url default", old: `public_url = "https://gw.example.org/"`, new: ``},
		{name: "region", old: `default_region = "US"`, new: `default_region = "USA"`, key: "numbers.default_region"},
		{name: "unknown region", old: `default_region = "US"`, new: `default_region = "XQ"`, key: "numbers.default_region"},
		{name: "lower-case region", old: `default_region = "US"`, new: `default_region = "gb"`, key: "numbers.default_region"},
		{name: "no region", old: `default_region = "US"`, new: ``},
		{name: "sid", old: `account_sid = "AC0123456789abcdef0123456789abcdef"`, new: `account_sid = "SK1"`, key: "carriers.twilio.account_sid"},
		{name: "token", old: `auth_token = "token"`, key: "carriers.twilio.auth_token"},
		{name: "twilio trunk", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_TRUNK_SID=TK0123456789abcdef0123456789abcdef"}},
		{name: "twilio trunk shape", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_TRUNK_SID=TR0123456789abcdef0123456789abcdef"}, key: "carriers.twilio.trunk_sid"},
		{name: "bandwidth", old: twilioSection, new: bandwidthSection},
		{name: "bandwidth beside twilio", old: twilioSection, new: twilioSection + "\n" + bandwidthSection},
		{name: "bandwidth account id", old: twilioSection, new: bandwidthWithout("account_id"), key: "carriers.bandwidth.account_id"},
		{name: "bandwidth account id with a slash", old: twilioSection, new: bandwidthSection, env: []string{"SWITCHBOARD_CARRIERS_BANDWIDTH_ACCOUNT_ID=99/00"}, key: "carriers.bandwidth.account_id"},
		{name: "bandwidth username", old: twilioSection, new: bandwidthWithout("username"), key: "carriers.bandwidth.username"},
		{name: "bandwidth password", old: twilioSection, new: bandwidthWithout("password"), key: "carriers.bandwidth.password"},
		{name: "bandwidth application id", old: twilioSection, new: bandwidthWithout("application_id"), key: "carriers.bandwidth.application_id"},
		{name: "bandwidth callback username", old: twilioSection, new: bandwidthWithout("callback_username"), key: "carriers.bandwidth.callback_username"},
		{name: "bandwidth callback username with a colon", old: twilioSection, new: bandwidthSection, env: []string{"SWITCHBOARD_CARRIERS_BANDWIDTH_CALLBACK_USERNAME=a:b"}, key: "carriers.bandwidth.callback_username"},
		{name: "bandwidth callback password", old: twilioSection, new: bandwidthWithout("callback_password"), key: "carriers.bandwidth.callback_password"},
		{name: "bandwidth api url", old: twilioSection, new: bandwidthSection, env: []string{"SWITCHBOARD_CARRIERS_BANDWIDTH_API_URL=http://127.0.0.1:4010"}},
		{name: "bandwidth api url path", old: twilioSection, new: bandwidthSection, env: []string{"SWITCHBOARD_CARRIERS_BANDWIDTH_API_URL=https://messaging.bandwidth.com/api/v2"}, key: "carriers.bandwidth.api_url"},
		{name: "bandwidth timeout", old: twilioSection, new: bandwidthSection, env: []string{"SWITCHBOARD_CARRIERS_BANDWIDTH_TIMEOUT=soon"}, key: "carriers.bandwidth.timeout"},
		{name: "bandwidth negative timeout", old: twilioSection, new: bandwidthSection, env: []string{"SWITCHBOARD_CARRIERS_BANDWIDTH_TIMEOUT=-1s"}, key: "carriers.bandwidth.timeout"},
		{name: "bandwidth per number rate", old: twilioSection, new: bandwidthSection, env: []string{"SWITCHBOARD_CARRIERS_BANDWIDTH_PER_NUMBER_RATE=2.5"}},
		{name: "bandwidth per number rate negative", old: twilioSection, new: bandwidthSection, env: []string{"SWITCHBOARD_CARRIERS_BANDWIDTH_PER_NUMBER_RATE=-1"}, key: "carriers.bandwidth.per_number_rate"},
		{name: "bandwidth per number rate inf", old: twilioSection, new: bandwidthSection + "\nper_number_rate = inf", key: "carriers.bandwidth.per_number_rate"},
		{name: "signalwire", old: twilioSection, new: signalwireSection},
		{name: "signalwire beside twilio", old: twilioSection, new: twilioSection + "\n" + signalwireSection},
		{name: "signalwire space url", old: twilioSection, new: strings.Replace(signalwireSection, "space_url = \"https://example.signalwire.com\"\n", "", 1), key: "carriers.signalwire.space_url"},
		{name: "signalwire space url path", old: twilioSection, new: signalwireSection, env: []string{"SWITCHBOARD_CARRIERS_SIGNALWIRE_SPACE_URL=https://example.signalwire.com/api/laml"}, key: "carriers.signalwire.space_url"},
		{name: "signalwire local space url", old: twilioSection, new: signalwireSection, env: []string{"SWITCHBOARD_CARRIERS_SIGNALWIRE_SPACE_URL=http://127.0.0.1:4010/"}},
		{name: "signalwire project id", old: twilioSection, new: signalwireSection, env: []string{"SWITCHBOARD_CARRIERS_SIGNALWIRE_PROJECT_ID=AC0123456789abcdef0123456789abcdef"}, key: "carriers.signalwire.project_id"},
		{name: "signalwire api token", old: twilioSection, new: strings.Replace(signalwireSection, "api_token = \"PTtoken\"", "", 1), key: "carriers.signalwire.api_token"},
		{name: "signalwire timeout", old: twilioSection, new: signalwireSection, env: []string{"SWITCHBOARD_CARRIERS_SIGNALWIRE_TIMEOUT=soon"}, key: "carriers.signalwire.timeout"},
		{name: "signalwire negative timeout", old: twilioSection, new: signalwireSection, env: []string{"SWITCHBOARD_CARRIERS_SIGNALWIRE_TIMEOUT=-1s"}, key: "carriers.signalwire.timeout"},
		{name: "signalwire per number rate", old: twilioSection, new: signalwireSection, env: []string{"SWITCHBOARD_CARRIERS_SIGNALWIRE_PER_NUMBER_RATE=2.5"}},
		{name: "signalwire per number rate negative", old: twilioSection, new: signalwireSection, env: []string{"SWITCHBOARD_CARRIERS_SIGNALWIRE_PER_NUMBER_RATE=-1"}, key: "carriers.signalwire.per_number_rate"},
		{name: "unknown key", old: `secret = "s3cret"`, new: "secret = \"s3cret\"\nsecre = 1", key: "unknown key component.secre"},
		{name: "unknown carrier section", old: `[carriers.twilio]`, new: "[carriers.nexmo]\napi_key = \"k\"\n[carriers.twilio]", key: "unknown key carriers.nexmo"},
		{name: "wrong type", old: `secret = "s3cret"`, new: `secret = 5`, key: "secret"},
		{name: "api url path", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_API_URL=http://x/y"}, key: "carriers.twilio.api_url"},
		{name: "api url", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_API_URL=http://127.0.0.1:4010/"}},
		{name: "timeout", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_TIMEOUT=soon"}, key: "carriers.twilio.timeout"},
		{name: "negative timeout", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_TIMEOUT=-1s"}, key: "carriers.twilio.timeout"},
		{name: "per number rate", old: `auth_token = "token"`, new: "auth_token = \"token\"\nper_number_rate = 3"},
		{name: "per number rate env", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_PER_NUMBER_RATE=0.5"}},
		{name: "per number rate negative", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_PER_NUMBER_RATE=-1"}, key: "carriers.twilio.per_number_rate"},
		{name: "per number rate words", env: []string{"SWITCHBOARD_CARRIERS_TWILIO_PER_NUMBER_RATE=1/s"}, key: "carriers.twilio.per_number_rate"},
		{name: "per number rate nan", old: `auth_token = "token"`, new: "auth_token = \"token\"\nper_number_rate = nan", key: "carriers.twilio.per_number_rate"},
		{name: "per number rate inf", old: `auth_token = "token"`, new: "auth_token = \"token\"\nper_number_rate = inf", key: "carriers.twilio.per_number_rate"},
		{name: "per number rate string", old: `auth_token = "token"`, new: "auth_token = \"token\"\nper_number_rate = \"1/s\"", key: "per_number_rate"},
		{name: "bool env", env: []string{"SWITCHBOARD_CARRIERS_SANDBOX_ENABLED=maybe"}, key: "carriers.sandbox.enabled"},
		// check used to accept the sandbox beside Twilio and a SIP trunk,
		// where the sandbox page could text and call real users.
		{name: "sandbox beside twilio", env: []string{"SWITCHBOARD_CARRIERS_SANDBOX_ENABLED=true"}, key: "carriers.sandbox.unsafe_beside_real_traffic"},
		{name: "sandbox beside twilio, acknowledged", env: []string{"SWITCHBOARD_CARRIERS_SANDBOX_ENABLED=true", "SWITCHBOARD_CARRIERS_SANDBOX_UNSAFE_BESIDE_REAL_TRAFFIC=true"}},
		{name: "sandbox acknowledgement not a bool", env: []string{"SWITCHBOARD_CARRIERS_SANDBOX_ENABLED=true", "SWITCHBOARD_CARRIERS_SANDBOX_UNSAFE_BESIDE_REAL_TRAFFIC=yes please"}, key: "carriers.sandbox.unsafe_beside_real_traffic"},
		{name: "sandbox alone", old: twilioSection, new: sandboxSection},
		{name: "sandbox beside a sip trunk", old: twilioSection, new: sandboxSection, env: withVoice(), key: "carriers.sandbox.unsafe_beside_real_traffic"},
		{name: "sandbox beside a sip trunk, acknowledged", old: twilioSection, new: sandboxSection + "\nunsafe_beside_real_traffic = true", env: withVoice()},
		// The demo's setup: the trunk is the gateway itself.
		{name: "sandbox with the gateway as its trunk", old: twilioSection, new: sandboxSection, env: withVoice("SWITCHBOARD_SIP_LISTEN="+selfSIP, "SWITCHBOARD_SIP_TRUNK=sip:"+selfSIP)},
		{name: "sandbox disabled beside twilio", env: []string{"SWITCHBOARD_CARRIERS_SANDBOX_ENABLED=false"}},
		{name: "telnyx alone", old: twilioSection, new: telnyxSection},
		{name: "telnyx beside twilio", env: withTelnyx()},
		{name: "telnyx all keys", old: twilioSection, new: telnyxSection + "\napi_url = \"http://127.0.0.1:4011\"\ntolerance = \"2m\"\ntimeout = \"5s\"\nper_number_rate = 0.5"},
		{name: "telnyx api key", env: withTelnyx("SWITCHBOARD_CARRIERS_TELNYX_API_KEY="), key: "carriers.telnyx.api_key"},
		{name: "telnyx profile", env: withTelnyx("SWITCHBOARD_CARRIERS_TELNYX_MESSAGING_PROFILE_ID=profile"), key: "carriers.telnyx.messaging_profile_id"},
		{name: "telnyx public key missing", env: withTelnyx("SWITCHBOARD_CARRIERS_TELNYX_PUBLIC_KEY="), key: "carriers.telnyx.public_key"},
		{name: "telnyx public key short", env: withTelnyx("SWITCHBOARD_CARRIERS_TELNYX_PUBLIC_KEY=AAAA"), key: "carriers.telnyx.public_key"},
		{name: "telnyx public key not base64", env: withTelnyx("SWITCHBOARD_CARRIERS_TELNYX_PUBLIC_KEY=eu2zvPjhY6odxV34Z_EsRiERvTodkev4Fq0SlK90Izg="), key: "carriers.telnyx.public_key"},
		{name: "telnyx api url path", env: withTelnyx("SWITCHBOARD_CARRIERS_TELNYX_API_URL=https://api.telnyx.com/v2"), key: "carriers.telnyx.api_url"},
		{name: "telnyx tolerance", env: withTelnyx("SWITCHBOARD_CARRIERS_TELNYX_TOLERANCE=-1m"), key: "carriers.telnyx.tolerance"},
		{name: "telnyx tolerance unit", env: withTelnyx("SWITCHBOARD_CARRIERS_TELNYX_TOLERANCE=300"), key: "carriers.telnyx.tolerance"},
		{name: "telnyx timeout", env: withTelnyx("SWITCHBOARD_CARRIERS_TELNYX_TIMEOUT=soon"), key: "carriers.telnyx.timeout"},
		{name: "telnyx per number rate", env: withTelnyx("SWITCHBOARD_CARRIERS_TELNYX_PER_NUMBER_RATE=-1"), key: "carriers.telnyx.per_number_rate"},
		{name: "smpp alone", old: twilioSection, new: smppSection},
		{name: "smpp beside twilio", env: withSMPP()},
		{name: "smpp all keys", old: twilioSection, new: smppSection + "\nsystem_type = \"VMA\"\nsource_ton = 5\nsource_npi = 0\nregistered_delivery = true\nenquire_link = \"20s\"\nreconnect_min = \"2s\"\nreconnect_max = \"30s\"\ntimeout = \"5s\"\nwindow = 5\nper_number_rate = 0.5"},
		{name: "smpp addr missing", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_ADDR="), key: "carriers.smpp.addr"},
		{name: "smpp addr no port", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_ADDR=smsc.example.net"), key: "carriers.smpp.addr"},
		{name: "smpp addr bad port", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_ADDR=smsc.example.net:99999"), key: "carriers.smpp.addr"},
		{name: "smpp system id", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_SYSTEM_ID="), key: "carriers.smpp.system_id"},
		{name: "smpp system id long", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_SYSTEM_ID=abcdefghijklmnop"), key: "carriers.smpp.system_id"},
		{name: "smpp password long", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_PASSWORD=123456789"), key: "carriers.smpp.password"},
		{name: "smpp system type long", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_SYSTEM_TYPE=abcdefghijklm"), key: "carriers.smpp.system_type"},
		{name: "smpp source ton", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_SOURCE_TON=19"), key: "carriers.smpp.source_ton"},
		{name: "smpp source npi", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_SOURCE_NPI=-1"), key: "carriers.smpp.source_npi"},
		{name: "smpp registered delivery", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_REGISTERED_DELIVERY=maybe"), key: "carriers.smpp.registered_delivery"},
		{name: "smpp enquire link", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_ENQUIRE_LINK=-1s"), key: "carriers.smpp.enquire_link"},
		{name: "smpp reconnect min", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_RECONNECT_MIN=soon"), key: "carriers.smpp.reconnect_min"},
		{name: "smpp reconnect max below min", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_RECONNECT_MIN=10s", "SWITCHBOARD_CARRIERS_SMPP_RECONNECT_MAX=5s"), key: "carriers.smpp.reconnect_max"},
		{name: "smpp timeout", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_TIMEOUT=-5s"), key: "carriers.smpp.timeout"},
		{name: "smpp window", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_WINDOW=-3"), key: "carriers.smpp.window"},
		{name: "smpp per number rate", env: withSMPP("SWITCHBOARD_CARRIERS_SMPP_PER_NUMBER_RATE=-1"), key: "carriers.smpp.per_number_rate"},
		{name: "empty secret env", env: []string{"SWITCHBOARD_COMPONENT_SECRET="}, key: "component.secret"},
		{name: "log level", env: []string{"SWITCHBOARD_LOG_LEVEL=loud"}, key: "log.level"},
		{name: "full numbers", env: []string{"SWITCHBOARD_LOG_FULL_NUMBERS=true", "SWITCHBOARD_LOG_LEVEL=debug"}},
		{name: "voice", env: withVoice()},
		{name: "sip listen name", env: withVoice("SWITCHBOARD_SIP_LISTEN=localhost:5060"), key: "sip.listen"},
		{name: "sip listen no port", env: withVoice("SWITCHBOARD_SIP_LISTEN=127.0.0.1"), key: "sip.listen"},
		// check used to accept a wildcard that the trunk then refused.
		{name: "sip listen wildcard", env: withVoice("SWITCHBOARD_SIP_LISTEN=0.0.0.0:5060", "SWITCHBOARD_MEDIA_PUBLIC_IP=192.0.2.7"), key: "sip.listen"},
		{name: "sip listen v6 wildcard", env: withVoice("SWITCHBOARD_SIP_LISTEN=[::]:5060"), key: "sip.listen"},
		{name: "sip trunk", env: withVoice("SWITCHBOARD_SIP_TRUNK=trunk.example.net"), key: "sip.trunk"},
		{name: "sip trunk by name", env: withVoice("SWITCHBOARD_SIP_TRUNK=sip:trunk.example.net:5060")},
		{name: "sip register without password", env: withVoice("SWITCHBOARD_SIP_REGISTER=true", "SWITCHBOARD_SIP_USERNAME=u"), key: "sip.register"},
		{name: "sip register", env: withVoice("SWITCHBOARD_SIP_REGISTER=true", "SWITCHBOARD_SIP_USERNAME=u", "SWITCHBOARD_SIP_PASSWORD=p", "SWITCHBOARD_SIP_REGISTER_EXPIRY=5m")},
		{name: "sip register expiry", env: withVoice("SWITCHBOARD_SIP_REGISTER_EXPIRY=-5m"), key: "sip.register_expiry"},
		{name: "sip trusted", env: withVoice("SWITCHBOARD_SIP_TRUSTED=203.0.113.0/24, 198.51.100.7,2001:db8::/32, ::ffff:192.0.2.1")},
		{name: "sip trusted toml", old: `[carriers.twilio]`, new: "[sip]\ntrusted = [\"203.0.113.0/24\", \"2001:db8::1\"]\n[carriers.twilio]", env: withVoice()},
		{name: "sip trusted name", env: withVoice("SWITCHBOARD_SIP_TRUSTED=trunk.example.net"), key: "sip.trusted"},
		{name: "sip trusted bad cidr", env: withVoice("SWITCHBOARD_SIP_TRUSTED=203.0.113.0/33"), key: "sip.trusted"},
		{name: "sip trusted bad v6", env: withVoice("SWITCHBOARD_SIP_TRUSTED=2001:db8::1::2"), key: "sip.trusted"},
		{name: "sip trusted not a list", old: `[carriers.twilio]`, new: "[sip]\ntrusted = \"203.0.113.7\"\n[carriers.twilio]", env: withVoice(), key: "trusted"},
		{name: "sip inbound auth", env: withVoice("SWITCHBOARD_SIP_INBOUND_USERNAME=carrier", "SWITCHBOARD_SIP_INBOUND_PASSWORD=pw")},
		{name: "sip inbound user without password", env: withVoice("SWITCHBOARD_SIP_INBOUND_USERNAME=carrier"), key: "sip.inbound_password"},
		{name: "sip inbound password without user", env: withVoice("SWITCHBOARD_SIP_INBOUND_PASSWORD=pw"), key: "sip.inbound_password"},
		{name: "udp ports", env: withVoice("SWITCHBOARD_MEDIA_UDP_PORTS=20000"), key: "media.udp_ports"},
		{name: "udp ports reversed", env: withVoice("SWITCHBOARD_MEDIA_UDP_PORTS=20999-20000"), key: "media.udp_ports"},
		// check and the media package used to disagree on these two.
		{name: "udp ports privileged", env: withVoice("SWITCHBOARD_MEDIA_UDP_PORTS=100-200"), key: "media.udp_ports"},
		{name: "udp ports too few", env: withVoice("SWITCHBOARD_MEDIA_UDP_PORTS=20000-20002"), key: "media.udp_ports"},
		{name: "udp ports", env: withVoice("SWITCHBOARD_MEDIA_UDP_PORTS=20000-20003")},
		{name: "trunk ports one port", env: withVoice("SWITCHBOARD_MEDIA_TRUNK_PORTS=21000"), key: "media.trunk_ports"},
		{name: "trunk ports reversed", env: withVoice("SWITCHBOARD_MEDIA_TRUNK_PORTS=21999-21000"), key: "media.trunk_ports"},
		{name: "trunk ports privileged", env: withVoice("SWITCHBOARD_MEDIA_TRUNK_PORTS=100-200"), key: "media.trunk_ports"},
		{name: "trunk ports too few", env: withVoice("SWITCHBOARD_MEDIA_TRUNK_PORTS=21000-21002"), key: "media.trunk_ports"},
		{name: "trunk ports", env: withVoice("SWITCHBOARD_MEDIA_UDP_PORTS=20000-20999", "SWITCHBOARD_MEDIA_TRUNK_PORTS=21000-21003")},
		{name: "trunk ports without udp ports", env: withVoice("SWITCHBOARD_MEDIA_TRUNK_PORTS=21000-21999")},
		// Allowed (both work), but a firewall cannot tell them apart.
		{name: "trunk ports overlapping udp ports", env: withVoice("SWITCHBOARD_MEDIA_UDP_PORTS=20000-20999", "SWITCHBOARD_MEDIA_TRUNK_PORTS=20500-21499")},
		{name: "public ip", env: withVoice("SWITCHBOARD_MEDIA_PUBLIC_IP=gw.example.org"), key: "media.public_ip"},
		{name: "public ip v6", env: withVoice("SWITCHBOARD_MEDIA_PUBLIC_IP=2001:db8::7")},
		{name: "connect timeout", env: withVoice("SWITCHBOARD_MEDIA_CONNECT_TIMEOUT=-1s"), key: "media.connect_timeout"},
		{name: "connect timeout unit", env: withVoice("SWITCHBOARD_MEDIA_CONNECT_TIMEOUT=20"), key: "media.connect_timeout"},
		{name: "plain rtp off", env: withVoice("SWITCHBOARD_MEDIA_PLAIN_RTP=false")},
		{name: "plain rtp toml", old: `[carriers.twilio]`, new: "[media]\nplain_rtp = false\n[carriers.twilio]", env: withVoice()},
		{name: "plain rtp not a bool", env: withVoice("SWITCHBOARD_MEDIA_PLAIN_RTP=maybe"), key: "media.plain_rtp"},
		{name: "voicemail max", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_MAX=long"), key: "calls.voicemail_max"},
		{name: "voicemail", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL=true", "SWITCHBOARD_CALLS_VOICEMAIL_MAX=30s", "SWITCHBOARD_CALLS_VOICEMAIL_GREETING="+greeting8k)},
		{name: "voicemail greeting missing", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_GREETING=/nonexistent/greeting.wav"), key: "calls.voicemail_greeting"},
		// check used to accept a greeting that run then refused.
		{name: "voicemail greeting rate", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_GREETING=" + greetingOdd), key: "calls.voicemail_greeting"},
		{name: "voicemail greeting not WAV", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_GREETING=" + notWAV), key: "calls.voicemail_greeting"},
		{name: "ring timeout", env: withVoice("SWITCHBOARD_CALLS_RING_TIMEOUT=-1s"), key: "calls.ring_timeout"},
		{name: "ring timeout ok", env: withVoice("SWITCHBOARD_CALLS_RING_TIMEOUT=45s")},
		{name: "cdr retention days", env: withVoice("SWITCHBOARD_CALLS_CDR_RETENTION=30d")},
		{name: "cdr retention duration", env: withVoice("SWITCHBOARD_CALLS_CDR_RETENTION=2160h")},
		{name: "cdr retention zero", env: withVoice("SWITCHBOARD_CALLS_CDR_RETENTION=0d"), key: "calls.cdr_retention"},
		{name: "cdr retention negative", env: withVoice("SWITCHBOARD_CALLS_CDR_RETENTION=-1h"), key: "calls.cdr_retention"},
		{name: "cdr retention words", env: withVoice("SWITCHBOARD_CALLS_CDR_RETENTION=90 days"), key: "calls.cdr_retention"},
		{name: "cdr retention fraction of days", env: withVoice("SWITCHBOARD_CALLS_CDR_RETENTION=1.5d"), key: "calls.cdr_retention"},
		{name: "group jids", env: []string{"SWITCHBOARD_COMPONENT_GROUP_JIDS=true"}},
		{name: "warn segments", env: []string{"SWITCHBOARD_COMPONENT_WARN_SEGMENTS=5", "SWITCHBOARD_COMPONENT_REACTION_QUOTES=24h"}},
		{name: "warn segments never", env: []string{"SWITCHBOARD_COMPONENT_WARN_SEGMENTS=-1"}},
		{name: "warn segments negative", env: []string{"SWITCHBOARD_COMPONENT_WARN_SEGMENTS=-2"}, key: "component.warn_segments"},
		{name: "reaction quotes negative", env: []string{"SWITCHBOARD_COMPONENT_REACTION_QUOTES=-1h"}, key: "component.reaction_quotes"},
		{name: "reaction quotes unit", env: []string{"SWITCHBOARD_COMPONENT_REACTION_QUOTES=24"}, key: "component.reaction_quotes"},
		{name: "group jids not a bool", env: []string{"SWITCHBOARD_COMPONENT_GROUP_JIDS=sometimes"}, key: "component.group_jids"},
		{name: "billing all keys", old: "[numbers]", new: "[billing]\nenabled = true\ncurrency = \"USD\"\nlow_balance = [\"5.00\", \"1.00\"]\nplan = \"basic\"\ngrace = \"48h\"\nhold_ttl = \"10m\"\ncall_step = \"30s\"\ncancel = \"period_end\"\n\n[[billing.rates]]\nprefix = \"+1\"\nsms = \"0.01\"\nmms = \"0.02\"\ncall = \"0.01\"\nincrement = \"6/6\"\nsms_in = \"0.01\"\nmms_in = \"0.01\"\ncall_in = \"0.01\"\nincluded = true\n\n[[billing.rates]]\nprefix = \"*\"\nsms = \"0.10\"\n\n[[billing.plans]]\nname = \"basic\"\nfee = \"4.99\"\nrental = \"1.00\"\nsms = 500\nmms = 50\nminutes = 120\n\n[numbers]"},
		{name: "billing currency", old: "[numbers]", new: "[billing]\nenabled = true\ncurrency = \"XYZ\"\n\n[numbers]", key: "billing.currency"},
		{name: "billing low balance", old: "[numbers]", new: "[billing]\nenabled = true\nlow_balance = [\"5\", \"lots\"]\n\n[numbers]", key: "billing.low_balance[1]"},
		{name: "billing grace", old: "[numbers]", new: "[billing]\ngrace = \"3 days\"\n\n[numbers]", key: "billing.grace"},
		{name: "billing call step", old: "[numbers]", new: "[billing]\ncall_step = \"20m\"\n\n[numbers]", key: "billing.call_step"},
		{name: "billing hold ttl short", old: "[numbers]", new: "[billing]\nhold_ttl = \"1s\"\n\n[numbers]", key: "billing.hold_ttl"},
		{name: "billing cancel", old: "[numbers]", new: "[billing]\ncancel = \"never\"\n\n[numbers]", key: "billing.cancel"},
		{name: "billing unknown plan", old: "[numbers]", new: "[billing]\nplan = \"gold\"\n\n[numbers]", key: "billing.plan"},
		{name: "billing rate price", old: "[numbers]", new: "[billing]\n[[billing.rates]]\nprefix = \"+1\"\nsms = \"0.0079\"\n\n[numbers]", key: "billing.rates[0].sms"},
		{name: "billing rate prefix", old: "[numbers]", new: "[billing]\n[[billing.rates]]\nprefix = \"1\"\nsms = \"0.01\"\n\n[numbers]", key: "billing.rates[0].prefix"},
		{name: "billing rate increment", old: "[numbers]", new: "[billing]\n[[billing.rates]]\nprefix = \"+1\"\ncall = \"0.01\"\nincrement = \"0/6\"\n\n[numbers]", key: "billing.rates[0].increment"},
		{name: "billing plan fee", old: "[numbers]", new: "[billing]\n[[billing.plans]]\nname = \"basic\"\nfee = \"-1\"\n\n[numbers]", key: "billing.plans[0].fee"},
		{name: "billing plan allowance", old: "[numbers]", new: "[billing]\n[[billing.plans]]\nname = \"basic\"\nsms = -5\n\n[numbers]", key: "billing.plans[0].sms"},
		{name: "admins", env: []string{"SWITCHBOARD_COMPONENT_ADMINS=root@example.org, ops@example.org"}},
		{name: "admin with resource", env: []string{"SWITCHBOARD_COMPONENT_ADMINS=root@example.org/phone"}, key: "component.admins"},
		{name: "admin without local part", old: `secret = "s3cret"`, new: "secret = \"s3cret\"\nadmins = [\"example.org\"]", key: "component.admins"},
		{name: "command expiry", env: []string{"SWITCHBOARD_COMPONENT_COMMAND_EXPIRY=10m"}},
		{name: "command expiry negative", env: []string{"SWITCHBOARD_COMPONENT_COMMAND_EXPIRY=-1m"}, key: "component.command_expiry"},
		{name: "command expiry unit", env: []string{"SWITCHBOARD_COMPONENT_COMMAND_EXPIRY=60"}, key: "component.command_expiry"},
		{name: "reconnect max", env: []string{"SWITCHBOARD_COMPONENT_RECONNECT_MAX=5s"}},
		{name: "reconnect max too short", env: []string{"SWITCHBOARD_COMPONENT_RECONNECT_MAX=100ms"}, key: "component.reconnect_max"},
		{name: "stripe all keys", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"whsec_abc\"\napi_url = \"http://127.0.0.1:12111\"\namounts = [\"5.00\", \"20.00\"]\nsuccess_url = \"https://example.org/thanks\"\ncancel_url = \"https://example.org/cancelled\"\ntolerance = \"2m\"\nper_hour = 5\nproduct = \"Switchboard credit\"\n\n[numbers]"},
		{name: "stripe from env", old: "[numbers]", new: "[billing]\nenabled = true\n\n[numbers]", env: []string{"SWITCHBOARD_STRIPE_SECRET_KEY=sk_live_abc", "SWITCHBOARD_STRIPE_WEBHOOK_SECRET=whsec_abc"}},
		{name: "stripe without billing", old: "[numbers]", new: "[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"whsec_abc\"\n\n[numbers]", key: "stripe"},
		{name: "stripe secret key", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"pk_test_abc\"\nwebhook_secret = \"whsec_abc\"\n\n[numbers]", key: "stripe.secret_key"},
		{name: "stripe no secret key", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nwebhook_secret = \"whsec_abc\"\n\n[numbers]", key: "stripe.secret_key"},
		{name: "stripe webhook secret", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"abc\"\n\n[numbers]", key: "stripe.webhook_secret"},
		{name: "stripe api url", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"whsec_abc\"\napi_url = \"api.stripe.com\"\n\n[numbers]", key: "stripe.api_url"},
		{name: "stripe success url", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"whsec_abc\"\nsuccess_url = \"/thanks\"\n\n[numbers]", key: "stripe.success_url"},
		{name: "stripe cancel url", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"whsec_abc\"\ncancel_url = \"ftp://x\"\n\n[numbers]", key: "stripe.cancel_url"},
		{name: "stripe amount", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"whsec_abc\"\namounts = [\"5.00\", \"0.001\"]\n\n[numbers]", key: "stripe.amounts[1]"},
		{name: "stripe amount zero", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"whsec_abc\"\namounts = [\"0\"]\n\n[numbers]", key: "stripe.amounts[0]"},
		{name: "stripe amount twice", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"whsec_abc\"\namounts = [\"5\", \"5.00\"]\n\n[numbers]", key: "stripe.amounts[1]"},
		{name: "stripe tolerance", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"whsec_abc\"\ntolerance = \"2h\"\n\n[numbers]", key: "stripe.tolerance"},
		{name: "stripe per hour", old: "[numbers]", new: "[billing]\nenabled = true\n\n[stripe]\nsecret_key = \"sk_test_abc\"\nwebhook_secret = \"whsec_abc\"\nper_hour = -1\n\n[numbers]", key: "stripe.per_hour"},
		{name: "signup all keys", old: "[numbers]", new: "[billing]\nenabled = true\n\n[[billing.plans]]\nname = \"basic\"\nfee = \"4.99\"\nrental = \"1.00\"\n\n[signup]\nenabled = true\ninvite_only = true\nreserve_ttl = \"30m\"\nplan = \"basic\"\nsearch_limit = 20\ncountry = \"ca\"\ncarrier = \"twilio\"\n\n[numbers]"},
		{name: "signup without billing", old: "[numbers]", new: "[signup]\nenabled = true\n\n[numbers]"},
		{name: "signup reserve ttl short", old: "[numbers]", new: "[signup]\nenabled = true\nreserve_ttl = \"10s\"\n\n[numbers]", key: "signup.reserve_ttl"},
		{name: "signup reserve ttl unit", old: "[numbers]", new: "[signup]\nreserve_ttl = \"soon\"\n\n[numbers]", key: "reserve_ttl"},
		{name: "signup search limit", old: "[numbers]", new: "[signup]\nsearch_limit = 51\n\n[numbers]", key: "signup.search_limit"},
		{name: "signup country", old: "[numbers]", new: "[signup]\ncountry = \"USA\"\n\n[numbers]", key: "signup.country"},
		{name: "signup unknown plan", old: "[numbers]", new: "[billing]\nenabled = true\n\n[signup]\nenabled = true\nplan = \"gold\"\n\n[numbers]", key: "signup.plan"},
		{name: "signup unknown carrier", old: "[numbers]", new: "[signup]\nenabled = true\ncarrier = \"telnyx\"\n\n[numbers]", key: "signup.carrier"},
		{name: "signup from env", env: []string{"SWITCHBOARD_SIGNUP_ENABLED=true", "SWITCHBOARD_SIGNUP_INVITE_ONLY=true", "SWITCHBOARD_SIGNUP_RESERVE_TTL=5m"}},
		{name: "outbox", env: []string{"SWITCHBOARD_OUTBOX_WORKERS=8", "SWITCHBOARD_OUTBOX_MAX_AGE=4h", "SWITCHBOARD_OUTBOX_RETRY_MIN=1s",
			"SWITCHBOARD_OUTBOX_RETRY_MAX=10m", "SWITCHBOARD_OUTBOX_CLAIM_IDLE=5m", "SWITCHBOARD_OUTBOX_NUMBER_RATE=0.5", "SWITCHBOARD_OUTBOX_CARRIER_RATE=100", "SWITCHBOARD_OUTBOX_CONSUMER=gw-1",
			"SWITCHBOARD_OUTBOX_SHARED_PACING=true"}},
		{name: "outbox shared pacing", env: []string{"SWITCHBOARD_OUTBOX_SHARED_PACING=maybe"}, key: "outbox.shared_pacing"},
		{name: "outbox workers", env: []string{"SWITCHBOARD_OUTBOX_WORKERS=-1"}, key: "outbox.workers"},
		{name: "outbox workers too many", env: []string{"SWITCHBOARD_OUTBOX_WORKERS=100000"}, key: "outbox.workers"},
		{name: "outbox max age", env: []string{"SWITCHBOARD_OUTBOX_MAX_AGE=-1h"}, key: "outbox.max_age"},
		{name: "outbox max age unit", env: []string{"SWITCHBOARD_OUTBOX_MAX_AGE=60"}, key: "outbox.max_age"},
		{name: "outbox retry min", env: []string{"SWITCHBOARD_OUTBOX_RETRY_MIN=-1s"}, key: "outbox.retry_min"},
		{name: "outbox retry max below min", env: []string{"SWITCHBOARD_OUTBOX_RETRY_MIN=1m", "SWITCHBOARD_OUTBOX_RETRY_MAX=10s"}, key: "outbox.retry_max"},
		{name: "outbox claim idle short", env: []string{"SWITCHBOARD_OUTBOX_CLAIM_IDLE=5s"}, key: "outbox.claim_idle"},
		{name: "outbox number rate", env: []string{"SWITCHBOARD_OUTBOX_NUMBER_RATE=-1"}, key: "outbox.number_rate"},
		{name: "outbox carrier rate", env: []string{"SWITCHBOARD_OUTBOX_CARRIER_RATE=fast"}, key: "outbox.carrier_rate"},
		{name: "policy", old: `[numbers]`, new: "[policy]\nsms_allow = [\"+1\", \"+44\"]\nsms_deny = [\"+1900\", \"+1976\"]\ncalls_allow = [\"+1\"]\ncalls_deny = []\n[numbers]"},
		{name: "policy sms allow", old: `[numbers]`, new: "[policy]\nsms_allow = [\"1\"]\n[numbers]", key: "policy.sms_allow"},
		{name: "policy sms deny", old: `[numbers]`, new: "[policy]\nsms_deny = [\"+1-900\"]\n[numbers]", key: "policy.sms_deny"},
		{name: "policy calls allow", old: `[numbers]`, new: "[policy]\ncalls_allow = [\"+\"]\n[numbers]", key: "policy.calls_allow"},
		{name: "policy calls deny", old: `[numbers]`, new: "[policy]\ncalls_deny = [\"+88 2\"]\n[numbers]", key: "policy.calls_deny"},
		{name: "policy not a list", old: `[numbers]`, new: "[policy]\ncalls_deny = \"+882\"\n[numbers]", key: "calls_deny"},
		{name: "policy with voice", old: `[numbers]`, new: "[policy]\ncalls_deny = [\"+44\"]\n[numbers]", env: withVoice()},
		{name: "max calls", env: withVoice("SWITCHBOARD_CALLS_MAX_CALLS=-1"), key: "calls.max_calls"},
		{name: "max calls not a number", env: withVoice("SWITCHBOARD_CALLS_MAX_CALLS=many"), key: "calls.max_calls"},
		{name: "max calls per number", env: withVoice("SWITCHBOARD_CALLS_MAX_CALLS_PER_NUMBER=-4"), key: "calls.max_calls_per_number"},
		{name: "max calls per source", env: withVoice("SWITCHBOARD_CALLS_MAX_CALLS_PER_SOURCE=-10"), key: "calls.max_calls_per_source"},
		{name: "calls per minute per source", env: withVoice("SWITCHBOARD_CALLS_CALLS_PER_MINUTE_PER_SOURCE=-30"), key: "calls.calls_per_minute_per_source"},
		{name: "max calls per user", env: withVoice("SWITCHBOARD_CALLS_MAX_CALLS_PER_USER=-1"), key: "calls.max_calls_per_user"},
		{name: "call limits", env: withVoice("SWITCHBOARD_CALLS_MAX_CALLS=500", "SWITCHBOARD_CALLS_MAX_CALLS_PER_NUMBER=8",
			"SWITCHBOARD_CALLS_MAX_CALLS_PER_SOURCE=200", "SWITCHBOARD_CALLS_CALLS_PER_MINUTE_PER_SOURCE=600", "SWITCHBOARD_CALLS_MAX_CALLS_PER_USER=2")},
		{name: "voicemail per hour", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_PER_HOUR=-1"), key: "calls.voicemail_per_hour"},
		{name: "voicemail per hour ok", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_PER_HOUR=3")},
		{name: "voicemail budget unit", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_BUDGET=64"), key: "calls.voicemail_budget"},
		{name: "voicemail budget words", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_BUDGET=lots"), key: "calls.voicemail_budget"},
		{name: "voicemail budget negative", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_BUDGET=-1MB"), key: "calls.voicemail_budget"},
		{name: "voicemail budget overflow", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_BUDGET=9999999999GB"), key: "calls.voicemail_budget"},
		// One recording of the default voicemail_max (120 s) is 1.9 MB.
		{name: "voicemail budget below one recording", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_BUDGET=1MB"), key: "calls.voicemail_budget"},
		{name: "voicemail budget for short recordings", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_BUDGET=1MB", "SWITCHBOARD_CALLS_VOICEMAIL_MAX=30s")},
		{name: "voicemail budget", env: withVoice("SWITCHBOARD_CALLS_VOICEMAIL_BUDGET=2gb")},
		{name: "mms store redis", env: []string{"SWITCHBOARD_MMS_STORE=redis"}},
		{name: "mms store dir", env: []string{"SWITCHBOARD_MMS_STORE=dir"}},
		{name: "mms store", env: []string{"SWITCHBOARD_MMS_STORE=s3"}, key: "mms.store"},
		{name: "mms dir relative", env: []string{"SWITCHBOARD_MMS_DIR=media"}, key: "mms.dir"},
		{name: "mms dir toml", old: `[numbers]`, new: "[mms]\ndir = " + fmt.Sprintf("%q", filepath.Join(dir, "toml-media")) + "\n[numbers]"},
		{name: "mms retention", env: []string{"SWITCHBOARD_MMS_RETENTION=24h"}},
		{name: "mms retention short", env: []string{"SWITCHBOARD_MMS_RETENTION=10s"}, key: "mms.retention"},
		{name: "mms retention days", env: []string{"SWITCHBOARD_MMS_RETENTION=3d"}, key: "mms.retention"},
		{name: "mms retention negative", env: []string{"SWITCHBOARD_MMS_RETENTION=-1h"}, key: "mms.retention"},
		{name: "mms max bytes", env: []string{"SWITCHBOARD_MMS_MAX_BYTES=1048576"}},
		{name: "mms max bytes negative", env: []string{"SWITCHBOARD_MMS_MAX_BYTES=-1"}, key: "mms.max_bytes"},
		{name: "mms max bytes too many", env: []string{"SWITCHBOARD_MMS_MAX_BYTES=1073741824"}, key: "mms.max_bytes"},
		{name: "mms max bytes unit", env: []string{"SWITCHBOARD_MMS_MAX_BYTES=5MB"}, key: "mms.max_bytes"},
		{name: "mms fetch timeout", env: []string{"SWITCHBOARD_MMS_FETCH_TIMEOUT=10s"}},
		{name: "mms fetch timeout negative", env: []string{"SWITCHBOARD_MMS_FETCH_TIMEOUT=-1s"}, key: "mms.fetch_timeout"},
		{name: "mms fetch timeout unit", env: []string{"SWITCHBOARD_MMS_FETCH_TIMEOUT=30"}, key: "mms.fetch_timeout"},
		{name: "mms fetch allow", env: []string{"SWITCHBOARD_MMS_FETCH_ALLOW=10.0.0.0/8, 192.168.1.7,fd00::/8"}},
		{name: "mms fetch allow toml", old: `[numbers]`, new: "[mms]\nfetch_allow = [\"10.1.0.0/16\", \"::1\"]\n[numbers]"},
		{name: "mms fetch allow name", env: []string{"SWITCHBOARD_MMS_FETCH_ALLOW=uploads.internal"}, key: "mms.fetch_allow"},
		{name: "mms fetch allow bad cidr", env: []string{"SWITCHBOARD_MMS_FETCH_ALLOW=10.0.0.0/33"}, key: "mms.fetch_allow"},
		{name: "mms fetch allow not a list", old: `[numbers]`, new: "[mms]\nfetch_allow = \"10.0.0.0/8\"\n[numbers]", key: "fetch_allow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(valid, `listen = "127.0.0.1:8080"`, `listen = "127.0.0.1:0"`, 1)
			if tt.old != "" {
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			// The media directory is the test's, unless the row sets one.
			env := append([]string{"SWITCHBOARD_MMS_DIR=" + filepath.Join(dir, "media")}, tt.env...)
			if strings.Contains(tt.new, "dir = ") {
				env = tt.env
			}
			cfg, err := ParseConfig([]byte(src), env)
			if tt.key != "" {
				if err == nil || !strings.Contains(err.Error(), tt.key) || !errors.Is(err, config.ErrInvalid) && !strings.Contains(err.Error(), "toml") {
					t.Fatalf("error = %v, want one naming %s", err, tt.key)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			g, err := New(cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatalf("check accepted what run refuses: %v", err)
			}
			g.ln.Close()
			g.store.Close()
		})
	}
}

func TestNoCarrier(t *testing.T) {
	src := strings.Split(valid, "[carriers.twilio]")[0]
	if _, err := ParseConfig([]byte(src), nil); err == nil || !strings.Contains(err.Error(), "carriers") {
		t.Fatalf("error = %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "nope.toml"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error = %v", err)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	c, err := ParseConfig([]byte(valid), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := ParseConfig(b, nil)
	if err != nil {
		t.Fatalf("re-parse %s: %v", b, err)
	}
	if !reflect.DeepEqual(c2.Component, c.Component) || c2.HTTP != c.HTTP || *c2.Carriers.Twilio != *c.Carriers.Twilio {
		t.Fatalf("round trip changed the config:\n%s", b)
	}
}

// TestCarrierTable: every field of Carriers is an adapter's section, so
// that adding an adapter is one line there.
func TestCarrierTable(t *testing.T) {
	section := reflect.TypeFor[carriers.Section]()
	ct := reflect.TypeFor[Carriers]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		if f.Type.Kind() != reflect.Pointer || !f.Type.Implements(section) || f.Tag.Get("toml") == "" {
			t.Errorf("Carriers.%s (%s) is not a *T implementing carriers.Section with a toml name", f.Name, f.Type)
		}
	}
	if got := carrierKinds(); !slices.Equal(got, []string{"sandbox", "twilio", "telnyx", "bandwidth", "signalwire", "smpp"}) {
		t.Errorf("carrierKinds = %v", got)
	}
}

// freeUDPPort is a loopback UDP port nobody listens on.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
