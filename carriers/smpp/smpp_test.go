package smpp

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/carriertest"
	icarriertest "github.com/switchboard-gw/switchboard/internal/carriertest"
	"github.com/switchboard-gw/switchboard/internal/sms"
	"github.com/switchboard-gw/switchboard/internal/syncbuf"
)

const (
	gw = "+12015550100"
	ph = "+12015550123"
)

func TestBindRefused(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	logs := &syncbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const wrong = "wr0ngPw!"
	s := testSettings(smsc.Addr, log)
	s.Password, s.BindWait = wrong, 300*time.Millisecond
	c, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	err = c.Probe(ctx)
	var ce *carriers.Error
	if !errors.Is(err, carriers.ErrRejected) || !errors.As(err, &ce) || !strings.Contains(err.Error(), "Invalid Password") || ce.Code != "0x0000000E" {
		t.Fatalf("Probe with a wrong password: %v; want a rejection naming the invalid password (0x0000000E)", err)
	}

	carriertest.Start(t, c, &icarriertest.Receiver{})
	deadline := time.Now().Add(5 * time.Second)
	for len(smsc.Binds()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_, err = c.Send(ctx, carriers.Message{From: gw, To: ph, Body: "hi"})
	if !errors.Is(err, carriers.ErrUnavailable) || !strings.Contains(err.Error(), "Invalid Password") {
		t.Errorf("Send while the bind is refused: %v; want unavailable, naming the refusal", err)
	}
	if n := len(smsc.Submits()); n != 0 {
		t.Errorf("%d submit_sm reached the SMSC", n)
	}
	if strings.Contains(logs.String(), wrong) || strings.Contains(logs.String(), testPassword) {
		t.Errorf("a password appears in the logs:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "Invalid Password") {
		t.Errorf("the logs do not say why the bind failed:\n%s", logs.String())
	}
}

func TestProbeBindsAndUnbinds(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	c, err := New(testSettings(smsc.Addr, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Probe(context.Background()); err != nil {
		t.Fatalf("Probe without Run: %v", err)
	}
	if b := smsc.Binds(); len(b) != 1 || !b[0].OK {
		t.Errorf("binds %+v; want one", b)
	}
}

// TestSendParts checks what reaches the SMSC for each kind of text: the
// encoding, parts of at most 140 octets on the air, the concatenation
// header, no surrogate pair cut, and the parts joining up to the text.
func TestSendParts(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	c := newRunning(t, smsc, &icarriertest.Receiver{}, nil)

	// An emoji (a surrogate pair) straddling the 67th UTF-16 unit of a
	// part, in every position around it.
	var emojiEdges []string
	for pad := 64; pad <= 68; pad++ {
		emojiEdges = append(emojiEdges, strings.Repeat("✓", pad)+"👋🏽"+strings.Repeat("ü✓", 40)+"🎉")
	}
	tests := []struct {
		name   string
		body   string
		coding int
		parts  int
	}{
		{"text", "hello from the gateway", 0, 1},
		{"unicode", "héllo ✓ 👋🏽", 8, 1},
		{"gsm full single", strings.Repeat("a", 160), 0, 1},
		{"long gsm", strings.Repeat("The quick brown fox. ", 20), 0, 3},
		{"long gsm escape at edge", strings.Repeat("a", 152) + "€" + strings.Repeat("b", 200), 0, 3},
		{"long ucs2", strings.Repeat("ж", 200), 8, 3},
	}
	for i, b := range emojiEdges {
		tests = append(tests, struct {
			name   string
			body   string
			coding int
			parts  int
		}{"emoji at edge " + string(rune('a'+i)), b, 8, sms.Count(b).Segments})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(smsc.Submits())
			id, err := c.Send(context.Background(), carriers.Message{From: gw, To: ph, Body: tt.body})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := smsc.WaitSubmits(t, before+tt.parts)[before:]
			if len(got) != tt.parts {
				t.Fatalf("%d submit_sm; want %d", len(got), tt.parts)
			}
			var joined strings.Builder
			for i, s := range got {
				if s.DataCoding != tt.coding {
					t.Errorf("part %d: data_coding %d; want %d", i+1, s.DataCoding, tt.coding)
				}
				if s.Source != addr(gw) || s.SourceTON != 1 || s.SourceNPI != 1 || s.Dest != addr(ph) || s.DestTON != 1 || s.DestNPI != 1 {
					t.Errorf("part %d: addresses %+v", i+1, s)
				}
				if air := airOctets(s); air > 140 {
					t.Errorf("part %d: %d octets on the air; the limit is 140", i+1, air)
				}
				if strings.ContainsRune(s.Text, utf8.RuneError) {
					t.Errorf("part %d: %q holds a cut character", i+1, s.Text)
				}
				last := i == len(got)-1
				if (s.RegisteredDelivery == 1) != last {
					t.Errorf("part %d: registered_delivery %d; want a receipt for the last part only", i+1, s.RegisteredDelivery)
				}
				if tt.parts > 1 {
					if s.EsmClass&esmUDHI == 0 || s.Concat == nil || s.Concat.IEI != 0 || s.Concat.Total != tt.parts || s.Concat.Seq != i+1 || s.Concat.Ref != got[0].Concat.Ref {
						t.Errorf("part %d: esm_class %#x concat %+v", i+1, s.EsmClass, s.Concat)
					}
				} else if s.UDH != "" || s.EsmClass&esmUDHI != 0 {
					t.Errorf("a single SMS with a header: %+v", s)
				}
				joined.WriteString(s.Text)
			}
			if joined.String() != tt.body {
				t.Errorf("the parts join to %q; want %q", joined.String(), tt.body)
			}
			if id != got[len(got)-1].MessageID {
				t.Errorf("Send returned %q; want the last part's id %q", id, got[len(got)-1].MessageID)
			}
		})
	}
}

// airOctets is what a submit_sm's short message takes on the air: UCS-2
// and the header as they are, GSM-7 septets packed seven to eight octets
// (the header padded to a septet boundary, as TS 23.040 does it).
func airOctets(s icarriertest.Submit) int {
	if s.DataCoding == 8 {
		return s.SMLength
	}
	udh := len(s.UDH) / 2
	septets := s.SMLength - udh + (udh*8+6)/7
	return (septets*7 + 7) / 8
}

// TestLongTextResumed: when the SMSC refuses a later part of a long text
// for a passing reason, the retry of the same message sends only the parts
// it did not take, under the same reference, so the phone joins them and
// shows no part twice.
func TestLongTextResumed(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	c := newRunning(t, smsc, &icarriertest.Receiver{}, nil)
	body := strings.Repeat("The quick brown fox. ", 20) // 3 parts
	m := carriers.Message{From: gw, To: ph, Body: body, Key: "job-1"}

	smsc.FailAfter(t, 1, statusThrottled)
	if _, err := c.Send(context.Background(), m); !errors.Is(err, carriers.ErrUnavailable) {
		t.Fatalf("Send with the second part refused: %v; want unavailable", err)
	}
	smsc.OK(t)
	id, err := c.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	got := smsc.WaitSubmits(t, 3)
	if len(got) != 3 {
		t.Fatalf("%d parts taken; want 3, each once", len(got))
	}
	var joined strings.Builder
	for i, s := range got {
		if s.Concat == nil || s.Concat.Seq != i+1 || s.Concat.Total != 3 || s.Concat.Ref != got[0].Concat.Ref {
			t.Errorf("part %d: concat %+v; want %d of 3 under reference %d", i+1, s.Concat, i+1, got[0].Concat.Ref)
		}
		joined.WriteString(s.Text)
	}
	if joined.String() != body || id != got[2].MessageID {
		t.Errorf("parts join to %q, id %q", joined.String(), id)
	}

	// Another message is not taken for the rest of this one.
	before := len(smsc.Submits())
	if _, err := c.Send(context.Background(), carriers.Message{From: gw, To: ph, Body: body, Key: "job-2"}); err != nil {
		t.Fatal(err)
	}
	if n := len(smsc.WaitSubmits(t, before+3)) - before; n != 3 {
		t.Errorf("a new message sent %d parts; want 3", n)
	}
}

func TestSubmitErrors(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	c := newRunning(t, smsc, &icarriertest.Receiver{}, nil)
	tests := []struct {
		name   string
		status int
		want   error
		reason carriers.Reason
	}{
		{"throttled", statusThrottled, carriers.ErrUnavailable, carriers.ReasonRateLimited},
		{"queue full", statusMsgQFul, carriers.ErrUnavailable, carriers.ReasonUnknown},
		{"system error", statusSysErr, carriers.ErrUnavailable, carriers.ReasonUnknown},
		{"invalid destination", statusInvDstAdr, carriers.ErrRejected, carriers.ReasonInvalid},
		{"invalid length", statusInvMsgLen, carriers.ErrRejected, carriers.ReasonTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			smsc.Fail(t, tt.status)
			defer smsc.OK(t)
			_, err := c.Send(context.Background(), carriers.Message{From: gw, To: ph, Body: "x"})
			var ce *carriers.Error
			if !errors.Is(err, tt.want) || !errors.As(err, &ce) || ce.Reason != tt.reason {
				t.Fatalf("Send: %v; want %v with reason %q", err, tt.want, tt.reason)
			}
		})
	}
}

func TestReconnect(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	c := newRunning(t, smsc, &icarriertest.Receiver{}, nil, func(s *Settings) { s.BindWait = 500 * time.Millisecond })
	send := func() error {
		_, err := c.Send(context.Background(), carriers.Message{From: gw, To: ph, Body: "again"})
		return err
	}
	if err := send(); err != nil {
		t.Fatalf("first send: %v", err)
	}
	smsc.Drop(t)
	smsc.WaitBinds(t, 2)
	if err := send(); err != nil {
		t.Fatalf("send after the SMSC dropped the connection: %v", err)
	}

	smsc.Down(t)
	start := time.Now()
	err := send()
	if !errors.Is(err, carriers.ErrUnavailable) {
		t.Fatalf("send while the SMSC is down: %v; want unavailable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("send while down took %v", d)
	}
	smsc.Up(t)
	smsc.WaitBinds(t, 3)
	if err := send(); err != nil {
		t.Fatalf("send after the SMSC came back: %v", err)
	}
}

func TestReceiptTLVs(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	recv := &icarriertest.Receiver{}
	newRunning(t, smsc, recv, nil)
	smsc.WaitBinds(t, 1)
	tests := []struct {
		name  string
		f     map[string]any
		state carriers.State
		id    string
	}{
		{"message_state only", map[string]any{"esm_class": esmReceipt, "data_coding": 0, "receipted_message_id": "abc123", "message_state": 2}, carriers.StateDelivered, "abc123"},
		{"tlv id beats text id", map[string]any{"esm_class": esmReceipt, "data_coding": 0, "receipted_message_id": "0A1B2C",
			"short_message": "id:660012 sub:001 dlvrd:000 submit date:2611301200 done date:2611301201 stat:UNDELIV err:027 text:"}, carriers.StateFailed, "0A1B2C"},
		{"lower case text", map[string]any{"esm_class": esmReceipt, "data_coding": 0, "short_message": "id:xyz sub:001 dlvrd:001 submit date:2611301200 done date:2611301201 stat:delivrd err:0"}, carriers.StateDelivered, "xyz"},
		{"intermediate", map[string]any{"esm_class": esmIntermed, "data_coding": 0, "receipted_message_id": "m9", "message_state": 1}, carriers.StateSent, "m9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(recv.Statuses())
			f := moFields(ph, gw)
			for k, v := range tt.f {
				f[k] = v
			}
			allOK(t, smsc.Deliver(t, f, nil))
			got := recv.Statuses()[before:]
			if len(got) != 1 || got[0].State != tt.state || got[0].ID != tt.id {
				t.Errorf("got %+v; want %s for %s", got, tt.state, tt.id)
			}
		})
	}
}

// TestMOConcatenated sends concatenated MO texts part by part, out of
// order and with duplicates, numbered by UDH (8- and 16-bit references)
// or sar_ TLVs, cut inside a surrogate pair as some phones do.
func TestMOConcatenated(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	recv := &icarriertest.Receiver{}
	newRunning(t, smsc, recv, nil)
	smsc.WaitBinds(t, 1)

	body := strings.Repeat("ü", 66) + "👋" + strings.Repeat("z", 60) + "🎉end"
	raw := sms.UTF16BE(body)
	cuts := [][]byte{raw[:134], raw[134:200], raw[200:]}
	if !bytes.Equal(raw[132:136], []byte{0xD8, 0x3D, 0xDC, 0x4B}) {
		t.Fatalf("the first cut does not split 👋: % x", raw[130:138])
	}
	header := func(kind string, ref, total, seq int) (map[string]any, []byte) {
		f := moFields(ph, gw)
		f["data_coding"] = 8
		switch kind {
		case "udh8":
			f["esm_class"] = esmUDHI
			return f, []byte{5, 0, 3, byte(ref), byte(total), byte(seq)}
		case "udh16":
			f["esm_class"] = esmUDHI
			return f, []byte{6, 8, 4, byte(ref >> 8), byte(ref), byte(total), byte(seq)}
		default:
			f["sar_msg_ref_num"], f["sar_total_segments"], f["sar_segment_seqnum"] = ref, total, seq
			return f, nil
		}
	}
	for _, kind := range []string{"udh8", "udh16", "sar"} {
		t.Run(kind, func(t *testing.T) {
			before := len(recv.Messages())
			for _, seq := range []int{3, 1, 3, 2, 1} {
				f, udh := header(kind, 300, 3, seq)
				allOK(t, smsc.Deliver(t, f, append(udh, cuts[seq-1]...)))
			}
			got := recv.Messages()[before:]
			if len(got) != 1 || got[0].Body != body || got[0].From != ph || got[0].To != gw {
				t.Fatalf("got %+v; want one message %q", got, body)
			}
		})
	}
	t.Run("incomplete", func(t *testing.T) {
		before := len(recv.Messages())
		f, udh := header("udh8", 7, 2, 1)
		allOK(t, smsc.Deliver(t, f, append(udh, cuts[0]...)))
		if got := recv.Messages()[before:]; len(got) != 0 {
			t.Errorf("half a message was passed on: %+v", got)
		}
	})
}

func TestMORetriedWhenNotTaken(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	recv := &icarriertest.Receiver{Err: errors.New("store down")}
	newRunning(t, smsc, recv, nil)
	smsc.WaitBinds(t, 1)
	f := moFields(ph, gw)
	f["short_message"] = "hi"
	if st := smsc.Deliver(t, f, nil); len(st) != 1 || st[0] != statusXTAppn {
		t.Errorf("deliver_sm_resp %v; want ESME_RX_T_APPN so that the SMSC retries", st)
	}
}

// TestEnquireLink: a session whose SMSC stops answering enquire_link is
// given up and bound again.
func TestEnquireLink(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	c := newRunning(t, smsc, &icarriertest.Receiver{}, nil, func(s *Settings) { s.EnquireLink, s.Timeout = 300*time.Millisecond, 300*time.Millisecond })
	smsc.WaitBinds(t, 1)
	smsc.Mute(t)
	smsc.WaitBinds(t, 2)
	if _, err := c.Send(context.Background(), carriers.Message{From: gw, To: ph, Body: "alive"}); err != nil {
		t.Fatalf("send on the new session: %v", err)
	}
}

// TestDeliverBeforeBind: a deliver_sm the SMSC sends before answering the
// bind belongs to no session; it is refused (ESME_RINVBNDSTS), never
// handed on.
func TestDeliverBeforeBind(t *testing.T) {
	smsc := icarriertest.StartSMSC(t, testSystemID, testPassword)
	f := moFields(ph, gw)
	f["short_message"] = "too early"
	smsc.Early(t, f)
	recv := &icarriertest.Receiver{}
	newRunning(t, smsc, recv, nil)
	a := smsc.WaitEarly(t)
	if a.Command != "generic_nack" || a.Status != statusInvBindSts {
		t.Errorf("answer %+v; want generic_nack with ESME_RINVBNDSTS (4)", a)
	}
	if m := recv.Messages(); len(m) != 0 {
		t.Errorf("the early deliver_sm reached the gateway: %+v", m)
	}
}
