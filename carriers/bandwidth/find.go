package bandwidth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
)

var _ carriers.Finder = (*Carrier)(nil)

// ErrAmbiguous: several messages of the pair since the send could be the
// one asked about, and Bandwidth's records hold nothing that tells them
// apart; the send stays in doubt.
var ErrAmbiguous = api.ErrAmbiguous

const (
	// findSkew widens the search for the difference between Bandwidth's
	// clock and ours.
	findSkew = time.Minute
	// findLimit is how many records Find reads: two already show that
	// the pair has more than one candidate; a few more cover records the
	// direction or time check drops.
	findLimit = 10
	// listTime is the date format of List Messages' fromDateTime and
	// toDateTime (the definition's example: 2022-09-14T18:20:16.000Z).
	listTime = "2006-01-02T15:04:05.000Z"
)

// listItem is the part of the definition's listMessageItem Find reads.
// Bandwidth's records carry neither the text nor the tag, so a message is
// known only by its numbers and time.
type listItem struct {
	MessageID        string `json:"messageId"`
	SourceTn         string `json:"sourceTn"`
	DestinationTn    string `json:"destinationTn"`
	MessageDirection string `json:"messageDirection"`
	ReceiveTime      string `json:"receiveTime"`
}

// Find looks for m in Bandwidth's records of outbound messages from m.From
// to m.To received since since (List Messages, GET
// /users/{accountId}/messages, on the same messaging host as sending).
// None: not found. Exactly one: found, its id. More than one: ErrAmbiguous,
// since the records hold no text and no tag to pick the right one.
func (c *Carrier) Find(ctx context.Context, m carriers.Message, since time.Time) (string, bool, error) {
	from := since.Add(-findSkew)
	q := url.Values{}
	q.Set("sourceTn", m.From)
	q.Set("destinationTn", m.To)
	q.Set("messageDirection", "OUTBOUND")
	q.Set("fromDateTime", from.UTC().Format(listTime))
	q.Set("toDateTime", time.Now().Add(findSkew).UTC().Format(listTime))
	q.Set("limit", strconv.Itoa(findLimit))
	var answer json.RawMessage
	if err := c.call(ctx, http.MethodGet, c.messages+"?"+q.Encode(), nil, &answer, http.StatusOK); err != nil {
		return "", false, err
	}
	return pick(answer, m, from)
}

// pick reads List Messages' answer (the definition's messagesList) and
// picks m's record among its messages.
func pick(answer []byte, m carriers.Message, from time.Time) (string, bool, error) {
	var out struct {
		Messages []listItem `json:"messages"`
	}
	if err := json.Unmarshal(answer, &out); err != nil {
		return "", false, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "Bandwidth's message list is not the JSON its definition gives"}
	}
	recs := make([]api.Record, 0, len(out.Messages))
	for _, it := range out.Messages {
		recs = append(recs, api.Record{ID: it.MessageID, From: it.SourceTn, To: it.DestinationTn,
			Sent: it.MessageDirection == "" || it.MessageDirection == "OUTBOUND", At: it.ReceiveTime})
	}
	return api.Pick(recs, m.From, m.To, from)
}
