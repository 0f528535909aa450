package component

import (
	"context"
	"encoding/xml"
	"sync"

	"mellium.im/xmpp/jid"
)

// maxTrackedUsers and maxResources bound the table: presence reaches
// number JIDs only from users who subscribed to them, but a bound keeps a
// flood of accounts or logins from growing it without end.
const (
	maxTrackedUsers = 100_000
	maxResources    = 16 // per user
)

// clientTable remembers users' online resources, from the presence their
// servers send to number JIDs, and each resource's disco#info features once
// asked. A call from a phone needs them to reach clients without XEP-0353
// (Gajim), which never see a <propose/>.
type clientTable struct {
	mu  sync.Mutex
	res map[string]map[string][]string // bare -> full -> features (nil: not asked)
}

func (t *clientTable) available(full jid.JID) {
	if full.Resourcepart() == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	bare := full.Bare().String()
	m := t.res[bare]
	if m == nil {
		if t.res == nil {
			t.res = map[string]map[string][]string{}
		}
		if len(t.res) >= maxTrackedUsers {
			return
		}
		m = map[string][]string{}
		t.res[bare] = m
	}
	if _, ok := m[full.String()]; !ok && len(m) < maxResources {
		m[full.String()] = nil
	}
}

func (t *clientTable) unavailable(full jid.JID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	bare := full.Bare().String()
	m := t.res[bare]
	if full.Resourcepart() == "" {
		delete(t.res, bare)
		return
	}
	delete(m, full.String())
	if len(m) == 0 {
		delete(t.res, bare)
	}
}

// list copies a user's resources and their features.
func (t *clientTable) list(bare string) map[string][]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string][]string, len(t.res[bare]))
	for full, fs := range t.res[bare] {
		out[full] = fs
	}
	return out
}

func (t *clientTable) learned(full string, fs []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, err := jid.Parse(full)
	if err != nil {
		return
	}
	if m := t.res[b.Bare().String()]; m != nil {
		if _, ok := m[full]; ok {
			m[full] = fs
		}
	}
}

// OnlineClients returns the resources of user (a bare JID) that are online
// as far as presence sent to number JIDs tells, with their disco#info
// features. Features not known yet are asked from the resources, as from,
// in parallel, until ctx ends; a resource that does not answer has nil
// features (asked again next time).
func (c *Component) OnlineClients(ctx context.Context, user, from string) map[string][]string {
	res := c.clients.list(user)
	var unknown []string
	for full, fs := range res {
		if fs == nil {
			unknown = append(unknown, full)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, full := range unknown {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := c.discoFeatures(ctx, from, full)
			if err != nil {
				c.log.Debug("component: no disco#info from a client", "err", err)
				return
			}
			c.clients.learned(full, got)
			mu.Lock()
			res[full] = got
			mu.Unlock()
		}()
	}
	wg.Wait()
	return res
}

// discoQuery is an empty disco#info query.
type discoQuery struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/disco#info query"`
}

// discoFeatures asks to for its disco#info features.
func (c *Component) discoFeatures(ctx context.Context, from, to string) ([]string, error) {
	a, err := c.iq(ctx, "get", from, to, discoQuery{})
	if err != nil {
		return nil, err
	}
	if a.features == nil {
		return []string{}, nil // answered, with no feature
	}
	return a.features, nil
}

// readFeatures collects the var of every disco#info <feature/> in r.
func readFeatures(r xml.TokenReader) []string {
	var fs []string
	for {
		tok, err := r.Token()
		if err != nil {
			return fs
		}
		s, ok := tok.(xml.StartElement)
		if !ok || s.Name.Local != "feature" || s.Name.Space != nsDiscoInfo {
			continue
		}
		for _, a := range s.Attr {
			if a.Name.Local == "var" {
				fs = append(fs, a.Value)
			}
		}
	}
}
