package smpp

import (
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzUDH(f *testing.F) {
	f.Add([]byte{5, 0, 3, 7, 3, 2, 'h', 'i'})
	f.Add([]byte{6, 8, 4, 1, 2, 2, 1})
	f.Add([]byte{3, 0, 3, 7})
	f.Fuzz(func(t *testing.T, ud []byte) {
		c, found, payload, err := parseUDH(ud)
		if err != nil {
			return
		}
		if len(payload) > len(ud)-1 {
			t.Fatalf("payload of %d octets from %d", len(payload), len(ud))
		}
		if found && (c.Total < 1 || c.Seq < 1 || c.Seq > c.Total) {
			t.Fatalf("concatenation %+v out of range", c)
		}
	})
}

func FuzzReceipt(f *testing.F) {
	f.Add("id:0123456789 sub:001 dlvrd:001 submit date:0610191018 done date:0610191018 stat:DELIVRD err:000 text:Hello")
	f.Add("ID:a STAT:undeliv ERR:27")
	f.Add("text:id:1 stat:DELIVRD")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseReceipt(s)
		if err != nil {
			return
		}
		if r.ID == "" || r.Stat == "" {
			t.Fatalf("%+v taken without an id or stat", r)
		}
		if utf8.ValidString(s) && (!utf8.ValidString(r.ID) || !utf8.ValidString(r.Err)) {
			t.Fatalf("%+v: fields cut inside a character", r)
		}
	})
}

func FuzzDeliverSM(f *testing.F) {
	f.Add(deliverBody(0, 0, []byte("hi")))
	f.Add(deliverBody(esmUDHI, 8, []byte{5, 0, 3, 1, 2, 1, 0, 'a'}, []byte{0x02, 0x0C, 0, 2, 0, 1}))
	f.Add(deliverBody(esmReceipt, 0, []byte("id:1 stat:DELIVRD"), []byte{0x04, 0x27, 0, 1, 2}))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseDeliverSM(b)
		if err != nil {
			return
		}
		if len(d.Message) > len(b) {
			t.Fatalf("a message longer than the PDU")
		}
		_ = decodeText(d.DataCoding, d.Message)
		if d.EsmClass&esmUDHI != 0 {
			_, _, _, _ = parseUDH(d.Message)
		}
		_, _ = sarOf(d.TLVs)
	})
}

// FuzzReassembly feeds parts in any order, duplicates included: a message
// completes only with every part, as their concatenation.
func FuzzReassembly(f *testing.F) {
	f.Add([]byte{3, 1, 3, 2, 1})
	f.Add([]byte{1, 1, 1})
	f.Add([]byte{2, 2, 0, 9, 1})
	f.Fuzz(func(t *testing.T, seqs []byte) {
		const total = 3
		r := newReassembler(time.Minute, 4)
		k := partKey{From: "+1", To: "+2", Ref: 1, Total: total}
		seen := map[int]bool{}
		now := time.Now()
		for _, s := range seqs {
			seq := int(s)
			whole, _, ok := r.add(now, k, concat{1, total, seq}, 0, []byte{byte('a' + seq)})
			if seq >= 1 && seq <= total {
				seen[seq] = true
			}
			if ok != (len(seen) == total) {
				t.Fatalf("complete %v with parts %v", ok, seen)
			}
			if ok && string(whole) != "bcd" {
				t.Fatalf("whole %q; want bcd", whole)
			}
		}
	})
}
