package jinglepeer

import (
	"errors"
	"testing"
)

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name, line string
		want       string // event name, "" for an error
		power      map[float64]float64
	}{
		{"ready", `{"event": "ready", "jid": "a@localhost/r"}`, "ready", nil},
		{"tone", `{"event":"tone","freq":1000.0,"power":0.99,"powers":{"1000":0.99,"440":0.01,"1000.5":0.5}}`, "tone",
			map[float64]float64{1000: 0.99, 440: 0.01, 1000.5: 0.5, 300: -1}},
		{"no event", `{"jid": "x"}`, "", nil},
		{"event not a string", `{"event": 3}`, "", nil},
		{"empty event", `{"event": ""}`, "", nil},
		{"not json", `Traceback (most recent call last):`, "", nil},
		{"array", `["event"]`, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ParseEvent([]byte(tc.line))
			if tc.want == "" {
				if !errors.Is(err, ErrBadEvent) {
					t.Fatalf("ParseEvent(%q) = %v, %v; want ErrBadEvent", tc.line, ev, err)
				}
				return
			}
			if err != nil || ev.Name != tc.want || ev.String() != tc.line {
				t.Fatalf("ParseEvent(%q) = %+v, %v; want %s", tc.line, ev, err, tc.want)
			}
			for f, want := range tc.power {
				if got := ev.Power(f); got != want {
					t.Errorf("Power(%g) = %g, want %g", f, got, want)
				}
			}
		})
	}
}

func TestEventFields(t *testing.T) {
	ev, err := ParseEvent([]byte(`{"event":"terminated","reason":"busy","frames":12}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Str("reason") != "busy" || ev.Str("frames") != "" || ev.Float("frames") != 12 || ev.Float("reason") != 0 {
		t.Errorf("fields of %s: reason %q frames %g", ev, ev.Str("reason"), ev.Float("frames"))
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"event": "ready", "jid": "a@localhost/r"}`))
	f.Add([]byte(`{"event":"tone","powers":{"440":1}}`))
	f.Add([]byte(`{"event":1}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		ev, err := ParseEvent(line)
		if err != nil {
			if !errors.Is(err, ErrBadEvent) {
				t.Fatalf("error %v does not wrap ErrBadEvent", err)
			}
			return
		}
		if ev.Name == "" || ev.Str("event") != ev.Name {
			t.Fatalf("accepted %q without an event name", line)
		}
		_ = ev.Power(440)
		_ = ev.Float("power")
	})
}
