package telnyx

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
)

var _ carriers.Finder = (*Carrier)(nil)

var (
	// ErrAmbiguous: several messages of the pair since the send could be
	// the one asked about, and Telnyx's detail records hold nothing that
	// tells them apart; the send stays in doubt.
	ErrAmbiguous = api.ErrAmbiguous
	// ErrGroupFind: a group MMS is recorded per recipient, under ids that
	// are not the one Send returned; it cannot be looked up.
	ErrGroupFind = errors.New("telnyx: an interrupted group message cannot be looked up")
)

const (
	// findSkew widens the search for the difference between Telnyx's
	// clock and ours.
	findSkew = time.Minute
	// findPage is how many records Find reads: two already show that the
	// pair has more than one candidate; a few more cover records the
	// direction or time check drops.
	findPage = 10
)

// detailRecord is the part of the SDK's MessageDetailRecord Find reads.
// The records carry no text (and Telnyx takes no key or tag on a send),
// so a message is known only by its numbers and time.
type detailRecord struct {
	RecordType string `json:"record_type"`
	UUID       string `json:"uuid"` // the message id
	CLI        string `json:"cli"`  // from
	CLD        string `json:"cld"`  // to
	Direction  string `json:"direction"`
	CreatedAt  string `json:"created_at"`
}

// Find looks for m among Telnyx's message detail records (GET
// /v2/detail_records, filter[record_type]=messaging) sent from m.From to
// m.To since since, newest first. None: not found. Exactly one: found, its
// uuid, the message id. More than one: ErrAmbiguous, since the records
// hold no text to pick the right one. A group MMS is ErrGroupFind.
func (c *Carrier) Find(ctx context.Context, m carriers.Message, since time.Time) (string, bool, error) {
	if len(m.Cc) > 0 {
		return "", false, ErrGroupFind
	}
	from := since.Add(-findSkew).UTC().Truncate(time.Second)
	q := url.Values{}
	q.Set("filter[record_type]", "messaging")
	q.Set("filter[cli]", m.From)
	q.Set("filter[cld]", m.To)
	q.Set("filter[direction]", "outbound")
	q.Set("filter[created_at][gte]", from.Format(time.RFC3339))
	q.Set("sort", "-created_at")
	q.Set("page[size]", strconv.Itoa(findPage))
	var answer json.RawMessage
	if err := c.callQuery(ctx, http.MethodGet, "/v2/detail_records", q, nil, &answer); err != nil {
		return "", false, err
	}
	return pick(answer, m, from)
}

// pick reads the detail records search's answer (data, as the SDK's
// DefaultFlatPagination) and picks m's record among them.
func pick(answer []byte, m carriers.Message, from time.Time) (string, bool, error) {
	var out struct {
		Data []detailRecord `json:"data"`
	}
	if err := json.Unmarshal(answer, &out); err != nil {
		return "", false, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "Telnyx's detail records are not the JSON its SDK reads"}
	}
	recs := make([]api.Record, 0, len(out.Data))
	for _, r := range out.Data {
		recs = append(recs, api.Record{ID: r.UUID, From: r.CLI, To: r.CLD,
			Sent: (r.RecordType == "" || r.RecordType == "message_detail_record") && (r.Direction == "" || r.Direction == "outbound"),
			At:   r.CreatedAt})
	}
	return api.Pick(recs, m.From, m.To, from)
}
