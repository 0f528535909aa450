package carriertest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// SignalWire's LaML API is Twilio's 2010-04-01 API under another prefix,
// with UUIDs where Twilio has two-letter SIDs.
const (
	twilioPrefix     = "/2010-04-01/"
	signalWirePrefix = "/api/laml/2010-04-01/"
	uuidPattern      = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)

// StartSignalWirePrism serves Twilio's definition as SignalWire's LaML
// API: every path moved under /api/laml, and every id in a path (a SID
// pattern of 32 hex digits) a UUID, SignalWire's project, message and
// media ids. Prism then refuses a Twilio-shaped path or account SID.
func StartSignalWirePrism(t testing.TB) *Prism {
	t.Helper()
	if testing.Short() {
		t.Skip("carriertest: starts Prism (skipped with -short)")
	}
	tools := Tools(t)
	in, err := os.ReadFile(filepath.Join(tools, "specs", "twilio_api_v2010.json"))
	if err != nil {
		t.Fatalf("carriertest: read the Twilio definition: %v", err)
	}
	out, err := signalWireSpec(in)
	if err != nil {
		t.Fatalf("carriertest: %v", err)
	}
	spec := filepath.Join(t.TempDir(), "signalwire_laml.json")
	if err := os.WriteFile(spec, out, 0o644); err != nil {
		t.Fatalf("carriertest: write the SignalWire definition: %v", err)
	}
	return startSpecFile(t, tools, spec)
}

// signalWireSpec rewrites Twilio's definition into SignalWire's.
func signalWireSpec(twilio []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(twilio, &doc); err != nil {
		return nil, err
	}
	paths, _ := doc["paths"].(map[string]any)
	moved := make(map[string]any, len(paths))
	for p, item := range paths {
		if rest, ok := strings.CutPrefix(p, twilioPrefix); ok {
			p = signalWirePrefix + rest
		}
		op, _ := item.(map[string]any)
		uuidParams(op["parameters"])
		for _, v := range op {
			if o, ok := v.(map[string]any); ok {
				uuidParams(o["parameters"])
			}
		}
		moved[p] = item
	}
	doc["paths"] = moved
	return json.Marshal(doc)
}

// uuidParams makes every path parameter with a SID pattern a UUID.
func uuidParams(params any) {
	list, _ := params.([]any)
	for _, p := range list {
		m, _ := p.(map[string]any)
		if m == nil || m["in"] != "path" {
			continue
		}
		schema, _ := m["schema"].(map[string]any)
		if pat, _ := schema["pattern"].(string); strings.HasSuffix(pat, "{32}$") {
			m["schema"] = map[string]any{"type": "string", "minLength": 36, "maxLength": 36, "pattern": uuidPattern}
		}
	}
}
