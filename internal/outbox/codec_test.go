package outbox

import (
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/store"
)

func TestCodecRoundTrip(t *testing.T) {
	full := Job{
		Key: "k1",
		Message: carriers.Message{Carrier: "twilio", ID: "x", From: "+12015550100", To: "+12015550123", Cc: []string{"+12015550124"},
			Body: "hé 👋 <&>", Media: []carriers.Media{{URL: "https://u/a.jpg", Type: "image/jpeg"}, {URL: "https://u/b"}}, Name: "Pat", Key: "k1"},
		Origin:   Origin{JID: "a@example.org/r", StanzaID: "s1", Receipt: true},
		Accepted: time.Unix(1700000000, 123456789),
		Attempt:  3, Paced: true,
		After: &store.AfterSend{Carrier: "twilio", TTL: 72 * time.Hour,
			Sent:   store.Sent{JID: "a@example.org/r", StanzaID: "s1", Number: "+12015550123", From: "+12015550100", Receipt: true},
			Recent: &store.Recent{Conv: "a@example.org|+12015550123", Entry: []byte(`{"i":"s1"}`), Keep: 50, TTL: time.Hour}},
	}
	for name, j := range map[string]Job{
		"full":        full,
		"minimal":     {Key: "k", Accepted: time.Unix(0, 1)},
		"no recent":   {Key: "k", Accepted: time.Unix(5, 0), After: &store.AfterSend{Carrier: "c"}},
		"empty media": {Key: "k", Accepted: time.Unix(5, 0), Message: carriers.Message{Body: ""}},
	} {
		t.Run(name, func(t *testing.T) {
			var got Job
			if err := got.decode(j.encode(nil)); err != nil {
				t.Fatal(err)
			}
			if !got.Accepted.Equal(j.Accepted) {
				t.Errorf("accepted %v, want %v", got.Accepted, j.Accepted)
			}
			got.Accepted = j.Accepted
			if !reflect.DeepEqual(got, j) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, j)
			}
		})
	}
}

func TestCodecRefuses(t *testing.T) {
	good := (&Job{Key: "k", Accepted: time.Unix(1, 0)}).encode(nil)
	for name, b := range map[string][]byte{
		"empty":       nil,
		"version":     append([]byte{9}, good[1:]...),
		"truncated":   good[:len(good)-1],
		"trailing":    append(append([]byte{}, good...), 0),
		"long string": {codecVersion, 0xff, 0x01},
		"JSON of old": []byte(`{"k":"x"}`),
		"bad boolean": append(append([]byte{}, good[:len(good)-1]...), 7),
	} {
		var j Job
		if err := j.decode(b); err == nil {
			t.Errorf("%s: decoded %+v", name, j)
		}
	}
}

func FuzzCodec(f *testing.F) {
	f.Add((&Job{Key: "k", Message: carriers.Message{Body: "hi", Cc: []string{"a"}}, Accepted: time.Unix(1, 0)}).encode(nil))
	f.Add([]byte{codecVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		var j Job
		if j.decode(b) != nil {
			return
		}
		// What decodes, encodes back to the same job.
		var k Job
		if err := k.decode(j.encode(nil)); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(j, k) {
			t.Fatalf("re-encode changed the job:\n%+v\n%+v", j, k)
		}
	})
}

func BenchmarkCodec(b *testing.B) {
	j := Job{Key: "k1", Message: carriers.Message{Carrier: "twilio", From: "+12015550100", To: "+12015550123", Body: "Benchmark message: the quick brown fox jumps over the lazy dog, twice."},
		Origin: Origin{JID: "bench@localhost/bench", StanzaID: "r1-1"}, Accepted: time.Now(),
		After: &store.AfterSend{Carrier: "twilio", Sent: store.Sent{JID: "bench@localhost/bench"}, Recent: &store.Recent{Conv: "c", Entry: make([]byte, 200)}}}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = j.encode(buf[:0])
		var k Job
		if err := k.decode(buf); err != nil {
			b.Fatal(err)
		}
	}
}
