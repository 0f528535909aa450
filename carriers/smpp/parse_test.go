package smpp

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/sms"
)

func TestParseUDH(t *testing.T) {
	tests := []struct {
		name    string
		ud      []byte
		want    concat
		found   bool
		payload string
		err     bool
	}{
		{"8-bit", []byte{5, 0, 3, 7, 3, 2, 'h', 'i'}, concat{7, 3, 2}, true, "hi", false},
		{"16-bit", []byte{6, 8, 4, 1, 2, 2, 1, 'x'}, concat{0x0102, 2, 1}, true, "x", false},
		{"other element first", []byte{8, 0x24, 1, 1, 0, 3, 9, 2, 2, 'y'}, concat{9, 2, 2}, true, "y", false},
		{"no concatenation", []byte{3, 0x24, 1, 1, 'z'}, concat{}, false, "z", false},
		{"sequence beyond total ignored", []byte{5, 0, 3, 7, 2, 3, 'q'}, concat{}, false, "q", false},
		{"zero total ignored", []byte{5, 0, 3, 7, 0, 0}, concat{}, false, "", false},
		{"empty", nil, concat{}, false, "", true},
		{"header past the data", []byte{9, 0, 3}, concat{}, false, "", true},
		{"element past the header", []byte{3, 0, 3, 7}, concat{}, false, "", true},
		{"dangling element id", []byte{1, 0}, concat{}, false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, found, payload, err := parseUDH(tt.ud)
			if (err != nil) != tt.err || c != tt.want || found != tt.found || string(payload) != tt.payload {
				t.Errorf("parseUDH(% x) = %+v %v %q %v; want %+v %v %q err %v", tt.ud, c, found, payload, err, tt.want, tt.found, tt.payload, tt.err)
			}
		})
	}
}

func TestParseReceipt(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want receipt
		err  bool
	}{
		{"spec", "id:0123456789 sub:001 dlvrd:001 submit date:0610191018 done date:0610191018 stat:DELIVRD err:000 text:Hello", receipt{"0123456789", "DELIVRD", "000"}, false},
		{"lower case", "id:abc sub:1 dlvrd:0 submit date:2611301200 done date:2611301201 stat:undeliv err:27", receipt{"abc", "UNDELIV", "27"}, false},
		{"upper field names", "ID:a1 STAT:EXPIRED ERR:001", receipt{"a1", "EXPIRED", "001"}, false},
		{"text mentions stat", "id:x stat:DELIVRD err:0 text:stat:UNDELIV id:y", receipt{"x", "DELIVRD", "0"}, false},
		{"no err", "id:x stat:ACCEPTD", receipt{"x", "ACCEPTD", ""}, false},
		{"msgid is not id", "msgid:z stat:DELIVRD", receipt{}, true},
		{"no stat", "id:x sub:001", receipt{}, true},
		{"a plain text", "hello there", receipt{}, true},
		{"only text", "text:id:1 stat:DELIVRD", receipt{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseReceipt(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("parseReceipt(%q) = %+v, %v; want %+v (error %v)", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestReasonOf(t *testing.T) {
	tests := []struct {
		stat, code string
		want       carriers.Reason
	}{
		{"UNDELIV", "001", carriers.ReasonInvalid},
		{"UNDELIV", "27", carriers.ReasonUnreachable},
		{"REJECTD", "013", carriers.ReasonBlocked},
		{"EXPIRED", "000", carriers.ReasonUnreachable},
		{"UNDELIV", "999", carriers.ReasonUnknown},
		{"DELETED", "", carriers.ReasonUnknown},
	}
	for _, tt := range tests {
		if got := reasonOf(tt.stat, tt.code); got != tt.want {
			t.Errorf("reasonOf(%s, %s) = %q; want %q", tt.stat, tt.code, got, tt.want)
		}
	}
}

// deliverBody builds a deliver_sm body by hand, as SMPP 3.4 lays it out.
func deliverBody(esm, coding byte, sm []byte, tlvs ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x00")                           // service_type
	b.WriteString("\x01\x0112015550123\x00")        // source
	b.WriteString("\x01\x0112015550100\x00")        // dest
	b.Write([]byte{esm, 0, 0})                      // esm_class, protocol_id, priority
	b.WriteString("\x00\x00")                       // schedule, validity
	b.Write([]byte{0, 0, coding, 0, byte(len(sm))}) // reg. delivery, replace, data_coding, default msg id, sm_length
	b.Write(sm)
	for _, t := range tlvs {
		b.Write(t)
	}
	return b.Bytes()
}

func TestParseDeliverSM(t *testing.T) {
	payload := []byte{0x04, 0x24, 0, 2, 'h', 'i'}
	d, err := parseDeliverSM(deliverBody(0, 0, nil, payload, []byte{0x00, 0x1E, 0, 3, 'a', 'b', 0}))
	if err != nil {
		t.Fatal(err)
	}
	if string(d.Message) != "hi" || cstring(d.TLVs[tagReceiptedMessageID]) != "ab" || d.Source.Addr != "12015550123" || d.Dest.TON != 1 {
		t.Errorf("got %+v", d)
	}
	for _, bad := range [][]byte{
		nil,
		deliverBody(0, 0, []byte("hi"))[:40],
		append(deliverBody(0, 0, nil), 0x04, 0x24, 0, 9, 'x'),
		append(deliverBody(0, 0, nil), 0x04),
	} {
		if _, err := parseDeliverSM(bad); err == nil {
			t.Errorf("parseDeliverSM(% x) took a malformed body", bad)
		}
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		coding byte
		in     []byte
		want   string
	}{
		{0, []byte{'h', 0x00, 0x1B, 0x65}, "h@€"},
		{8, sms.UTF16BE("ж👋"), "ж👋"},
		{3, []byte{'h', 0xE9}, "hé"},
		{1, []byte("ascii"), "ascii"},
		{8, []byte{0xD8, 0x3D}, "\uFFFD"},
	}
	for _, tt := range tests {
		if got := decodeText(tt.coding, tt.in); got != tt.want {
			t.Errorf("decodeText(%d, % x) = %q; want %q", tt.coding, tt.in, got, tt.want)
		}
	}
}

func TestSegments(t *testing.T) {
	for _, text := range []string{"hi", strings.Repeat("a", 161), strings.Repeat("👋", 100), strings.Repeat("x", 66) + "👋" + strings.Repeat("y", 70)} {
		coding, parts, err := segments(text, 42)
		if err != nil {
			t.Fatal(err)
		}
		var joined []byte
		for i, p := range parts {
			d := p
			if len(parts) > 1 {
				c, found, payload, err := parseUDH(p)
				if err != nil || !found || c != (concat{42, len(parts), i + 1}) {
					t.Fatalf("part %d header: %+v %v %v", i+1, c, found, err)
				}
				d = payload
			}
			if coding == codingUCS2 && len(p) > 140 {
				t.Errorf("part %d: %d octets", i+1, len(p))
			}
			joined = append(joined, d...)
		}
		if got := decodeText(coding, joined); got != text {
			t.Errorf("segments of %q join to %q", text, got)
		}
	}
	if _, _, err := segments(strings.Repeat("👋", 9000), 1); err == nil {
		t.Error("a text of more than 255 parts was taken")
	}
}

func TestReassemblerBounds(t *testing.T) {
	now := time.Now()
	r := newReassembler(time.Minute, 3)
	k := func(ref int) partKey { return partKey{From: "+1", To: "+2", Ref: uint16(ref), Total: 2} }
	for ref := range 5 {
		r.add(now.Add(time.Duration(ref)*time.Second), k(ref), concat{uint16(ref), 2, 1}, 0, []byte("a"))
	}
	if n := r.size(); n != 3 {
		t.Errorf("%d messages pending; want the bound, 3", n)
	}
	if _, _, ok := r.add(now.Add(5*time.Second), k(0), concat{0, 2, 2}, 0, []byte("b")); ok {
		t.Error("the oldest message, evicted, was completed")
	}
	if _, _, ok := r.add(now.Add(2*time.Minute), k(4), concat{4, 2, 2}, 0, []byte("b")); ok {
		t.Error("a message whose first part timed out was completed")
	}
	if n := r.size(); n != 1 {
		t.Errorf("%d messages pending after the timeout; want 1 (the new part)", n)
	}
}
