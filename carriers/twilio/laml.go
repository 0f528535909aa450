package twilio

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	tclient "github.com/twilio/twilio-go/client"
)

// lamlClient is twilio-go's BaseClient for a dialect with a path prefix
// (SignalWire). twilio-go's own client.Client refuses account ids that are
// not alphanumeric (error 21222, raised before any request), and SignalWire
// project ids are UUIDs; its URLs are also fixed to /2010-04-01/. This
// client sends each request to the configured API under the dialect's
// prefix, with HTTP Basic auth (account id and token), and turns error
// answers into the SDK's TwilioRestError as client.Client does, so that
// classify reads both alike.
type lamlClient struct {
	account, token string
	api            *url.URL // scheme://host[:port]
	prefix         string   // "/api/laml"
	http           *http.Client
}

var _ tclient.BaseClient = (*lamlClient)(nil)

func (l *lamlClient) AccountSid() string { return l.account }

// SetTimeout does nothing: the context of each call bounds it.
func (l *lamlClient) SetTimeout(time.Duration) {}

// SetOauth does nothing: the LaML API takes Basic auth only.
func (l *lamlClient) SetOauth(tclient.OAuth) {}

func (l *lamlClient) OAuth() tclient.OAuth { return nil }

// SendRequest sends what the SDK built for rawURL
// (https://api.twilio.com/2010-04-01/...) to {api}{prefix}/2010-04-01/....
// The 2010-04-01 API is form-encoded with flat keys (a list repeats its
// key, as MediaUrl does), so url.Values encodes it as the SDK's own
// client does.
func (l *lamlClient) SendRequest(method, rawURL string, data url.Values, headers map[string]any, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("twilio: bad request url: %w", err)
	}
	u.Scheme, u.Host, u.User = l.api.Scheme, l.api.Host, nil
	u.Path = l.prefix + u.Path
	u.RawPath = ""
	var rd *strings.Reader
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		rd = strings.NewReader(data.Encode())
	default:
		if len(data) > 0 {
			u.RawQuery = data.Encode()
		}
		rd = strings.NewReader("")
	}
	req, err := http.NewRequest(method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("twilio: build request: %w", err)
	}
	req.SetBasicAuth(l.account, l.token)
	req.Header.Set("User-Agent", "switchboard")
	for k, v := range headers {
		req.Header.Add(k, fmt.Sprint(v))
	}
	res, err := l.http.Do(req)
	if err != nil {
		return nil, err
	}
	// As client.Client: 3xx passes (fetches may redirect).
	if res.StatusCode >= 200 && res.StatusCode < 400 {
		return res, nil
	}
	defer res.Body.Close()
	rest := &tclient.TwilioRestError{}
	if json.NewDecoder(http.MaxBytesReader(nil, res.Body, maxForm)).Decode(rest) != nil {
		// Not the error JSON Twilio documents (SignalWire may give its
		// code as a string, a proxy HTML): the status alone decides.
		rest = &tclient.TwilioRestError{Message: http.StatusText(res.StatusCode)}
	}
	rest.Status = res.StatusCode
	return nil, rest
}
