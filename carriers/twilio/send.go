package twilio

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/internal/api"
)

// maxAnswer bounds what is read of an answer to a send: a message resource
// is about 1 KB.
const maxAnswer = 64 << 10

// Send submits m to the Messages resource with a StatusCallback, so that
// delivery reports come back to /{Name}/status.
//
// The request is built here rather than with twilio-go's CreateMessage:
// the SDK builds a client per call and decodes the whole answer (some
// forty fields, through maps) when only its sid is wanted, which cost
// about a fifth of the gateway's time per message in `make bench`. The
// form is the one the SDK sends, and the conformance suite checks it
// against Twilio's own definition.
//
// m.Key is not sent: Twilio's Messages API takes no idempotency key, so a
// send whose answer was lost may have gone out; the gateway asks Find
// rather than send it again.
func (c *Carrier) Send(ctx context.Context, m carriers.Message) (string, error) {
	if len(m.Cc) > 0 {
		return "", &carriers.Error{Kind: carriers.ErrRejected, Message: c.d.Title + " cannot send group texts (MMS to several numbers)"}
	}
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	form := url.Values{"To": {m.To}, "From": {m.From}, "StatusCallback": {c.status}}
	if m.Body != "" {
		form["Body"] = []string{m.Body}
	}
	for _, md := range m.Media {
		form["MediaUrl"] = append(form["MediaUrl"], md.URL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.messages, strings.NewReader(form.Encode()))
	if err != nil {
		return "", &carriers.Error{Kind: carriers.ErrUnavailable, Message: "request to " + c.d.Title + " failed: " + api.Scrub(err)}
	}
	req.SetBasicAuth(c.set.AccountSID, c.set.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "switchboard")
	res, err := c.http.Do(req)
	if err != nil {
		return "", &carriers.Error{Kind: carriers.ErrUnavailable, Message: "request to " + c.d.Title + " failed: " + api.Scrub(err)}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return "", c.answerError(res, body)
	}
	sid, ok := sidOf(body)
	if err != nil || !ok || sid == "" {
		return "", &carriers.Error{Kind: carriers.ErrUnavailable, Message: c.d.Title + " answered without a message SID"}
	}
	return sid, nil
}

// answerError reads Twilio's error answer ({"code", "message", "status"})
// in the gateway's terms; an answer that is not one (a proxy's page) keeps
// its HTTP status.
func (c *Carrier) answerError(res *http.Response, body []byte) *carriers.Error {
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		e.Message = c.d.Title + " answered HTTP " + res.Status
	}
	// Users may see the text: it never carries the account's id.
	ae := apiError(res.StatusCode, e.Code, strings.ReplaceAll(e.Message, c.set.AccountSID, "(account)"))
	if res.StatusCode == http.StatusTooManyRequests {
		ae.RetryAfter = api.RetryAfter(res.Header.Get("Retry-After"), time.Now())
	}
	return ae
}
