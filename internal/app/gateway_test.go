package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// env is one gateway wired to a real Prosody and a real Redis.
type env struct {
	prosody   *testenv.Prosody
	redis     *testenv.Redis
	gw        *Gateway
	store     *store.Store
	cfg       *Config
	url       string        // the gateway's HTTP base URL
	serverLog func() string // the XMPP server's log tail, for failures
	cancel    context.CancelFunc
	done      chan error
	now       func() time.Time // the ledger's clock; default time.Now
}

type envOptions struct {
	extraTOML string // appended to the config (carrier sections)
	env       []string
	logTo     io.Writer // gateway logs at debug level; default discarded
}

func startEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{}
	e.redis = testenv.StartRedis(t)
	e.prosody = testenv.StartProsody(t, testenv.ProsodyOptions{})
	e.serverLog = e.prosody.LogTail
	e.cfg = gatewayConfig(t, e.prosody.ComponentDomain, e.prosody.ComponentAddr, e.prosody.ComponentSecret, e.redis.URL, o)
	e.launch(t, o.logTo)
	return e
}

// launch starts the gateway configured in e.cfg and waits until it is
// healthy, with a store client for the test.
func (e *env) launch(t *testing.T, logTo io.Writer) {
	t.Helper()
	e.start(t, logTo)
	st, err := store.Open(e.redis.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	e.url = "http://" + e.gw.Addr()
	e.waitHealthy(t)
}

// gatewayConfig is the configuration of a gateway on loopback attached to
// the given component listener; the sandbox carrier is on unless o names
// carriers itself.
func gatewayConfig(t *testing.T, domain, addr, secret, redisURL string, o envOptions) *Config {
	t.Helper()
	listen := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	base, err := (&Config{
		Component: component.Config{JID: domain, Server: addr, Secret: secret},
		Redis:     store.Config{URL: redisURL},
		HTTP:      HTTP{Listen: listen, PublicURL: "http://" + listen},
		Numbers:   phone.Config{DefaultRegion: "US"},
		// The sandbox's pictures and test upload servers are on loopback.
		MMS: mms.Config{Dir: filepath.Join(t.TempDir(), "media"), FetchAllow: []string{"127.0.0.1/32"}},
	}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	toml := string(base) + "\n" + o.extraTOML
	if !strings.Contains(o.extraTOML, "[carriers.") {
		toml += "\n[carriers.sandbox]\nenabled = true\n"
		// SIPp (or a dead port) plays a real trunk beside the sandbox.
		if slices.ContainsFunc(o.env, func(v string) bool { return strings.HasPrefix(v, "SWITCHBOARD_SIP_TRUNK=") }) {
			toml += "unsafe_beside_real_traffic = true\n"
		}
	}
	cfg, err := ParseConfig([]byte(toml), o.env)
	if err != nil {
		t.Fatalf("%v\n%s", err, toml)
	}
	return cfg
}

func (e *env) start(t *testing.T, logTo io.Writer) {
	t.Helper()
	if logTo == nil {
		logTo = io.Discard
	}
	if os.Getenv("SWITCHBOARD_TEST_LOG") != "" {
		logTo = io.MultiWriter(logTo, os.Stderr)
	}
	logger := slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelDebug}))
	now := e.now
	if now == nil {
		now = time.Now
	}
	gw, err := newGateway(e.cfg, logger, now)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.gw, e.cancel, e.done = gw, cancel, make(chan error, 1)
	go func() { e.done <- gw.Run(ctx) }()
	t.Cleanup(e.stop)
}

func (e *env) stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	<-e.done
	e.cancel = nil
}

// waitHealthy waits until /healthz reports XMPP and Redis up.
func (e *env) waitHealthy(t *testing.T) {
	t.Helper()
	e.waitHealth(t, "healthy", func(code int, _ string) bool { return code == http.StatusOK })
}

// waitHealth waits until /healthz answers as ok says.
func (e *env) waitHealth(t *testing.T, what string, ok func(code int, body string) bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := e.get(t, "/healthz")
		if ok(code, body) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway not %s: %d %s\nXMPP server log:\n%s", what, code, body, e.serverLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitXMPPDown waits until /healthz reports the XMPP server gone.
func (e *env) waitXMPPDown(t *testing.T) {
	t.Helper()
	e.waitHealth(t, "reporting XMPP down", func(code int, body string) bool {
		return code == http.StatusServiceUnavailable && strings.Contains(body, `"xmpp":"down`)
	})
}

// get GETs path as the sandbox page does (with its token, which other
// paths ignore).
func (e *env) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Sandbox-Token", e.gw.SandboxToken())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// user registers and logs in a user, bound to number when it is not empty.
func (e *env) user(t *testing.T, name, number, carrier string) *testenv.Client {
	t.Helper()
	e.prosody.Register(t, name, "pw-"+name)
	if number != "" {
		if err := e.store.Assign(context.Background(), store.Binding{Number: number, JID: name + "@" + e.prosody.Domain, Carrier: carrier}); err != nil {
			t.Fatal(err)
		}
	}
	return e.prosody.Client(t, name, "pw-"+name)
}

// sandboxPage is the sandbox page's address, token included.
func (e *env) sandboxPage() string { return e.url + "/sandbox/?token=" + e.gw.SandboxToken() }

func (e *env) numberJID(n string) string { return n + "@" + e.prosody.ComponentDomain }

// numberFull is the full JID a number is online at and calls come from.
func (e *env) numberFull(n string) string { return e.numberJID(n) + "/" + component.Resource }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func isMessageFrom(j string) func(testenv.Stanza) bool {
	return func(s testenv.Stanza) bool { return s.Name == "message" && strings.HasPrefix(s.From, j) }
}

func isIQ(id string) func(testenv.Stanza) bool {
	return func(s testenv.Stanza) bool { return s.Name == "iq" && s.ID == id }
}
