package bridge_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

// TestOneInfoLinePerCall: a call from the phone side logs one line at
// info level however it ends, so that a flood of INVITEs is not
// multiplied in the logs (it was three per INVITE: the trunk's two and
// the bridge's).
func TestOneInfoLinePerCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		bind []store.Binding
		to   string
		run  func(t *testing.T, e *env, in *bridgetest.Incoming)
	}{
		{name: "nobody owns the number", to: "+12015550199", run: func(t *testing.T, e *env, in *bridgetest.Incoming) {
			if r := in.WaitFinal(t); r.Code != 404 {
				t.Errorf("final %+v, want 404", r)
			}
		}},
		{name: "missed", to: bobNumber, run: func(t *testing.T, e *env, in *bridgetest.Incoming) {
			e.x.WaitJMI(t, "propose", bobBare)
			in.Cancel()
			e.x.WaitMessage(t, "missed call notice", func(m bridgetest.Message) bool { return strings.Contains(m.Raw, "Missed call") })
		}},
		{name: "forwarded", to: bobNumber, bind: []store.Binding{{Number: bobNumber, JID: bobBare, Forward: "+15559876543"}}, run: func(t *testing.T, e *env, in *bridgetest.Incoming) {
			e.d.Next(t).Reject(486, "Busy Here")
			e.st.WaitCDR(t)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf syncbuf.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
			e := newEnv(t, func(s *bridge.Settings) { s.Logger = log }, tc.bind...)
			in := bridgetest.NewIncoming(phoneNumber, tc.to, bridgetest.PhoneSDP("sendrecv"))
			done := e.ring(in)
			tc.run(t, e, in)
			<-done
			e.shutdown()
			if n := bytes.Count([]byte(buf.String()), []byte("\n")); n != 1 {
				t.Errorf("%d info lines for one call, want 1:\n%s", n, buf.String())
			}
		})
	}
}
