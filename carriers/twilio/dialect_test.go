package twilio

import (
	"net/url"
	"testing"

	"github.com/switchboard-gw/switchboard/carriers/internal/api"
)

// laml is a dialect with a prefix and UUID ids, as SignalWire's.
func laml() Dialect {
	return Dialect{Name: "laml", Title: "LaML", Prefix: "/api/laml", SignatureHeader: "X-LaML-Signature", MaxMediaBytes: 1, UUIDs: true}
}

const (
	uuid1 = "7bd3a8d2-5f0e-4c1a-9a1e-0c6f3b2d4e5f"
	uuid2 = "1c6b9a34-0d7e-4f8a-b2c1-3e4d5f607182"
	uuid3 = "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"
)

// FuzzLaMLMediaPath: for a prefixed UUID dialect, an accepted URL is
// exactly the prefixed Media path built from its three ids.
func FuzzLaMLMediaPath(f *testing.F) {
	f.Add("https://example.signalwire.com/api/laml/2010-04-01/Accounts/" + uuid1 + "/Messages/" + uuid2 + "/Media/" + uuid3)
	f.Add("https://example.signalwire.com/api/laml/2010-04-01/Accounts/" + uuid1 + "/Messages/" + sid1 + "/Media/" + uuid3)
	f.Add("https://example.signalwire.com/2010-04-01/Accounts/" + uuid1 + "/Messages/" + uuid2 + "/Media/" + uuid3)
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		ref, ok := laml().mediaPath(u)
		if !ok {
			return
		}
		want := "/api/laml/2010-04-01/Accounts/" + ref.account + "/Messages/" + ref.message + "/Media/" + ref.media
		if u.EscapedPath() != want || u.Path != want || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted %q as %+v", raw, ref)
		}
		if !api.IsUUID(ref.account) || !(api.IsUUID(ref.message) || messageSID(ref.message)) || !api.IsUUID(ref.media) {
			t.Fatalf("accepted ids %+v", ref)
		}
	})
}
