package carriertest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TwilioSignature returns the X-Twilio-Signature the npm twilio package
// computes for a webhook to url carrying params, as an independent check of
// our own signing and validation. A key with several values is passed as an
// array, which twilio-node de-duplicates and sorts before signing.
func TwilioSignature(t testing.TB, authToken, url string, params url.Values) string {
	t.Helper()
	if testing.Short() {
		t.Skip("carriertest: runs the npm twilio package (skipped with -short)")
	}
	tools := Tools(t)
	ps := make(map[string]any, len(params))
	for k, v := range params {
		if len(v) == 1 {
			ps[k] = v[0]
		} else {
			ps[k] = v
		}
	}
	in, err := json.Marshal(map[string]any{"authToken": authToken, "url": url, "params": ps})
	if err != nil {
		t.Fatalf("carriertest: encode signer input: %v", err)
	}
	cmd := exec.Command("node", filepath.Join(tools, "twilio-sign.js"))
	cmd.Dir = tools
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("carriertest: twilio-sign.js failed: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}
