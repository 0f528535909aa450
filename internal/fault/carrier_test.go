package fault

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

const (
	twSID   = "AC0123456789abcdef0123456789abcdef"
	twToken = "f00dfacef00dfacef00dfacef00dface"
)

// carrier is a Twilio Messages API that counts what reaches it, by body,
// and lists what it took (for the gateway's Find after a crash); it also
// plays Twilio's webhooks, retried until answered 2xx.
type carrier struct {
	mu    sync.Mutex
	took  []took
	count map[string]int
	srv   *httptest.Server
	delay time.Duration
}

type took struct {
	sid, from, to, body string
	at                  time.Time
}

func newCarrier(t *testing.T, delay time.Duration) *carrier {
	c := &carrier{count: map[string]int{}, delay: delay}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *carrier) serve(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != twSID || p != twToken {
		http.Error(w, "{}", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Messages.json"):
		_ = r.ParseForm()
		time.Sleep(c.delay) // the request is in flight: a crash may land here
		c.mu.Lock()
		sid := fmt.Sprintf("SM%032x", len(c.took)+1)
		c.took = append(c.took, took{sid, r.PostForm.Get("From"), r.PostForm.Get("To"), r.PostForm.Get("Body"), time.Now()})
		c.count[r.PostForm.Get("Body")]++
		c.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"sid":%q,"status":"queued"}`, sid)
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Messages.json"):
		q := r.URL.Query()
		var msgs []map[string]string
		c.mu.Lock()
		for i := len(c.took) - 1; i >= 0 && len(msgs) < 20; i-- {
			m := c.took[i]
			if m.from == q.Get("From") && m.to == q.Get("To") {
				msgs = append(msgs, map[string]string{"sid": m.sid, "body": m.body, "from": m.from, "to": m.to,
					"date_created": m.at.UTC().Format(time.RFC1123Z)})
			}
		}
		c.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"messages": msgs, "page": 0, "page_size": 20})
	default:
		http.NotFound(w, r)
	}
}

// counts returns how many distinct bodies the carrier took and how many
// bodies it took more than once.
func (c *carrier) counts() (distinct int, doubled []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for b, n := range c.count {
		distinct++
		if n > 1 {
			doubled = append(doubled, b)
		}
	}
	return distinct, doubled
}

func (c *carrier) has(body string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count[body] > 0
}

// deliver posts an inbound SMS webhook to the gateway, signed, until the
// gateway answers 2xx (as carriers retry); it gives up at deadline.
func deliver(publicURL, sid, from, to, body string, deadline time.Time) error {
	return deliverAt(publicURL, publicURL, sid, from, to, body, deadline)
}

// deliverAt is deliver to the instance at base, signed for publicURL (a
// load balancer's, in front of several instances).
func deliverAt(base, publicURL, sid, from, to, body string, deadline time.Time) error {
	form := url.Values{"MessageSid": {sid}, "AccountSid": {twSID}, "From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}}
	sig := carriertest.SignTwilio(twToken, publicURL+"/twilio/sms", form)
	u := base + "/twilio/sms"
	cl := &http.Client{Timeout: 5 * time.Second}
	for {
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		res, err := cl.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode/100 == 2 {
				return nil
			}
			err = fmt.Errorf("HTTP %d", res.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook %s never taken (last: %v)", sid, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
