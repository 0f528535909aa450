package fault

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestStandbyTakesOver: two gateway instances for one component domain on
// one Redis, as an operator runs a hot standby. Prosody lets only one
// connect; the other's /healthz says XMPP is down (so a load balancer
// sends webhooks to the active one) and it keeps trying. Killed, the
// active one's place is taken by the standby, which then carries texts
// both ways.
func TestStandbyTakesOver(t *testing.T) {
	r := newRig(t)
	other := testenv.FreePort(t)
	standbyURL := fmt.Sprintf("http://127.0.0.1:%d", other)
	b, err := os.ReadFile(r.gw.cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The same gateway: its own HTTP port and queue consumer; webhooks are
	// signed for the public URL both share.
	cfg := strings.Replace(string(b), `listen = "`+strings.TrimPrefix(r.url, "http://")+`"`, fmt.Sprintf(`listen = "127.0.0.1:%d"`, other), 1)
	cfg = strings.Replace(cfg, `consumer = "fault-test"`, `consumer = "fault-standby"`, 1)
	// It tries at least every 2 s, so it takes over within that.
	cfg = strings.Replace(cfg, "[component]\n", "[component]\nreconnect_max = \"2s\"\n", 1)
	standby := startStandby(t, cfg, standbyURL+"/healthz", nil)
	healthy := func() bool {
		cl := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		res, err := cl.Get(standbyURL + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}
	time.Sleep(5 * time.Second) // attempts to connect, all refused, up to reconnect_max apart
	if healthy() {
		t.Fatal("the standby is healthy beside the active instance")
	}
	alice := r.alice()
	r.sendOut(t, alice, 0)
	waitUntil(t, 10*time.Second, "the first text at the carrier", func() bool { return r.carrier.has("out 0") })
	if standby.logHas("component: connected") {
		t.Fatal("the standby connected beside the active instance")
	}

	r.gw.kill()
	killed := time.Now()
	waitUntil(t, 45*time.Second, "the standby to take over", healthy)
	t.Logf("the standby took over %v after the kill", time.Since(killed).Round(time.Second))
	b, _ = os.ReadFile(standby.log)
	waits := regexp.MustCompile(`reconnecting.* in=(\S+)`).FindAllStringSubmatch(string(b), -1)
	if len(waits) < 3 {
		t.Errorf("%d refused attempts logged, want several", len(waits))
	}
	for _, w := range waits {
		if d, err := time.ParseDuration(w[1]); err != nil || d > 2*time.Second {
			t.Errorf("a wait of %s between attempts, beyond reconnect_max (2s)", w[1])
		}
	}
	r.sendOut(t, alice, 1)
	waitUntil(t, 10*time.Second, "a text through the standby", func() bool { return r.carrier.has("out 1") })
	if err := deliverAt(standbyURL, r.url, fmt.Sprintf("SM%032d", 999), phoneNum, aliceNum, "in via the standby", time.Now().Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Expect(ctxT(t, 10*time.Second), func(s testenv.Stanza) bool { return s.Body() == "in via the standby" }); err != nil {
		t.Fatal(err)
	}
}
