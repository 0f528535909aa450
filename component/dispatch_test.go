package component

import (
	"sync"
	"testing"
	"time"
)

func TestDispatcherOrderAndIsolation(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]string{}
	block := make(chan struct{})
	d := newDispatcher(8, 100, 1000, func(st *inbound) {
		if st.ID == "slow" {
			<-block
		}
		mu.Lock()
		got[st.To] = append(got[st.To], st.ID)
		mu.Unlock()
	})
	d.submit("a", &inbound{To: "a", ID: "slow"})
	for i := range 50 {
		id := string(rune('0' + i%10))
		d.submit("a", &inbound{To: "a", ID: id})
		d.submit("b", &inbound{To: "b", ID: id})
	}
	// b finishes while a is stuck behind its slow stanza.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		nb, na := len(got["b"]), len(got["a"])
		mu.Unlock()
		if nb == 50 && na == 0 {
			break
		}
		if time.Now().After(deadline) || na != 0 {
			t.Fatalf("a=%d b=%d: conversations are not isolated", na, nb)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(block)
	d.stop()
	if len(got["a"]) != 51 || got["a"][0] != "slow" {
		t.Fatalf("a = %v", got["a"])
	}
	for i, id := range got["a"][1:] {
		if id != string(rune('0'+i%10)) {
			t.Fatalf("a out of order at %d: %v", i, got["a"])
		}
	}
	if d.submit("c", &inbound{}) {
		t.Fatal("accepted work after stop")
	}
}

func TestDispatcherLimits(t *testing.T) {
	block := make(chan struct{})
	d := newDispatcher(1, 2, 3, func(*inbound) { <-block })
	defer d.stop()
	defer close(block)
	// The first stanza of a conversation may already be running, so fill
	// until refused and check the bounds hold.
	n := 0
	for d.submit("a", &inbound{}) {
		n++
		if n > 10 {
			t.Fatal("per-conversation limit not enforced")
		}
	}
	m := 0
	for d.submit("k"+string(rune('a'+m)), &inbound{}) {
		m++
		if m > 10 {
			t.Fatal("total limit not enforced")
		}
	}
}
