package telnyx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

const testNumberID = "1293384261075731499" // a phone number's id, as Telnyx gives it

// numberCall is one request as the numbers server saw it.
type numberCall struct {
	Method, Path, Auth string
	Query              url.Values
	Body               any
}

// numbersServer answers the number calls as Telnyx does (bodies with the
// SDK's field names), with the order status status, and keeps the
// requests.
type numbersServer struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []numberCall
	status string // the number order's
}

func newNumbersServer(t *testing.T, status string) *numbersServer {
	s := &numbersServer{status: status}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		call := numberCall{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Query: r.URL.Query()}
		if len(b) > 0 {
			if err := json.Unmarshal(b, &call.Body); err != nil {
				t.Errorf("numbers server: body %q: %v", b, err)
			}
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, call)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		var answer string
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v2/available_phone_numbers":
			answer = `{"data":[{"record_type":"available_phone_number","phone_number":"+14155550142","reservable":true,
				"features":[{"name":"sms"},{"name":"mms"},{"name":"voice"}],
				"region_information":[{"region_type":"rate_center","region_name":"SN FRANCISCO"},{"region_type":"state","region_name":"CA"},{"region_type":"country_code","region_name":"US"}]},
				{"record_type":"available_phone_number","phone_number":"not a number"}],
				"meta":{"total_results":2,"best_effort_results":0}}`
		case r.Method == http.MethodPost && r.URL.Path == "/v2/number_orders":
			answer = `{"data":{"id":"12ade33a-21c0-473b-b055-b3c836e1c292","record_type":"number_order","status":"` + s.status + `",
				"messaging_profile_id":"` + testProfile + `","phone_numbers_count":1,
				"phone_numbers":[{"id":"dc8e4d67-33a0-4cbb-af74-7b58f05bd494","record_type":"number_order_phone_number","phone_number":"+14155550142","status":"` + s.status + `"}]}}`
		case r.Method == http.MethodGet && r.URL.Path == "/v2/phone_numbers":
			answer = `{"data":[{"id":"` + testNumberID + `","record_type":"phone_number","phone_number":"+14155550142","status":"active"},
				{"id":"1293384261075731500","record_type":"phone_number","phone_number":"+141555501429","status":"active"}],
				"meta":{"page_number":1,"page_size":20,"total_pages":1,"total_results":2}}`
		case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v2/phone_numbers/"):
			answer = `{"data":{"id":"` + strings.TrimPrefix(r.URL.Path, "/v2/phone_numbers/") + `","record_type":"phone_number","phone_number":"+14155550142","status":"deleted"}}`
		default:
			w.WriteHeader(http.StatusNotFound)
			answer = `{"errors":[{"code":"10005","title":"Resource not found"}]}`
		}
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *numbersServer) requests() []numberCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]numberCall(nil), s.reqs...)
}

// TestNumbersMatchSDK makes each number call through Telnyx's official Node
// SDK and through the adapter at one server, and requires the same method,
// path, Authorization, query and JSON body; and that the order's fields
// are ones the SDK declares.
func TestNumbersMatchSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the npm telnyx package (skipped with -short)")
	}
	srv := newNumbersServer(t, "pending")
	c := newTestCarrier(t, srv.URL, nil)
	ctx := context.Background()
	tests := []struct {
		name   string
		method string // the SDK's
		args   []any
		ours   func(t *testing.T)
		calls  int // requests the adapter makes
	}{
		{
			name: "search", method: "availablePhoneNumbers.list",
			args: []any{map[string]any{"filter": map[string]any{"country_code": "US", "national_destination_code": "415", "administrative_area": "CA",
				"phone_number": map[string]any{"contains": "0142"}, "features": []string{"sms"}, "limit": 5, "phone_number_type": "local"}}},
			ours: func(t *testing.T) {
				got, err := c.SearchNumbers(ctx, carriers.NumberQuery{AreaCode: "415", Region: "ca", Contains: "0142", Limit: 5})
				want := []carriers.AvailableNumber{{Number: "+14155550142", Locality: "SN FRANCISCO", Region: "CA", Country: "US",
					Capabilities: carriers.Capabilities{SMS: true, MMS: true, Voice: true}}}
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("SearchNumbers = %+v, %v; want %+v", got, err, want)
				}
			},
			calls: 1,
		},
		{
			name: "search without filters", method: "availablePhoneNumbers.list",
			args: []any{map[string]any{"filter": map[string]any{"country_code": "US", "features": []string{"sms"}, "limit": 20, "phone_number_type": "local"}}},
			ours: func(t *testing.T) {
				if _, err := c.SearchNumbers(ctx, carriers.NumberQuery{}); err != nil {
					t.Errorf("SearchNumbers: %v", err)
				}
			},
			calls: 1,
		},
		{
			name: "buy", method: "numberOrders.create",
			args: []any{map[string]any{"phone_numbers": []any{map[string]any{"phone_number": "+14155550142"}}, "messaging_profile_id": testProfile}},
			ours: func(t *testing.T) {
				own, err := c.BuyNumber(ctx, "+14155550142")
				if err != nil || own != (carriers.OwnedNumber{Number: "+14155550142", ID: "+14155550142", Pending: true}) {
					t.Errorf("BuyNumber = %+v, %v", own, err)
				}
			},
			calls: 1,
		},
		{
			name: "release by id", method: "phoneNumbers.delete", args: []any{testNumberID},
			ours: func(t *testing.T) {
				if err := c.ReleaseNumber(ctx, testNumberID); err != nil {
					t.Errorf("ReleaseNumber: %v", err)
				}
			},
			calls: 1,
		},
		{
			name: "look a number up", method: "phoneNumbers.list",
			args: []any{map[string]any{"filter": map[string]any{"phone_number": "14155550142"}}},
			ours: func(t *testing.T) {
				// The lookup, then the delete (compared above).
				if err := c.ReleaseNumber(ctx, "+14155550142"); err != nil {
					t.Errorf("ReleaseNumber: %v", err)
				}
			},
			calls: 2,
		},
		{
			name: "find a number", method: "phoneNumbers.list",
			args: []any{map[string]any{"filter": map[string]any{"phone_number": "14155550142"}}},
			ours: func(t *testing.T) {
				// The whole number matches, not the longer one the filter
				// also finds.
				own, found, err := c.FindNumber(ctx, "+14155550142")
				if err != nil || !found || own != (carriers.OwnedNumber{Number: "+14155550142", ID: "+14155550142"}) {
					t.Errorf("FindNumber = %+v, %v, %v", own, found, err)
				}
			},
			calls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(srv.requests())
			if out := carriertest.TelnyxCall(t, srv.URL+"/v2", testKey, tt.method, tt.args...); strings.Contains(string(out), `"error"`) {
				t.Fatalf("the SDK failed: %s", out)
			}
			tt.ours(t)
			reqs := srv.requests()[n:]
			if len(reqs) != 1+tt.calls {
				t.Fatalf("recorded %d requests, want %d", len(reqs), 1+tt.calls)
			}
			sdk, ours := reqs[0], reqs[1]
			if !reflect.DeepEqual(sdk, ours) {
				t.Errorf("requests differ:\n SDK     %+v\n adapter %+v", sdk, ours)
			}
			if tt.calls == 2 {
				if d := reqs[2]; d.Method != http.MethodDelete || d.Path != "/v2/phone_numbers/"+testNumberID {
					t.Errorf("then %s %s; want the delete of the whole number's id", d.Method, d.Path)
				}
			}
		})
	}
	declared, _ := sdkParamsIn(t, "number-orders.d.ts", "NumberOrderCreateParams")
	for _, k := range []string{"phone_numbers", "messaging_profile_id"} {
		if !strings.Contains(strings.Join(declared, " "), k) {
			t.Errorf("the SDK's NumberOrderCreateParams does not declare %q (%v)", k, declared)
		}
	}
}

// TestBuyNumberStatus: Telnyx fills orders asynchronously; a failed order
// is ErrNumberGone, a finished one is not pending.
func TestBuyNumberStatus(t *testing.T) {
	tests := []struct {
		status  string
		pending bool
		kind    error
	}{
		{status: "success"},
		{status: "pending", pending: true},
		{status: "failure", kind: carriers.ErrNumberGone},
		{status: "mystery", kind: carriers.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			srv := newNumbersServer(t, tt.status)
			own, err := newTestCarrier(t, srv.URL, nil).BuyNumber(context.Background(), "+14155550142")
			if tt.kind != nil {
				if !errors.Is(err, tt.kind) {
					t.Fatalf("error %v; want %v", err, tt.kind)
				}
				return
			}
			if err != nil || own.Pending != tt.pending || own.ID != "+14155550142" {
				t.Fatalf("BuyNumber = %+v, %v", own, err)
			}
		})
	}
}

// TestReleaseNumberGone: a number the account no longer holds, or an id
// Telnyx no longer knows, counts as released; a malformed id is refused
// before any request.
func TestReleaseNumberGone(t *testing.T) {
	srv := newNumbersServer(t, "success")
	c := newTestCarrier(t, srv.URL, nil)
	ctx := context.Background()
	// Only +141555501429 and +14155550142 are held: a prefix is not a match.
	if err := c.ReleaseNumber(ctx, "+1415555014"); err != nil {
		t.Errorf("a number not held: %v", err)
	}
	if got := srv.requests(); len(got) != 1 || got[0].Method != http.MethodGet {
		t.Errorf("requests %+v; want the lookup alone", got)
	}
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"errors":[{"code":"10005","title":"Resource not found"}]}`)
	}))
	defer gone.Close()
	if err := newTestCarrier(t, gone.URL, nil).ReleaseNumber(ctx, testNumberID); err != nil {
		t.Errorf("an id Telnyx no longer knows: %v", err)
	}
	for _, id := range []string{"", "12/34", "abc", "../messages"} {
		if err := c.ReleaseNumber(ctx, id); !errors.Is(err, carriers.ErrRejected) {
			t.Errorf("ReleaseNumber(%q) = %v; want a rejection", id, err)
		}
	}
}

// TestNumbersErrors: Telnyx's error answers to each call in the gateway's
// terms.
func TestNumbersErrors(t *testing.T) {
	calls := map[string]func(c *Carrier) error{
		"search": func(c *Carrier) error {
			_, err := c.SearchNumbers(context.Background(), carriers.NumberQuery{AreaCode: "415"})
			return err
		},
		"buy": func(c *Carrier) error {
			_, err := c.BuyNumber(context.Background(), "+14155550142")
			return err
		},
		"release": func(c *Carrier) error { return c.ReleaseNumber(context.Background(), testNumberID) },
	}
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		kind       error
		code       string
		retryAfter time.Duration
	}{
		{name: "auth", status: 401, body: `{"errors":[{"code":"10009","title":"Authentication failed"}]}`, kind: carriers.ErrRejected, code: "10009"},
		{name: "invalid", status: 422, body: `{"errors":[{"code":"10015","title":"Bad Request"}]}`, kind: carriers.ErrRejected, code: "10015"},
		{name: "rate limited", status: 429, header: map[string]string{"Retry-After": "5"}, body: `{"errors":[{"code":"10011","title":"Too many requests"}]}`,
			kind: carriers.ErrUnavailable, code: "10011", retryAfter: 5 * time.Second},
		{name: "server error", status: 500, body: `{"errors":[{"code":"10007","title":"Unexpected error"}]}`, kind: carriers.ErrUnavailable, code: "10007"},
		{name: "timeout", status: -1, kind: carriers.ErrUnavailable},
	}
	for call, do := range calls {
		for _, tt := range tests {
			t.Run(call+"/"+tt.name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if tt.status < 0 {
						select {
						case <-r.Context().Done():
						case <-time.After(time.Second):
						}
						return
					}
					for k, v := range tt.header {
						w.Header().Set(k, v)
					}
					w.WriteHeader(tt.status)
					_, _ = io.WriteString(w, tt.body)
				}))
				defer srv.Close()
				c, err := New(Settings{APIKey: testKey, MessagingProfileID: testProfile, PublicKey: make([]byte, 32), APIURL: srv.URL, Timeout: 200 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				err = do(c)
				var e *carriers.Error
				if !errors.Is(err, tt.kind) || !errors.As(err, &e) || e.Code != tt.code || e.RetryAfter != tt.retryAfter {
					t.Fatalf("error %#v; want %v, code %q, retry after %v", err, tt.kind, tt.code, tt.retryAfter)
				}
				if errors.Is(err, carriers.ErrNumberGone) || strings.Contains(err.Error(), testKey) {
					t.Fatalf("error %v", err)
				}
			})
		}
	}
}

// sdkParamsIn reads the properties of one of the SDK's parameter
// interfaces in resources/file.
func sdkParamsIn(t *testing.T, file, name string) (declared, required []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(carriertest.Tools(t), "node_modules", "telnyx", "resources", file))
	if err != nil {
		t.Fatal(err)
	}
	return interfaceProps(t, string(b), name)
}
