package telnyx

import (
	"context"
	"encoding/json"
	"errors"
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

// listed is one detail-records request as the list server saw it.
type listed struct {
	Method, Path, Auth string
	Query              url.Values
}

// listServer answers every request with records, as Telnyx's detail
// records search does (the SDK's DefaultFlatPagination: data and meta),
// and keeps the requests.
type listServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []listed
}

func newListServer(t *testing.T, records []map[string]any) *listServer {
	s := &listServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, listed{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.URL.Query()})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"data": records, "meta": map[string]any{"page_number": 1, "page_size": findPage, "total_pages": 1, "total_results": len(records)},
		})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *listServer) requests() []listed {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]listed(nil), s.reqs...)
}

// mdr is a message detail record with the SDK's MessageDetailRecord fields.
func mdr(id, from, to, dir string, at time.Time) map[string]any {
	return map[string]any{
		"record_type": "message_detail_record", "uuid": id, "cli": from, "cld": to, "direction": dir,
		"created_at": at.UTC().Format(time.RFC3339), "message_type": "SMS", "status": "delivered", "parts": 1,
	}
}

// TestFindMatchesSDK lists the same detail records through Telnyx's
// official Node SDK (client.detailRecords.list) and through Find, at one
// server, and requires the same method, path, Authorization and query; and
// that the SDK declares the record fields Find reads.
func TestFindMatchesSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the npm telnyx package (skipped with -short)")
	}
	const from, to = "+13125550001", "+13125550002"
	since := time.Date(2026, 11, 30, 23, 0, 30, 0, time.UTC)
	srv := newListServer(t, []map[string]any{mdr("40385f64-5717-4562-b3fc-2c963f66afa6", from, to, "outbound", since.Add(time.Second))})
	c := newTestCarrier(t, srv.URL, nil)

	sdkRecords := carriertest.TelnyxDetailRecords(t, srv.URL+"/v2", testKey, map[string]any{
		"filter": map[string]any{
			"record_type": "messaging", "cli": from, "cld": to, "direction": "outbound",
			"created_at": map[string]any{"gte": "2026-11-30T22:59:30Z"},
		},
		"sort":       []string{"-created_at"},
		"page[size]": findPage,
	})
	id, found, err := c.Find(context.Background(), carriers.Message{From: from, To: to, Body: "hello"}, since)
	if err != nil || !found || id != "40385f64-5717-4562-b3fc-2c963f66afa6" {
		t.Fatalf("Find = %q, %v, %v", id, found, err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 {
		t.Fatalf("recorded %d requests, want 2", len(reqs))
	}
	if sdk, ours := reqs[0], reqs[1]; !reflect.DeepEqual(sdk, ours) {
		t.Errorf("requests differ:\n SDK     %+v\n adapter %+v", sdk, ours)
	}
	var got []map[string]any
	if err := json.Unmarshal(sdkRecords, &got); err != nil || len(got) != 1 || got[0]["uuid"] != id {
		t.Errorf("the SDK read %s (%v)", sdkRecords, err)
	}

	b, err := os.ReadFile(filepath.Join(carriertest.Tools(t), "node_modules", "telnyx", "resources", "detail-records.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	start := strings.Index(src, "interface MessageDetailRecord {")
	if start < 0 {
		t.Fatal("the SDK declares no MessageDetailRecord")
	}
	block := src[start : start+strings.Index(src[start:], "\n    }")]
	for _, f := range reflect.VisibleFields(reflect.TypeFor[detailRecord]()) {
		name := f.Tag.Get("json")
		if !strings.Contains(block, "\n        "+name+"?:") && !strings.Contains(block, "\n        "+name+":") {
			t.Errorf("Find reads %q, which the SDK's MessageDetailRecord does not declare", name)
		}
	}
	if !strings.Contains(block, "direction?: 'inbound' | 'outbound';") {
		t.Error("the SDK's MessageDetailRecord direction is no longer 'inbound' | 'outbound'")
	}
}

// TestFind: a record is taken for the message only when it is the one
// outbound record of the pair since the send; anything else is not found,
// ambiguous, or an error, never a guess.
func TestFind(t *testing.T) {
	const from, to = "+13125550001", "+13125550002"
	since := time.Now().Add(-10 * time.Minute)
	m := carriers.Message{From: from, To: to, Body: "hello"}
	tests := []struct {
		name    string
		msg     carriers.Message
		records []map[string]any
		id      string
		err     error
	}{
		{"none", m, nil, "", nil},
		{"one sent since", m, []map[string]any{mdr("m-1", from, to, "outbound", since.Add(time.Second))}, "m-1", nil},
		{"one within the clock skew", m, []map[string]any{mdr("m-1", from, to, "outbound", since.Add(-30*time.Second))}, "m-1", nil},
		{"sent before", m, []map[string]any{mdr("m-0", from, to, "outbound", since.Add(-time.Hour))}, "", nil},
		{"received, not sent", m, []map[string]any{mdr("m-1", from, to, "inbound", since.Add(time.Second))}, "", nil},
		{"another recipient", m, []map[string]any{mdr("m-1", from, "+13125550009", "outbound", since.Add(time.Second))}, "", nil},
		{"another sender", m, []map[string]any{mdr("m-1", "+13125550009", to, "outbound", since.Add(time.Second))}, "", nil},
		{"one among others", m, []map[string]any{
			mdr("m-2", from, to, "inbound", since.Add(2*time.Second)),
			mdr("m-1", from, to, "outbound", since.Add(time.Second)),
			mdr("m-0", from, to, "outbound", since.Add(-time.Hour)),
		}, "m-1", nil},
		{"two sent since", m, []map[string]any{
			mdr("m-2", from, to, "outbound", since.Add(2*time.Second)),
			mdr("m-1", from, to, "outbound", since.Add(time.Second)),
		}, "", ErrAmbiguous},
		{"group", carriers.Message{From: from, To: to, Cc: []string{"+13125550003"}}, []map[string]any{mdr("m-1", from, to, "outbound", since.Add(time.Second))}, "", ErrGroupFind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newListServer(t, tt.records)
			c := newTestCarrier(t, srv.URL, nil)
			id, found, err := c.Find(context.Background(), tt.msg, since)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("Find error %v, want %v", err, tt.err)
			}
			if id != tt.id || found != (tt.id != "") {
				t.Errorf("Find = %q, %v; want %q", id, found, tt.id)
			}
			if tt.err == ErrGroupFind && len(srv.requests()) != 0 {
				t.Error("Find asked Telnyx about a group message")
			}
		})
	}
}

// TestFindNotTheList: an answer that is not the list is an error the
// outbox asks again after, never a "not found" that would send the message
// twice. (Error statuses are the conformance suite's.)
func TestFindNotTheList(t *testing.T) {
	for _, answer := range []string{`not json`, `{"data":"not a list"}`} {
		id, found, err := pick([]byte(answer), carriers.Message{From: "+12015550100", To: "+12015550123"}, time.Now())
		if !errors.Is(err, carriers.ErrUnavailable) || found || id != "" {
			t.Errorf("pick(%s) = %q, %v, %v; want unavailable", answer, id, found, err)
		}
	}
}

// FuzzFindAnswer: whatever the detail records search answers, Find's
// reading of it takes a record only with an id and without an error.
func FuzzFindAnswer(f *testing.F) {
	f.Add([]byte(`{"data":[{"record_type":"message_detail_record","uuid":"m-1","cli":"+13125550001","cld":"+13125550002","direction":"outbound","created_at":"2026-11-30T23:00:00Z"}],"meta":{"page_number":1,"total_pages":1}}`))
	f.Add([]byte(`{"data":[{"uuid":"m-1","cli":"+13125550001","cld":"+13125550002"},{"uuid":"m-2","cli":"+13125550001","cld":"+13125550002"}]}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`[]`))
	m := carriers.Message{From: "+13125550001", To: "+13125550002"}
	from := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, answer []byte) {
		id, found, err := pick(answer, m, from)
		if found && (id == "" || err != nil) || err != nil && (found || id != "") {
			t.Errorf("pick = %q, %v, %v", id, found, err)
		}
	})
}
