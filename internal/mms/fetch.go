package mms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// Defaults of FetchSettings and of the [mms] section.
const (
	DefaultMaxBytes     = 5 << 20
	DefaultFetchTimeout = 30 * time.Second
	defaultRedirects    = 5
)

// Errors of a fetch besides ErrForbiddenAddress.
var (
	// ErrTooLarge: the file is bigger than the size cap.
	ErrTooLarge = errors.New("mms: file too large")
	// ErrURL: not an http or https URL, or a redirect the fetcher does
	// not follow (too many, or from https to http).
	ErrURL = errors.New("mms: URL not fetched")
	// ErrRefused: the carrier's adapter would not authorise the URL (not
	// on its own host).
	ErrRefused = errors.New("mms: carrier refused to authorise the URL")
)

// Permanent reports whether a fetch failed for a reason a retry will not
// mend: the file is too large or gone, the address is refused, the URL is
// bad. Timeouts, network errors and 5xx, 408 and 429 answers are passing.
func Permanent(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code >= 400 && se.Code < 500 && se.Code != http.StatusRequestTimeout && se.Code != http.StatusTooManyRequests
	}
	for _, p := range []error{ErrTooLarge, ErrForbiddenAddress, ErrURL, ErrRefused, ErrBadItem} {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}

// StatusError is a non-2xx answer.
type StatusError struct{ Code int }

func (e *StatusError) Error() string { return "mms: server answered " + strconv.Itoa(e.Code) }

// FetchSettings configure a Fetcher. Zero values take the defaults noted.
type FetchSettings struct {
	MaxBytes     int64         // size cap; default 5 MB
	Timeout      time.Duration // bound on a whole fetch, redirects and body included; default 30s
	MaxRedirects int           // default 5
	// Allow lists address ranges allowed even though the rules forbid
	// them ([mms] fetch_allow).
	Allow []netip.Prefix
	// Resolver looks names up; default net.DefaultResolver. Whatever it
	// answers, the address connected to is checked.
	Resolver *net.Resolver
}

// Fetcher is an HTTP client for URLs that users or webhooks supply: it
// connects only to addresses its AddrPolicy allows, checked on every
// connection (every redirect hop, whatever DNS answered) at connect time,
// so that a name that resolves to 127.0.0.1 or re-resolves between a
// check and the connection reaches nothing inside. It uses no proxy.
type Fetcher struct {
	set    FetchSettings
	policy AddrPolicy
	client *http.Client
}

// Download is a fetched file.
type Download struct {
	Type string // the response's content type, normalised; "" when absent or unreadable
	Data []byte
}

// Head is what a HEAD request said of a file.
type Head struct {
	Type   string // as Download.Type
	Length int64  // -1 when not given
}

// NewFetcher makes a Fetcher.
func NewFetcher(s FetchSettings) *Fetcher {
	if s.MaxBytes <= 0 {
		s.MaxBytes = DefaultMaxBytes
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultFetchTimeout
	}
	if s.MaxRedirects <= 0 {
		s.MaxRedirects = defaultRedirects
	}
	f := &Fetcher{set: s, policy: AddrPolicy{Allow: s.Allow}}
	dialer := &net.Dialer{
		Timeout:  10 * time.Second,
		Resolver: s.Resolver,
		Control:  f.control,
	}
	f.client = &http.Client{
		Transport: &http.Transport{
			Proxy: nil, // a proxy would connect where the dialer cannot check
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				if err := checkHost(host); err != nil {
					return nil, err
				}
				return dialer.DialContext(ctx, network, addr)
			},
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: s.Timeout,
			// Fetches are rare and to ever other hosts: no idle
			// connections (and no goroutines) outlive one.
			DisableKeepAlives: true,
		},
		CheckRedirect: f.checkRedirect,
	}
	return f
}

// control is the dialer's check: it sees the very address being
// connected to, after any resolution, before the connection is made, so
// nothing comes between check and use.
func (f *Fetcher) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrForbiddenAddress, address)
	}
	return f.policy.Check(ap.Addr())
}

// checkRedirect follows at most MaxRedirects redirects, to http and https
// URLs only, never from https down to http. Go's client drops
// Authorization (a carrier's credentials) on redirects to another host.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.set.MaxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrURL, f.set.MaxRedirects)
	}
	if err := checkScheme(req.URL); err != nil {
		return err
	}
	if via[len(via)-1].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect from https to %s", ErrURL, req.URL.Scheme)
	}
	return nil
}

func checkScheme(u *url.URL) error {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: not an http(s) URL", ErrURL)
	}
	if u.User != nil {
		return fmt.Errorf("%w: credentials in the URL", ErrURL)
	}
	return nil
}

// Get fetches rawURL whole, refusing more than MaxBytes. authorize, if not
// nil, may add credentials to the first request (redirects to other hosts
// do not carry them).
func (f *Fetcher) Get(ctx context.Context, rawURL string, authorize func(*http.Request) error) (Download, error) {
	ctx, cancel := context.WithTimeout(ctx, f.set.Timeout)
	defer cancel()
	resp, err := f.do(ctx, http.MethodGet, rawURL, authorize)
	if err != nil {
		return Download{}, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > f.set.MaxBytes {
		return Download{}, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, resp.ContentLength, f.set.MaxBytes)
	}
	// Counted as well: Content-Length may be absent or false.
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.set.MaxBytes+1))
	if err != nil {
		return Download{}, fmt.Errorf("mms: get %s: %w", redactURL(rawURL), err)
	}
	if int64(len(data)) > f.set.MaxBytes {
		return Download{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, f.set.MaxBytes)
	}
	return Download{Type: normalType(resp.Header.Get("Content-Type")), Data: data}, nil
}

// Head asks for rawURL's type and size without its body.
func (f *Fetcher) Head(ctx context.Context, rawURL string) (Head, error) {
	ctx, cancel := context.WithTimeout(ctx, f.set.Timeout)
	defer cancel()
	resp, err := f.do(ctx, http.MethodHead, rawURL, nil)
	if err != nil {
		return Head{}, err
	}
	resp.Body.Close()
	return Head{Type: normalType(resp.Header.Get("Content-Type")), Length: resp.ContentLength}, nil
}

// do sends the request and returns a 2xx response. Its errors name the
// URL redacted: carriers' media URLs carry account ids.
func (f *Fetcher) do(ctx context.Context, method, rawURL string, authorize func(*http.Request) error) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: unreadable", ErrURL)
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrURL, err)
	}
	req.Header.Set("User-Agent", "Switchboard")
	if authorize != nil {
		if err := authorize(req); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRefused, err)
		}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // names the URL, unredacted
		}
		return nil, fmt.Errorf("mms: %s %s: %w", method, redactURL(rawURL), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		return nil, fmt.Errorf("mms: %s %s: %w", method, redactURL(rawURL), &StatusError{Code: resp.StatusCode})
	}
	return resp, nil
}
