package benchcalls

import (
	"errors"
	"testing"
)

func TestPayload(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    stamp
	}{
		{"zero", stamp{}},
		{"typical", stamp{call: 17, index: 1000, sent: 20_000_000_000}},
		{"extremes", stamp{call: ^uint32(0), index: ^uint32(0), sent: -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := make([]byte, payloadSize)
			putPayload(p, tt.s)
			got, err := parsePayload(p)
			if err != nil || got != tt.s {
				t.Fatalf("parsePayload = %+v, %v; want %+v", got, err, tt.s)
			}
			if p[payloadSize-1] != 0xFF {
				t.Errorf("payload tail %#x, want PCMU silence 0xFF", p[payloadSize-1])
			}
		})
	}
	for _, tt := range []struct {
		name string
		p    []byte
	}{
		{"empty", nil},
		{"short", []byte("SBbc0000")},
		{"other magic", make([]byte, payloadSize)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parsePayload(tt.p); !errors.Is(err, errNotOurs) {
				t.Fatalf("parsePayload(%q) error %v, want errNotOurs", tt.p, err)
			}
		})
	}
}

func FuzzParsePayload(f *testing.F) {
	p := make([]byte, payloadSize)
	putPayload(p, stamp{call: 3, index: 9, sent: 123456789})
	f.Add(p)
	f.Add([]byte("SBbc"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parsePayload(b)
		if err != nil {
			return
		}
		// Whatever parses must survive a round trip.
		q := make([]byte, payloadSize)
		putPayload(q, s)
		if s2, err := parsePayload(q); err != nil || s2 != s {
			t.Fatalf("round trip of %+v gave %+v, %v", s, s2, err)
		}
	})
}
