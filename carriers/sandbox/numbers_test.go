package sandbox

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-gw/switchboard/carriers"
)

// userNumbers is the gateway's numbers in these tests: a user holds +12015550100.
func userNumbers(context.Context) ([]string, error) { return []string{"+12015550100"}, nil }

func newNumbersSandbox(t *testing.T) *Carrier {
	c := New(Settings{Numbers: userNumbers})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestSearchNumbers(t *testing.T) {
	tests := []struct {
		name  string
		q     carriers.NumberQuery
		want  []string // the numbers, in order
		first carriers.AvailableNumber
	}{
		{name: "default area code, without the held number", q: carriers.NumberQuery{Limit: 3},
			want:  []string{"+12015550101", "+12015550102", "+12015550103"},
			first: carriers.AvailableNumber{Number: "+12015550101", Locality: "Sandbox", Country: "US", Capabilities: carriers.Capabilities{SMS: true, MMS: true, Voice: true}}},
		{name: "area code and region", q: carriers.NumberQuery{AreaCode: "415", Region: "ca", Limit: 2},
			want:  []string{"+14155550100", "+14155550101"},
			first: carriers.AvailableNumber{Number: "+14155550100", Locality: "Sandbox", Region: "CA", Country: "US", Capabilities: carriers.Capabilities{SMS: true, MMS: true, Voice: true}}},
		{name: "pattern", q: carriers.NumberQuery{AreaCode: "415", Contains: "0142"}, want: []string{"+14155550142"}},
		{name: "pattern across the area code", q: carriers.NumberQuery{AreaCode: "415", Contains: "4155", Limit: 2}, want: []string{"+14155550100", "+14155550101"}},
		{name: "Canada", q: carriers.NumberQuery{Country: "CA", AreaCode: "613", Contains: "0199"}, want: []string{"+16135550199"}},
		{name: "another country", q: carriers.NumberQuery{Country: "GB"}, want: []string{}},
		{name: "no such area code", q: carriers.NumberQuery{AreaCode: "123"}, want: []string{}},
		{name: "default limit", q: carriers.NumberQuery{AreaCode: "415"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newNumbersSandbox(t)
			got, err := c.SearchNumbers(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil { // only the count
				if len(got) != carriers.DefaultNumberLimit {
					t.Fatalf("%d numbers; want %d", len(got), carriers.DefaultNumberLimit)
				}
				return
			}
			nums := []string{}
			for _, n := range got {
				nums = append(nums, n.Number)
			}
			if len(nums) != len(tt.want) {
				t.Fatalf("numbers %v; want %v", nums, tt.want)
			}
			for i := range nums {
				if nums[i] != tt.want[i] {
					t.Fatalf("numbers %v; want %v", nums, tt.want)
				}
			}
			if tt.first.Number != "" && got[0] != tt.first {
				t.Errorf("first %+v; want %+v", got[0], tt.first)
			}
		})
	}
}

func TestSearchNumbersRefusesBadQueries(t *testing.T) {
	c := newNumbersSandbox(t)
	for _, q := range []carriers.NumberQuery{{Country: "USA"}, {AreaCode: "41"}, {Region: "C4"}, {Contains: "5"}, {Contains: "55x"}, {Limit: -1}} {
		if _, err := c.SearchNumbers(context.Background(), q); !errors.Is(err, carriers.ErrRejected) {
			t.Errorf("%+v: %v; want a rejection", q, err)
		}
	}
}

func TestBuyAndReleaseNumbers(t *testing.T) {
	ctx := context.Background()
	c := newNumbersSandbox(t)
	own, err := c.BuyNumber(ctx, "+14155550142")
	if err != nil {
		t.Fatal(err)
	}
	if own.Number != "+14155550142" || !numberID(own.ID) {
		t.Fatalf("bought %+v", own)
	}
	// Sold: no longer offered, nor sold again.
	if got, _ := c.SearchNumbers(ctx, carriers.NumberQuery{AreaCode: "415", Contains: "0142"}); len(got) != 0 {
		t.Errorf("a sold number is still offered: %+v", got)
	}
	tests := []struct {
		name   string
		number string
		kind   error
	}{
		{"sold already", "+14155550142", carriers.ErrNumberGone},
		{"held by a user", "+12015550100", carriers.ErrNumberGone},
		{"outside the fictional range", "+14155551234", carriers.ErrRejected},
		{"area code from 1", "+11555550100", carriers.ErrRejected},
		{"not a number", "4155550142", carriers.ErrRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.BuyNumber(ctx, tt.number)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error %v; want %v", err, tt.kind)
			}
			if tt.kind == carriers.ErrNumberGone && !errors.Is(err, carriers.ErrRejected) {
				t.Errorf("ErrNumberGone %v is not a rejection", err)
			}
		})
	}
	// The account holds it: FindNumber gives the purchase's id.
	if got, found, err := c.FindNumber(ctx, "+14155550142"); err != nil || !found || got != own {
		t.Errorf("FindNumber = %+v, %v, %v; want %+v", got, found, err, own)
	}
	// Released: on sale again; releasing twice is no error.
	for range 2 {
		if err := c.ReleaseNumber(ctx, own.ID); err != nil {
			t.Fatalf("ReleaseNumber: %v", err)
		}
	}
	if _, found, err := c.FindNumber(ctx, "+14155550142"); err != nil || found {
		t.Errorf("FindNumber after release = %v, %v", found, err)
	}
	if got, _ := c.SearchNumbers(ctx, carriers.NumberQuery{AreaCode: "415", Contains: "0142"}); len(got) != 1 {
		t.Errorf("a released number is not offered: %+v", got)
	}
	if _, err := c.BuyNumber(ctx, "+14155550142"); err != nil {
		t.Errorf("buying a released number: %v", err)
	}
	for _, id := range []string{"", "PN123", "SB0123456789abcdef0123456789abcdef", "PN0123456789ABCDEF0123456789ABCDEF"} {
		if err := c.ReleaseNumber(ctx, id); !errors.Is(err, carriers.ErrRejected) {
			t.Errorf("ReleaseNumber(%q): %v; want a rejection", id, err)
		}
	}
}

// TestBuyNumberWithoutStorage: when the gateway's numbers cannot be read,
// nothing is sold.
func TestBuyNumberWithoutStorage(t *testing.T) {
	c := New(Settings{Numbers: func(context.Context) ([]string, error) { return nil, errors.New("store down") }})
	t.Cleanup(func() { _ = c.Close() })
	if _, err := c.BuyNumber(context.Background(), "+14155550142"); !errors.Is(err, carriers.ErrUnavailable) {
		t.Fatalf("BuyNumber: %v; want unavailable", err)
	}
	if _, err := c.SearchNumbers(context.Background(), carriers.NumberQuery{}); !errors.Is(err, carriers.ErrUnavailable) {
		t.Fatalf("SearchNumbers: %v; want unavailable", err)
	}
}
