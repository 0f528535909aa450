package commands

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/wav"
)

func toneAt(hz float64, rate int, seconds float64) []int16 {
	return wav.Tone(hz, rate, time.Duration(seconds*float64(time.Second)), 8000)
}

// files serves the test's uploads on loopback.
func files(t *testing.T) *httptest.Server {
	t.Helper()
	stereo := wav.Encode(toneAt(500, 44100, 1), 22050) // 1 s of 22.05 kHz stereo
	stereo[22], stereo[32] = 2, 4
	stereo[28], stereo[29], stereo[30], stereo[31] = 0x88, 0x58, 0x01, 0x00 // 88200 bytes/s
	odd := wav.Encode(toneAt(500, 12345, 1), 12345)
	byPath := map[string][]byte{
		"/good.wav":   wav.Encode(toneAt(440, 16000, 2), 16000),
		"/stereo.wav": stereo,
		"/long.wav":   wav.Encode(make([]int16, 8000*31), 8000),
		"/short.wav":  wav.Encode(make([]int16, 8000/4), 8000),
		"/song.mp3":   []byte("ID3\x04\x00\x00\x00\x00\x00\x00 not a wav"),
		"/odd.wav":    odd,
		"/huge.wav":   wav.Encode(make([]int16, MaxGreetingBytes/2), 8000),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// withFetch gives the commands a greeting fetcher; allowLoopback lets it
// reach the test's server, as [mms] fetch_allow would.
func withFetch(allowLoopback bool) func(*Options) {
	return func(o *Options) {
		s := mms.FetchSettings{MaxBytes: MaxGreetingBytes, Timeout: GreetingFetchTimeout}
		if allowLoopback {
			s.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		}
		o.Fetch = mms.NewFetcher(s)
	}
}

// TestSettingsGreeting: a WAV at an address becomes the user's greeting
// (at 8 kHz) once the settings are saved; "default" goes back to the
// gateway's; files that will not do are refused on the field, saying why.
func TestSettingsGreeting(t *testing.T) {
	web := files(t)
	srv, st := setup(t, 0, withFetch(true))
	ctx := context.Background()
	// settle runs the command with greeting set to v, and returns the
	// refusal, if any.
	settle := func(t *testing.T, v string) (string, *adhoc.Err) {
		t.Helper()
		out, sid, e := run(t, srv, alice+"/r", NodeSettings, "", "", nil)
		if e != nil {
			t.Fatal(e)
		}
		if _, _, e := run(t, srv, alice+"/r", NodeSettings, sid, "next", map[string]string{"greeting": v}); e != nil {
			return out, e
		}
		if _, _, e := run(t, srv, alice+"/r", NodeSettings, sid, "complete", nil); e != nil {
			t.Fatal(e)
		}
		return out, nil
	}

	form, e := settle(t, web.URL+"/good.wav")
	if e != nil {
		t.Fatal(e)
	}
	if !strings.Contains(form, `var="greeting"`) || !strings.Contains(form, "now the gateway&#39;s") {
		t.Errorf("first form lacks the greeting field: %s", form)
	}
	want, _ := wav.To8k(toneAt(440, 16000, 2), 16000)
	if got, err := st.Greeting(ctx, alice); err != nil || !slices.Equal(got, want) {
		t.Fatalf("greeting of %d samples, %v; want %d", len(got), err, len(want))
	}
	// Kept when left empty; the form says it is the user's.
	if form, e = settle(t, ""); e != nil {
		t.Fatal(e)
	}
	if !strings.Contains(form, "now your own, 2.0 s") {
		t.Errorf("form does not say the user has a greeting: %s", form)
	}
	if _, err := st.Greeting(ctx, alice); err != nil {
		t.Fatalf("greeting lost when left empty: %v", err)
	}
	if _, e = settle(t, web.URL+"/stereo.wav"); e != nil {
		t.Fatal(e)
	}
	if got, _ := st.Greeting(ctx, alice); len(got) != 8000 {
		t.Errorf("stereo 22.05 kHz second gave %d samples", len(got))
	}
	if _, e = settle(t, "default"); e != nil {
		t.Fatal(e)
	}
	if _, err := st.Greeting(ctx, alice); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("greeting after default: %v", err)
	}

	for _, tt := range []struct{ path, says string }{
		{"/song.mp3", "not a WAV file"},
		{"/long.wav", "longer than 30 s"},
		{"/short.wav", "shorter than 0.5 s"},
		{"/odd.wav", "12345 Hz"},
		{"/missing.wav", "could not fetch: 404"},
		{"/huge.wav", "larger than 3 MB"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			if _, e := settle(t, web.URL+tt.path); e == nil || e.Field != "greeting" || !strings.Contains(e.Text, tt.says) {
				t.Errorf("got %v, want a refusal of the greeting saying %q", e, tt.says)
			}
			if _, err := st.Greeting(ctx, alice); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a refused file became the greeting: %v", err)
			}
		})
	}
	t.Run("not http", func(t *testing.T) {
		if _, e := settle(t, "file:///etc/passwd"); e == nil || e.Field != "greeting" || !strings.Contains(e.Text, "not an http or https address") {
			t.Errorf("got %v", e)
		}
	})
}

// TestSettingsGreetingSSRF: without the operator's allowance, an address
// on loopback is refused before anything is fetched.
func TestSettingsGreetingSSRF(t *testing.T) {
	var hit atomic.Bool
	web := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit.Store(true) }))
	defer web.Close()
	srv, st := setup(t, 0, withFetch(false))
	_, sid, e := run(t, srv, alice+"/r", NodeSettings, "", "", nil)
	if e != nil {
		t.Fatal(e)
	}
	_, _, e = run(t, srv, alice+"/r", NodeSettings, sid, "next", map[string]string{"greeting": web.URL + "/good.wav"})
	if e == nil || e.Field != "greeting" || !strings.Contains(e.Text, "the address is not allowed") {
		t.Fatalf("got %v, want the address refused", e)
	}
	if hit.Load() {
		t.Error("the loopback server was reached")
	}
	if _, err := st.Greeting(context.Background(), alice); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("greeting: %v", err)
	}
}
