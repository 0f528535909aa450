package trunk

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-gw/switchboard/internal/siptest"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
)

// callee is where SIPp calls us: sip:+15550001111@<trunk listen address>.
const callee = "+15550001111"

// startCaller starts a SIPp UAC scenario calling tr.
func startCaller(t *testing.T, tr *running, opts siptest.Options) *siptest.Sipp {
	t.Helper()
	opts.Remote = tr.set.Listen
	if opts.Service == "" {
		opts.Service = callee
	}
	return siptest.Start(t, opts)
}

// TestIncomingCall: SIPp calls in with PCMA and telephone-event; the
// handler rings and answers pointing at a test socket, which receives
// SIPp's audio (PT 8) and DTMF (PT 101); SIPp's BYE ends the call.
func TestIncomingCall(t *testing.T) {
	media := rtpSocket(t)
	got := make(chan *Incoming, 1)
	answered := make(chan *Call, 1)
	h := handlerFunc(func(ctx context.Context, in *Incoming) {
		got <- in
		if err := in.Ringing(); err != nil {
			t.Errorf("Ringing: %v", err)
		}
		c, err := in.Answer(ctx, siptest.SDP(media.LocalAddr().(*net.UDPAddr), ""))
		if err != nil {
			t.Errorf("Answer: %v", err)
			return
		}
		answered <- c
	})
	tr := startTrunk(t, Settings{}, h)
	s := startCaller(t, tr, siptest.Options{Scenario: "uac_call.xml", Pcaps: true})

	var in *Incoming
	select {
	case in = <-got:
	case <-time.After(waitLong):
		t.Fatal("no incoming call")
	}
	if in.To != callee || in.From != "+15557654321" {
		t.Errorf("To, From = %q, %q; want %q, +15557654321", in.To, in.From, callee)
	}
	if m, err := siptest.ParseMedia(in.Offer); err != nil || !contains(m.Formats, "8") || !contains(m.Formats, "101") {
		t.Errorf("Offer %q: %+v, %v; want PCMA and telephone-event", in.Offer, m, err)
	}
	var call *Call
	select {
	case call = <-answered:
	case <-time.After(waitLong):
		t.Fatal("not answered")
	}
	if call.ID() != in.CallID || string(call.RemoteSDP()) != string(in.Offer) {
		t.Errorf("call %q / %q; want the INVITE's Call-ID and offer", call.ID(), call.RemoteSDP())
	}

	audio, dtmf := countRTP(t, media, call.Done())
	t.Logf("received %d PCMA and %d telephone-event packets", audio, dtmf)
	if audio < 10 || dtmf < 1 {
		t.Errorf("received %d PCMA and %d telephone-event packets; want audio and DTMF", audio, dtmf)
	}
	select {
	case <-call.Done():
	case <-time.After(waitLong):
		t.Fatal("Done not closed after the caller's BYE")
	}
	if !call.EndedByRemote() {
		t.Error("EndedByRemote = false after the caller's BYE")
	}
	if err := call.Hangup(ctxLong(t)); err != nil {
		t.Errorf("Hangup after BYE: %v", err)
	}
	s.MustPass(t)
}

// countRTP counts PT 8 and PT 101 packets until done closes (and the
// stragglers after it) or waitLong passes.
func countRTP(t *testing.T, conn *net.UDPConn, done <-chan struct{}) (audio, dtmf int) {
	t.Helper()
	buf := make([]byte, 1500)
	deadline := time.Now().Add(waitLong)
	for time.Now().Before(deadline) {
		_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			select {
			case <-done:
				return audio, dtmf
			default:
				continue
			}
		}
		var p rtp.Packet
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		switch p.PayloadType {
		case 8:
			audio++
		case 101:
			dtmf++
		}
	}
	return audio, dtmf
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestIncomingCancel: SIPp cancels while it rings; Cancelled closes and
// SIPp gets 200 for the CANCEL and 487 for the INVITE.
func TestIncomingCancel(t *testing.T) {
	cancelled := make(chan error, 1)
	h := handlerFunc(func(ctx context.Context, in *Incoming) {
		if err := in.Ringing(); err != nil {
			t.Errorf("Ringing: %v", err)
		}
		select {
		case <-in.Cancelled():
			if ctx.Err() == nil {
				t.Error("handler context not cancelled with the call")
			}
			_, err := in.Answer(ctx, []byte("v=0\r\n"))
			cancelled <- err
		case <-time.After(waitLong):
			t.Error("Cancelled not closed")
			cancelled <- nil
		}
	})
	tr := startTrunk(t, Settings{}, h)
	s := startCaller(t, tr, siptest.Options{Scenario: "uac_cancel.xml"})
	select {
	case err := <-cancelled:
		if err == nil {
			t.Error("Answer after CANCEL succeeded")
		}
	case <-time.After(waitLong):
		t.Fatal("handler never saw the CANCEL")
	}
	s.MustPass(t)
}

// TestIncomingReject: a handler that rejects with 486; SIPp expects it.
func TestIncomingReject(t *testing.T) {
	h := handlerFunc(func(ctx context.Context, in *Incoming) {
		if err := in.Reject(486, "Busy Here"); err != nil {
			t.Errorf("Reject: %v", err)
		}
		if err := in.Reject(603, "Decline"); err == nil {
			t.Error("second Reject succeeded")
		}
	})
	tr := startTrunk(t, Settings{}, h)
	s := startCaller(t, tr, siptest.Options{Scenario: "uac_reject.xml", Replace: map[string]string{"CODE": "486"}})
	s.MustPass(t)
}

// TestIncomingUnanswered: a handler that returns without answering gets
// the call rejected with 480.
func TestIncomingUnanswered(t *testing.T) {
	tr := startTrunk(t, Settings{}, handlerFunc(func(context.Context, *Incoming) {}))
	s := startCaller(t, tr, siptest.Options{Scenario: "uac_reject.xml", Replace: map[string]string{"CODE": "480"}})
	s.MustPass(t)
}

// TestReinvite: we put SIPp on hold with our re-INVITE and get its answer;
// then SIPp's re-INVITE (a=sendonly) reaches OnReinvite and our answer
// (a=recvonly) goes back in the 200.
func TestReinvite(t *testing.T) {
	media := rtpSocket(t)
	maddr := media.LocalAddr().(*net.UDPAddr)
	offers := make(chan []byte, 1)
	done := make(chan struct{})
	h := handlerFunc(func(ctx context.Context, in *Incoming) {
		defer close(done)
		c, err := in.Answer(ctx, siptest.SDP(maddr, ""))
		if err != nil {
			t.Errorf("Answer: %v", err)
			return
		}
		c.OnReinvite(func(offer []byte) ([]byte, error) {
			offers <- offer
			return siptest.SDP(maddr, "recvonly"), nil
		})
		answer, err := c.Reinvite(ctx, siptest.SDP(maddr, "sendonly"))
		if err != nil {
			t.Errorf("Reinvite: %v", err)
			return
		}
		if m, err := siptest.ParseMedia(answer); err != nil || m.Direction != "recvonly" {
			t.Errorf("re-INVITE answer %q: %+v, %v; want recvonly", answer, m, err)
		}
		select {
		case offer := <-offers:
			if !strings.Contains(string(offer), "a=sendonly") {
				t.Errorf("remote re-INVITE offer %q; want a=sendonly", offer)
			}
		case <-time.After(waitLong):
			t.Error("OnReinvite not called")
		}
		select {
		case <-c.Done():
		case <-time.After(waitLong):
			t.Error("call not ended by the caller's BYE")
		}
	})
	tr := startTrunk(t, Settings{}, h)
	s := startCaller(t, tr, siptest.Options{Scenario: "uac_reinvite.xml"})
	s.MustPass(t)
	<-done
}

// TestOtherRequests: OPTIONS gets 200, SUBSCRIBE 405, BYE and re-INVITE
// for unknown dialogs 481.
func TestOtherRequests(t *testing.T) {
	tr := startTrunk(t, Settings{}, nil)
	s := startCaller(t, tr, siptest.Options{Scenario: "uac_misc.xml"})
	s.MustPass(t)
}

// TestLogsRedactNumbers: SIP logs shorten phone numbers unless the
// operator set [log] full_numbers, like the rest of the gateway.
func TestLogsRedactNumbers(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(map[bool]string{false: "redacted", true: "full_numbers"}[full], func(t *testing.T) {
			var buf syncbuf.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			tr := startTrunk(t, Settings{Logger: log, FullNumbers: full}, handlerFunc(func(context.Context, *Incoming) {}))
			s := startCaller(t, tr, siptest.Options{Scenario: "uac_reject.xml", Replace: map[string]string{"CODE": "480"}})
			s.MustPass(t)
			out := buf.String()
			if !strings.Contains(out, "incoming call") {
				t.Fatalf("no incoming call logged:\n%s", out)
			}
			whole := strings.Contains(out, callee) || strings.Contains(out, "+15557654321")
			short := strings.Contains(out, "+1555…11") && strings.Contains(out, "+1555…21")
			if whole != full || short == full {
				t.Errorf("full_numbers=%v: whole numbers logged %v, shortened %v:\n%s", full, whole, short, out)
			}
		})
	}
}
