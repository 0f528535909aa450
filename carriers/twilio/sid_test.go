package twilio

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSidOf(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"resource", `{"account_sid":"AC1","sid":"SM123","status":"queued"}`, "SM123", true},
		{"spaces", "{ \"sid\" :\n \"SM1\" }", "SM1", true},
		{"nested first", `{"subresource_uris":{"sid":"no"},"sid":"SM2"}`, "SM2", true},
		{"nested only", `{"x":{"sid":"no"}}`, "", false},
		{"value not key", `{"body":"sid","to":"+1"}`, "", false},
		{"escaped quote in body", `{"body":"a \"sid\": \"x\"","sid":"SM3"}`, "SM3", true},
		{"escaped sid", `{"sid":"SM\u0034"}`, "SM4", true},
		{"not a string", `{"sid":4}`, "", false},
		{"array", `[{"sid":"SM5"}]`, "", false},
		{"truncated", `{"sid":"SM`, "", false},
		{"empty", ``, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := sidOf([]byte(tt.in))
			if got != tt.want || ok != tt.ok {
				t.Errorf("sidOf(%s) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// FuzzSidOf holds sidOf to encoding/json on valid objects whose members
// are unique: both must read the same sid.
func FuzzSidOf(f *testing.F) {
	f.Add(`{"sid":"SM1","body":"hi"}`)
	f.Add(`{"a":{"sid":"x"},"sid":"y"}`)
	f.Add(`{"body":"\"sid\":\"z\""}`)
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := sidOf([]byte(in))
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &m) != nil {
			return
		}
		raw, has := m["sid"]
		var want string
		isString := has && json.Unmarshal(raw, &want) == nil
		if countTopKeys(in) != len(m) {
			return // a duplicate member: encoding/json keeps the last
		}
		if ok != isString || (ok && got != want) {
			t.Fatalf("sidOf(%s) = %q, %v; encoding/json reads %q, %v", in, got, ok, want, isString)
		}
	})
}

// countTopKeys counts the members of a valid JSON object.
func countTopKeys(in string) int {
	d := json.NewDecoder(strings.NewReader(in))
	n := 0
	if _, err := d.Token(); err != nil {
		return -1
	}
	for d.More() {
		if _, err := d.Token(); err != nil {
			return -1
		}
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return -1
		}
		n++
	}
	return n
}
