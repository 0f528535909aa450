package twilio

import (
	"context"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard-gw/switchboard/carriers"
)

var _ carriers.Finder = (*Carrier)(nil)

// findWindow is how many of the pair's latest messages Find looks at; an
// interrupted send is seconds old, so it is among the newest.
const findWindow = 20

// Find looks for m among the latest messages from m.From to m.To created
// since since (Twilio lists newest first). A message matches on its body;
// Twilio's list has no filter on creation time (only on sent date, which a
// queued message lacks), so the time is compared here.
func (c *Carrier) Find(ctx context.Context, m carriers.Message, since time.Time) (string, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	api, rt := c.service(ctx)
	p := &openapi.ListMessageParams{}
	p.SetTo(m.To).SetFrom(m.From).SetPageSize(findWindow)
	page, err := api.PageMessage(p, "", "") // one page: the newest
	if err != nil {
		return "", false, rt.classify(err)
	}
	// Twilio's clock and ours differ a little.
	since = since.Add(-time.Minute)
	for _, msg := range page.Messages {
		if msg.Sid == nil || msg.Body == nil || *msg.Body != m.Body {
			continue
		}
		if msg.DateCreated != nil {
			if t, err := time.Parse(time.RFC1123Z, *msg.DateCreated); err == nil && t.Before(since) {
				continue
			}
		}
		return *msg.Sid, true, nil
	}
	return "", false, nil
}
