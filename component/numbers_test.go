package component

import "testing"

func TestNumberCache(t *testing.T) {
	nc := newNumberCache(2)
	for range 2 {
		if n, err := nc.normalize("(201) 555-0123", "US"); err != nil || n != "+12015550123" {
			t.Fatalf("normalize = %q, %v", n, err)
		}
		if _, err := nc.normalize("+1555", ""); err == nil {
			t.Fatal("cached a bad number as good")
		}
	}
	nc.normalize("+12015550100", "")
	if len(nc.m) > 2 {
		t.Fatalf("cache grew to %d entries past its bound", len(nc.m))
	}
}
