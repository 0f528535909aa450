package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func writeConfig(t *testing.T, redisURL, carriers string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "switchboard.toml")
	cfg := fmt.Sprintf(`
[component]
jid = "sms.example.org"
server = "127.0.0.1:5347"
secret = "s3cret-value"
[redis]
url = %q
[numbers]
default_region = "US"
[mms]
dir = %q
%s`, redisURL, filepath.Join(t.TempDir(), "media"), carriers)
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func sb(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestNumbersCommands(t *testing.T) {
	r := testenv.StartRedis(t)
	one := writeConfig(t, r.URL, "[carriers.sandbox]\nenabled = true\n")
	two := writeConfig(t, r.URL, "[carriers.sandbox]\nenabled = true\nunsafe_beside_real_traffic = true\n[carriers.twilio]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\nauth_token = \"t\"\n")

	steps := []struct {
		name string
		args []string
		want string // in the output, or in the error when wantErr
		err  bool
	}{
		{"assign", []string{"numbers", "assign", "-c", one, "(201) 555-0100", "alice@example.org"}, "assigned +12015550100 to alice@example.org via sandbox", false},
		{"assign flags last", []string{"numbers", "assign", "+12015550101", "bob@example.org", "-c", one}, "assigned +12015550101", false},
		{"taken", []string{"numbers", "assign", "-c", one, "+12015550100", "mallory@example.org"}, "another JID", true},
		{"bad number", []string{"numbers", "assign", "-c", one, "+1555", "alice@example.org"}, `NUMBER: numbers: bad number "+1555"`, true},
		{"bad jid", []string{"numbers", "assign", "-c", one, "+12015550102", "example.org"}, `JID: numbers: not a bare user JID such as alice@example.org: "example.org"`, true},
		{"full jid", []string{"numbers", "assign", "-c", one, "+12015550102", "a@example.org/phone"}, "bare user JID", true},
		{"carrier needed", []string{"numbers", "assign", "-c", two, "+12015550102", "carol@example.org"}, "--carrier: numbers: carrier: one must be named", true},
		{"unknown carrier", []string{"numbers", "assign", "-c", two, "--carrier", "telnyx", "+12015550102", "carol@example.org"}, `"telnyx" is not configured`, true},
		{"explicit carrier", []string{"numbers", "assign", "-c", two, "--carrier", "twilio", "+12015550102", "carol@example.org"}, "via twilio", false},
		{"list", []string{"numbers", "list", "-c", one}, "+12015550100  alice@example.org  sandbox", false},
		{"forward", []string{"numbers", "forward", "-c", one, "+12015550100", "(201) 555-0199"}, "calls to +12015550100 go to +12015550199", false},
		{"list forwarded", []string{"numbers", "list", "-c", one}, "+12015550199", false},
		{"forward to sip", []string{"numbers", "forward", "-c", one, "+12015550100", "sip:desk@pbx.example.org"}, "go to sip:desk@pbx.example.org", false},
		{"forward to garbage", []string{"numbers", "forward", "-c", one, "+12015550100", "desk"}, `TARGET: numbers: not a phone number, a sip: URI or off: "desk"`, true},
		{"forward to bad sip", []string{"numbers", "forward", "-c", one, "+12015550100", "sip:"}, "not a SIP URI", true},
		{"forward to premium rate", []string{"numbers", "forward", "-c", one, "+12015550100", "+1 900 555 0123"}, "TARGET: numbers: forwarding target refused +19005550123: policy: +1900… is refused by this gateway's destination policy (premium rate)", true},
		{"forward unbound", []string{"numbers", "forward", "-c", one, "+12015550188", "off"}, "NUMBER: numbers: not assigned: +1201555", true},
		{"forward off", []string{"numbers", "forward", "-c", one, "+12015550100", "off"}, "go to its owner", false},
		{"release", []string{"numbers", "release", "-c", one, "+12015550100"}, "released +12015550100 (was alice@example.org)", false},
		{"release again", []string{"numbers", "release", "-c", one, "+12015550100"}, "NUMBER: numbers: not assigned: +1201555", true},
		{"missing -c", []string{"numbers", "list"}, "-c FILE is required", true},
		{"unknown sub", []string{"numbers", "buy", "-c", one}, "unknown numbers command", true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			out, err := sb(s.args...)
			if s.err {
				if err == nil || !strings.Contains(err.Error(), s.want) {
					t.Fatalf("error = %v, want one containing %q (output %q)", err, s.want, out)
				}
				return
			}
			if err != nil || !strings.Contains(out, s.want) {
				t.Fatalf("output %q, %v; want %q", out, err, s.want)
			}
		})
	}
	out, _ := sb("numbers", "list", "-c", one)
	if strings.Contains(out, "+12015550100") || !strings.Contains(out, "+12015550102") {
		t.Errorf("list after release:\n%s", out)
	}
}

func TestCheck(t *testing.T) {
	good := writeConfig(t, "redis://127.0.0.1:1/0", "[carriers.sandbox]\nenabled = true\n")
	if out, err := sb("check", "-c", good); err != nil || !strings.Contains(out, "configuration OK") || strings.Contains(out, "s3cret-value") {
		t.Fatalf("check: %q, %v", out, err)
	}
	const twilio = "[carriers.twilio]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\nauth_token = \"t\"\n"
	beside := writeConfig(t, "redis://127.0.0.1:1/0", "[carriers.sandbox]\nenabled = true\n"+twilio)
	if _, err := sb("check", "-c", beside); err == nil || !strings.Contains(err.Error(), "carriers.sandbox.unsafe_beside_real_traffic") {
		t.Fatalf("check of the sandbox beside Twilio: %v", err)
	}
	acknowledged := writeConfig(t, "redis://127.0.0.1:1/0", "[carriers.sandbox]\nenabled = true\nunsafe_beside_real_traffic = true\n"+twilio)
	if out, err := sb("check", "-c", acknowledged); err != nil || !strings.Contains(out, "configuration OK") {
		t.Fatalf("check of the sandbox beside Twilio, acknowledged: %q, %v", out, err)
	}
	bad := writeConfig(t, "redis://127.0.0.1:1/0", "")
	if _, err := sb("check", "-c", bad); err == nil || !strings.Contains(err.Error(), "carriers") {
		t.Fatalf("check without carriers: %v", err)
	}
	if _, err := sb("check", "-c", filepath.Join(t.TempDir(), "missing.toml")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("check missing file: %v", err)
	}
	t.Setenv("SWITCHBOARD_HTTP_PUBLIC_URL", "ftp://x")
	if _, err := sb("check", "-c", good); err == nil || !strings.Contains(err.Error(), "http.public_url") {
		t.Fatalf("env override not validated: %v", err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"numbers"}} {
		if _, err := sb(args...); !errors.Is(err, errUsage) {
			t.Errorf("%v: error = %v, want usage", args, err)
		}
	}
}

// The documented example configuration must stay valid.
func TestExampleConfig(t *testing.T) {
	if out, err := sb("check", "-c", "../../deploy/switchboard.example.toml"); err != nil {
		t.Fatalf("example config: %v %s", err, out)
	}
}

// TestRunPrintsSandboxPage: `switchboard run` with the sandbox prints the
// page's address, token included, once on standard output and never in
// the log: the page and its API answer no one without it.
func TestRunPrintsSandboxPage(t *testing.T) {
	cfg := writeConfig(t, "redis://127.0.0.1:1/0", "[http]\nlisten = \"127.0.0.1:0\"\npublic_url = \"http://127.0.0.1:8080\"\n[carriers.sandbox]\nenabled = true\n")
	var stdout, stderr syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run", "-c", cfg}, &stdout, &stderr) }()
	re := regexp.MustCompile(`^sandbox page \(its address is its key for this run\): http://127\.0\.0\.1:8080/sandbox/\?token=([0-9a-f]{32})\n$`)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stdout.String(), "\n") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	m := re.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("stdout %q", stdout.String())
	}
	if strings.Contains(stderr.String(), m[1]) {
		t.Error("the token is in the log")
	}
}

// TestCarriersProbe: each carrier's credentials are checked with a
// harmless read, at Prism serving Twilio's own definition; a carrier that
// cannot be reached is named with its error and the command fails.
func TestCarriersProbe(t *testing.T) {
	prism := carriertest.StartTwilioPrism(t)
	ok := writeConfig(t, "redis://127.0.0.1:1/0", fmt.Sprintf("[carriers.sandbox]\nenabled = true\nunsafe_beside_real_traffic = true\n[carriers.twilio]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\nauth_token = \"t\"\napi_url = %q\n", prism.URL))
	out, err := sb("carriers", "probe", "-c", ok)
	if err != nil || !strings.Contains(out, "sandbox: OK") || !strings.Contains(out, "twilio: OK") {
		t.Errorf("probe: %v\n%s", err, out)
	}
	down := writeConfig(t, "redis://127.0.0.1:1/0", "[carriers.twilio]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\nauth_token = \"t\"\napi_url = \"http://127.0.0.1:1\"\n")
	out, err = sb("carriers", "probe", "-c", down)
	if err == nil || !strings.Contains(out, "twilio: carriers: carrier unavailable") {
		t.Errorf("unreachable carrier: %v\n%s", err, out)
	}
	if strings.Contains(out, "\"t\"") || strings.Contains(out, "auth_token") {
		t.Errorf("the probe's output shows a secret: %s", out)
	}
	if _, err := sb("carriers", "list"); err == nil {
		t.Error("carriers list: want a usage error")
	}
}

// TestNumbersSearch: numbers search lists what a carrier offers, at Prism
// serving Twilio's own definition and from the sandbox, without Redis.
func TestNumbersSearch(t *testing.T) {
	prism := carriertest.StartTwilioPrism(t)
	cfg := writeConfig(t, "redis://127.0.0.1:1/0", fmt.Sprintf("[carriers.sandbox]\nenabled = true\nunsafe_beside_real_traffic = true\n[carriers.twilio]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\nauth_token = \"t\"\napi_url = %q\n", prism.URL))
	tests := []struct {
		name string
		args []string
		want string // in the output, or in the error when err
		err  bool
	}{
		{"twilio", []string{"numbers", "search", "-c", cfg, "--carrier", "twilio", "--area-code", "808"}, "+18089251571  Hilo      HI      US       no   yes  yes", false},
		{"sandbox", []string{"numbers", "search", "-c", cfg, "--carrier", "sandbox", "--area-code", "415", "--contains", "0142"}, "+14155550142  Sandbox", false},
		{"sandbox finds nothing", []string{"numbers", "search", "-c", cfg, "--carrier", "sandbox", "--country", "GB"}, "sandbox offers no numbers", false},
		{"which carrier", []string{"numbers", "search", "-c", cfg}, "--carrier: app: name a configured carrier", true},
		{"bad area code", []string{"numbers", "search", "-c", cfg, "--carrier", "sandbox", "--area-code", "4"}, "an area code is three digits", true},
		{"arguments", []string{"numbers", "search", "-c", cfg, "--carrier", "sandbox", "415"}, "flags only", true},
		{"search flags elsewhere", []string{"numbers", "list", "-c", cfg, "--area-code", "415"}, "flag provided but not defined", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := sb(tt.args...)
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error = %v, want one containing %q (output %q)", err, tt.want, out)
				}
				return
			}
			if err != nil || !strings.Contains(out, tt.want) {
				t.Fatalf("output %q, %v; want %q", out, err, tt.want)
			}
		})
	}
}

// TestAccountsCommands: with [billing] on, assigning a number opens the
// owner's account; the operator credits it with a reason, debits it, and
// sees the balance and the postings. Without billing the commands say so.
func TestAccountsCommands(t *testing.T) {
	r := testenv.StartRedis(t)
	billed := writeConfig(t, r.URL, "[carriers.sandbox]\nenabled = true\n[billing]\nenabled = true\nlow_balance = [\"1.00\"]\n[[billing.rates]]\nprefix = \"+1\"\nsms = \"0.01\"\n")
	free := writeConfig(t, r.URL, "[carriers.sandbox]\nenabled = true\n")
	steps := []struct {
		name string
		args []string
		want string
		err  bool
	}{
		{"no account yet", []string{"accounts", "show", "-c", billed, "alice@example.org"}, "JID: billing: no such account", true},
		{"assign opens it", []string{"numbers", "assign", "-c", billed, "+12015550100", "alice@example.org"}, "assigned +12015550100", false},
		{"empty", []string{"accounts", "show", "-c", billed, "alice@example.org"}, "alice@example.org: active, balance 0.00 USD", false},
		{"credit", []string{"accounts", "credit", "-c", billed, "alice@example.org", "5.00", "welcome", "credit"}, "credited alice@example.org: balance 5.00 USD", false},
		{"debit", []string{"accounts", "credit", "-c", billed, "alice@example.org", "-1.25", "refund reversed"}, "debited alice@example.org: balance 3.75 USD", false},
		{"postings", []string{"accounts", "show", "-c", billed, "alice@example.org"}, "welcome credit", false},
		{"bad amount", []string{"accounts", "credit", "-c", billed, "alice@example.org", "1.005", "x"}, "AMOUNT:", true},
		{"float amount", []string{"accounts", "credit", "-c", billed, "alice@example.org", "1e3", "x"}, "AMOUNT:", true},
		{"no reason", []string{"accounts", "credit", "-c", billed, "alice@example.org", "1.00"}, "needs JID, AMOUNT and a REASON", true},
		{"bad jid", []string{"accounts", "show", "-c", billed, "example.org"}, "JID: not a bare user JID", true},
		{"unknown account", []string{"accounts", "credit", "-c", billed, "bob@example.org", "1.00", "x"}, "JID: billing: no such account", true},
		{"export", []string{"billing", "export", "-c", billed, "--from", "2000-01-01"}, "admin,-1.25,USD,3.75,0,0,-,refund reversed", false},
		{"export to a file", []string{"billing", "export", "-c", billed, "--from", "2000-01-01", "-o", filepath.Join(t.TempDir(), "postings.csv")}, "2 postings written to", false},
		{"export nothing yet", []string{"billing", "export", "-c", billed, "--from", "2000-01-01", "--to", "2000-01-02"}, "time,account,posting,kind", false},
		{"export without from", []string{"billing", "export", "-c", billed}, "needs --from", true},
		{"export bad day", []string{"billing", "export", "-c", billed, "--from", "01/11/2026"}, "--from: \"01/11/2026\" is neither a day", true},
		{"export backwards", []string{"billing", "export", "-c", billed, "--from", "2030-01-01", "--to", "2029-01-01"}, "is not before --to", true},
		{"export billing off", []string{"billing", "export", "-c", free, "--from", "2000-01-01"}, "billing is off", true},
		{"billing off", []string{"accounts", "show", "-c", free, "alice@example.org"}, "billing is off", true},
		{"unknown sub", []string{"accounts", "close", "-c", billed, "alice@example.org"}, "unknown accounts command", true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			out, err := sb(s.args...)
			if s.err {
				if err == nil || !strings.Contains(err.Error(), s.want) {
					t.Fatalf("error = %v, want one containing %q (output %q)", err, s.want, out)
				}
				return
			}
			if err != nil || !strings.Contains(out, s.want) {
				t.Fatalf("output %q, %v; want %q", out, err, s.want)
			}
		})
	}
}

// TestInvitesCommands: the operator issues invite codes and lists them
// with their uses left.
func TestInvitesCommands(t *testing.T) {
	r := testenv.StartRedis(t)
	billed := writeConfig(t, r.URL, "[carriers.sandbox]\nenabled = true\n[billing]\nenabled = true\n[signup]\nenabled = true\n")
	free := writeConfig(t, r.URL, "[carriers.sandbox]\nenabled = true\n")
	out, err := sb("invites", "create", "-c", billed, "--count", "3", "--uses", "5", "--bonus", "2.50", "--days", "7")
	if err != nil || len(strings.Fields(out)) != 3 {
		t.Fatalf("create: %q %v", out, err)
	}
	code := strings.Fields(out)[0]
	out, err = sb("invites", "list", "-c", free)
	if err != nil || !strings.Contains(out, code) || !strings.Contains(out, "2.50 USD") || strings.Count(out, "\n") != 4 {
		t.Fatalf("list: %q %v", out, err)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"invites", "create", "-c", free, "--bonus", "1.00"}, "billing is off"},
		{[]string{"invites", "create", "-c", billed, "--bonus", "lots"}, "--bonus"},
		{[]string{"invites", "create", "-c", billed, "--count", "1000"}, "1 to 100 codes"},
		{[]string{"invites", "create", "-c", billed, "--days", "-1"}, "--days"},
		{[]string{"invites", "revoke", "-c", billed}, "invites create|list"},
	} {
		if _, err := sb(bad.args...); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: %v, want %q", bad.args, err, bad.want)
		}
	}
}
