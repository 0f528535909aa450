package api

import (
	"errors"
	"testing"
	"time"
)

func TestPick(t *testing.T) {
	const a, b = "+12015550100", "+12015550123"
	since := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return since.Add(d).Format(time.RFC3339) }
	tests := []struct {
		name string
		recs []Record
		id   string
		err  error
	}{
		{"none", nil, "", nil},
		{"one", []Record{{ID: "1", From: a, To: b, Sent: true, At: at(time.Second)}}, "1", nil},
		{"at since", []Record{{ID: "1", From: a, To: b, Sent: true, At: at(0)}}, "1", nil},
		{"before since", []Record{{ID: "1", From: a, To: b, Sent: true, At: at(-time.Second)}}, "", nil},
		{"time not given", []Record{{ID: "1", From: a, To: b, Sent: true}}, "1", nil},
		{"time not RFC 3339", []Record{{ID: "1", From: a, To: b, Sent: true, At: "yesterday"}}, "1", nil},
		{"not sent", []Record{{ID: "1", From: a, To: b, At: at(time.Second)}}, "", nil},
		{"no id", []Record{{From: a, To: b, Sent: true, At: at(time.Second)}}, "", nil},
		{"reversed pair", []Record{{ID: "1", From: b, To: a, Sent: true, At: at(time.Second)}}, "", nil},
		{"two", []Record{{ID: "1", From: a, To: b, Sent: true}, {ID: "2", From: a, To: b, Sent: true}}, "", ErrAmbiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, found, err := Pick(tt.recs, a, b, since)
			if id != tt.id || found != (tt.id != "") || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Errorf("Pick = %q, %v, %v; want %q, %v", id, found, err, tt.id, tt.err)
			}
		})
	}
}
