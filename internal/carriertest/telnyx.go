package carriertest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
)

// TelnyxFixture is a webhook body and the telnyx-timestamp to sign it with.
type TelnyxFixture struct {
	Timestamp string `json:"timestamp"`
	Body      string `json:"body"`
}

// TelnyxSigned is a fixture's signature and what the Telnyx SDK made of it.
type TelnyxSigned struct {
	Signature string `json:"signature"` // telnyx-signature-ed25519
	SDK       string `json:"sdk"`       // "ok", or the SDK's refusal
}

// TelnyxSign signs each fixture with a fresh Ed25519 key, by Node's own
// crypto.sign over "timestamp|body", and has the official Telnyx Node SDK
// (client.webhooks.unwrap) check each signature, as an independent check
// of the adapter's verification. It returns the public key, base64 as the
// Telnyx portal shows it.
func TelnyxSign(t testing.TB, fixtures ...TelnyxFixture) (publicKey string, signed []TelnyxSigned) {
	t.Helper()
	var out struct {
		PublicKey string         `json:"publicKey"`
		Results   []TelnyxSigned `json:"results"`
	}
	runTelnyxSDK(t, "sign", map[string]any{"fixtures": fixtures}, &out)
	if len(out.Results) != len(fixtures) {
		t.Fatalf("carriertest: telnyx-sdk.js signed %d of %d fixtures", len(out.Results), len(fixtures))
	}
	return out.PublicKey, out.Results
}

// TelnyxSend sends params through the official Telnyx Node SDK
// (client.messages.send, or sendGroupMms when group is set) to baseURL,
// which must end in /v2 as the SDK's default does, and returns its answer.
func TelnyxSend(t testing.TB, baseURL, apiKey string, group bool, params map[string]any) json.RawMessage {
	t.Helper()
	var out json.RawMessage
	runTelnyxSDK(t, "send", map[string]any{"baseURL": baseURL, "apiKey": apiKey, "group": group, "params": params}, &out)
	return out
}

// TelnyxDetailRecords lists detail records through the official Telnyx
// Node SDK (client.detailRecords.list(query), the first page) at baseURL,
// which must end in /v2, and returns the records the SDK read.
func TelnyxDetailRecords(t testing.TB, baseURL, apiKey string, query map[string]any) json.RawMessage {
	t.Helper()
	var out json.RawMessage
	runTelnyxSDK(t, "records", map[string]any{"baseURL": baseURL, "apiKey": apiKey, "query": query}, &out)
	return out
}

// TelnyxCall calls one method of the official Telnyx Node SDK by its path
// ("availablePhoneNumbers.list", "numberOrders.create",
// "phoneNumbers.delete") with args at baseURL, which must end in /v2, and
// returns its answer; an API error the SDK throws comes back as
// {"error": STATUS}.
func TelnyxCall(t testing.TB, baseURL, apiKey, method string, args ...any) json.RawMessage {
	t.Helper()
	var out json.RawMessage
	if args == nil {
		args = []any{}
	}
	runTelnyxSDK(t, "call", map[string]any{"baseURL": baseURL, "apiKey": apiKey, "method": method, "args": args}, &out)
	return out
}

func runTelnyxSDK(t testing.TB, mode string, in, out any) {
	t.Helper()
	if testing.Short() {
		t.Skip("carriertest: runs the npm telnyx package (skipped with -short)")
	}
	tools := Tools(t)
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("carriertest: encode telnyx-sdk.js input: %v", err)
	}
	cmd := exec.Command("node", filepath.Join(tools, "telnyx-sdk.js"), mode)
	cmd.Dir = tools
	cmd.Stdin = bytes.NewReader(b)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("carriertest: telnyx-sdk.js %s failed: %v\n%s", mode, err, stderr.String())
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("carriertest: telnyx-sdk.js %s printed %q: %v", mode, res, err)
	}
}
