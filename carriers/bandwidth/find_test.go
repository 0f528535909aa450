package bandwidth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// specListItem is the definition's listMessageItem filled with the
// examples of its own properties (enums with their first value), the
// record fixtures below are built on.
func specListItem(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(carriertest.BandwidthSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	type schema struct {
		Ref        string            `json:"$ref"`
		Example    any               `json:"example"`
		Enum       []any             `json:"enum"`
		Properties map[string]schema `json:"properties"`
	}
	var spec struct {
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	item := map[string]any{}
	for name, p := range spec.Components.Schemas["listMessageItem"].Properties {
		if p.Ref != "" {
			p = spec.Components.Schemas[p.Ref[strings.LastIndex(p.Ref, "/")+1:]]
		}
		switch {
		case p.Example != nil:
			item[name] = p.Example
		case len(p.Enum) > 0:
			item[name] = p.Enum[0]
		}
	}
	for _, k := range []string{"messageId", "sourceTn", "destinationTn", "messageDirection", "receiveTime"} {
		if item[k] == nil {
			t.Fatalf("the definition's listMessageItem has no example %s: %v", k, item)
		}
	}
	return item
}

// queryRecorder keeps the query of the last request it forwards.
type queryRecorder struct {
	next  http.RoundTripper
	query url.Values
	path  string
}

func (r *queryRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.path, r.query = req.URL.EscapedPath(), req.URL.Query()
	return r.next.RoundTrip(req)
}

// testFind: Prism checks every Find request against listMessages (path,
// Basic auth, query parameters and their types) and answers with the
// definition's example, an inbound record, which Find must not take for a
// sent message. Records the example cannot give (sent, of the pair, at a
// chosen time) come from a server that first has Prism validate the same
// request, so every case's request is the definition's.
func testFind(t *testing.T, prism *carriertest.Prism) {
	example := specListItem(t)
	from, to := example["sourceTn"].(string), example["destinationTn"].(string)
	m := carriers.Message{From: from, To: to, Body: "hello", Key: "job-1"}
	since := time.Now().Add(-10 * time.Minute)

	t.Run("definition's example", func(t *testing.T) {
		rec := &queryRecorder{next: &http.Transport{DisableKeepAlives: true}}
		set := testSettings(prism.URL)
		set.Transport = rec
		c := newTest(t, set)
		id, found, err := c.Find(context.Background(), m, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || found {
			t.Fatalf("Find = %q, %v, %v; want an inbound record not taken for a sent message", id, found, err)
		}
		if rec.path != "/api/v2/users/"+testAccount+"/messages" {
			t.Errorf("path %s", rec.path)
		}
		want := url.Values{
			"sourceTn": {from}, "destinationTn": {to}, "messageDirection": {"OUTBOUND"},
			"fromDateTime": {"2019-12-31T23:59:00.000Z"}, "limit": {"10"},
		}
		for k, v := range want {
			if got := rec.query[k]; len(got) != 1 || got[0] != v[0] {
				t.Errorf("query %s = %q, want %q", k, got, v)
			}
		}
		if _, err := time.Parse(time.RFC3339, rec.query.Get("toDateTime")); err != nil {
			t.Errorf("toDateTime %q: %v", rec.query.Get("toDateTime"), err)
		}
	})

	record := func(id, dir string, at time.Time) map[string]any {
		r := maps.Clone(example)
		r["messageId"], r["messageDirection"], r["receiveTime"] = id, dir, at.UTC().Format(listTime)
		r["messageStatus"] = "SENT"
		return r
	}
	other := func(r map[string]any, k, v string) map[string]any { r[k] = v; return r }
	tests := []struct {
		name    string
		records []map[string]any
		id      string
		err     error
	}{
		{"none", nil, "", nil},
		{"one sent since", []map[string]any{record("m-1", "OUTBOUND", since.Add(time.Second))}, "m-1", nil},
		{"one sent within the clock skew", []map[string]any{record("m-1", "OUTBOUND", since.Add(-30*time.Second))}, "m-1", nil},
		{"sent before", []map[string]any{record("m-0", "OUTBOUND", since.Add(-time.Hour))}, "", nil},
		{"received, not sent", []map[string]any{record("m-1", "INBOUND", since.Add(time.Second))}, "", nil},
		{"another recipient", []map[string]any{other(record("m-1", "OUTBOUND", since.Add(time.Second)), "destinationTn", "+12015550199")}, "", nil},
		{"another sender", []map[string]any{other(record("m-1", "OUTBOUND", since.Add(time.Second)), "sourceTn", "+12015550199")}, "", nil},
		{"one among others", []map[string]any{
			record("m-0", "OUTBOUND", since.Add(-time.Hour)),
			record("m-1", "OUTBOUND", since.Add(time.Second)),
			record("m-2", "INBOUND", since.Add(2*time.Second)),
		}, "m-1", nil},
		{"two sent since", []map[string]any{
			record("m-1", "OUTBOUND", since.Add(time.Second)),
			record("m-2", "OUTBOUND", since.Add(2*time.Second)),
		}, "", ErrAmbiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if status := askPrism(t, prism, r); status != http.StatusOK {
					http.Error(w, fmt.Sprintf(`{"type":"prism-%d","description":"the definition refuses the request"}`, status), http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"totalCount": len(tt.records), "messages": tt.records})
			}))
			defer srv.Close()
			c := newTest(t, testSettings(srv.URL))
			id, found, err := c.Find(context.Background(), m, since)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("Find error %v, want %v", err, tt.err)
			}
			if id != tt.id || found != (tt.id != "") {
				t.Errorf("Find = %q, %v; want %q", id, found, tt.id)
			}
		})
	}
}

// askPrism sends r's method, path, query and credentials to Prism and
// returns its status: 200 when the request is listMessages as defined.
func askPrism(t *testing.T, prism *carriertest.Prism, r *http.Request) int {
	req, err := http.NewRequest(r.Method, prism.URL+r.URL.RequestURI(), nil)
	if err != nil {
		t.Error(err)
		return 0
	}
	req.Header = r.Header.Clone()
	res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// TestFindNotTheList: an answer that is not the list is an error the
// outbox asks again after, never a "not found" that would send the message
// twice. (Error statuses are the conformance suite's.)
func TestFindNotTheList(t *testing.T) {
	for _, answer := range []string{`not json`, `{"messages":"not a list"}`} {
		id, found, err := pick([]byte(answer), carriers.Message{From: "+12015550100", To: "+12015550123"}, time.Now())
		if !errors.Is(err, carriers.ErrUnavailable) || found || id != "" {
			t.Errorf("pick(%s) = %q, %v, %v; want unavailable", answer, id, found, err)
		}
	}
}

// FuzzFindAnswer: whatever List Messages answers, Find's reading of it
// takes a record only with an id and without an error.
func FuzzFindAnswer(f *testing.F) {
	f.Add([]byte(`{"totalCount":1,"messages":[{"messageId":"m-1","sourceTn":"+12015550100","destinationTn":"+12015550123","messageDirection":"OUTBOUND","receiveTime":"2026-11-30T23:00:00.000Z"}]}`))
	f.Add([]byte(`{"messages":[{"messageId":"m-1","sourceTn":"+12015550100","destinationTn":"+12015550123"},{"messageId":"m-2","sourceTn":"+12015550100","destinationTn":"+12015550123"}]}`))
	f.Add([]byte(`{"messages":null}`))
	f.Add([]byte(`[]`))
	m := carriers.Message{From: "+12015550100", To: "+12015550123"}
	from := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, answer []byte) {
		id, found, err := pick(answer, m, from)
		if found && (id == "" || err != nil) || err != nil && (found || id != "") {
			t.Errorf("pick = %q, %v, %v", id, found, err)
		}
	})
}
