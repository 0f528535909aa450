package carriers

import (
	"errors"
	"strings"
	"testing"
)

func TestNumberQueryNormal(t *testing.T) {
	tests := []struct {
		name string
		in   NumberQuery
		want NumberQuery
		bad  bool
	}{
		{name: "defaults", in: NumberQuery{}, want: NumberQuery{Country: "US", Limit: DefaultNumberLimit}},
		{name: "lower case and spaces", in: NumberQuery{Country: " ca ", AreaCode: " 613", Region: "on ", Contains: " 2020 ", Limit: 5},
			want: NumberQuery{Country: "CA", AreaCode: "613", Region: "ON", Contains: "2020", Limit: 5}},
		{name: "limit capped", in: NumberQuery{Limit: 1000}, want: NumberQuery{Country: "US", Limit: MaxNumberLimit}},
		{name: "three-letter country", in: NumberQuery{Country: "USA"}, bad: true},
		{name: "country with a slash", in: NumberQuery{Country: "U/"}, bad: true},
		{name: "area code of two digits", in: NumberQuery{AreaCode: "41"}, bad: true},
		{name: "area code of letters", in: NumberQuery{AreaCode: "abc"}, bad: true},
		{name: "region with a digit", in: NumberQuery{Region: "C4"}, bad: true},
		{name: "region too long", in: NumberQuery{Region: "CALIF"}, bad: true},
		{name: "pattern of one digit", in: NumberQuery{Contains: "5"}, bad: true},
		{name: "pattern with a wildcard", in: NumberQuery{Contains: "55*"}, bad: true},
		{name: "pattern too long", in: NumberQuery{Contains: "12345678901"}, bad: true},
		{name: "negative limit", in: NumberQuery{Limit: -1}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Normal()
			if tt.bad {
				var e *Error
				if !errors.Is(err, ErrRejected) || !errors.As(err, &e) || e.Message == "" {
					t.Fatalf("error %v; want a rejection saying why", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normal() = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCheckNumber(t *testing.T) {
	tests := []struct {
		number string
		ok     bool
	}{
		{"+14155550142", true},
		{"+447700900123", true},
		{"+123456789012345", true},
		{"14155550142", false},
		{"+0123456789", false},
		{"+1234567", false},
		{"+1234567890123456", false},
		{"+1415555O142", false},
		{"+1415/550142", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.number, func(t *testing.T) {
			err := CheckNumber(tt.number)
			if tt.ok != (err == nil) || err != nil && !errors.Is(err, ErrRejected) {
				t.Fatalf("CheckNumber(%q) = %v", tt.number, err)
			}
		})
	}
}

func TestErrNumberGone(t *testing.T) {
	err := error(&Error{Kind: ErrNumberGone, Code: "21422", Message: "PhoneNumber is not available"})
	if !errors.Is(err, ErrNumberGone) || !errors.Is(err, ErrRejected) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("%v: want ErrNumberGone, a rejection", err)
	}
	if errors.Is(&Error{Kind: ErrRejected}, ErrNumberGone) {
		t.Fatal("every rejection is ErrNumberGone")
	}
	if !strings.Contains(err.Error(), "no longer available") {
		t.Errorf("text %q", err)
	}
}

// FuzzNumberQuery: whatever a user types, Normal either refuses it or
// returns fields safe in a URL path or query (ASCII letters and digits
// only) and a limit within bounds.
func FuzzNumberQuery(f *testing.F) {
	f.Add("us", "415", "ca", "2020", 5)
	f.Add("", "", "", "", 0)
	f.Add("U/", "4 1", "ÇA", "55*", -1)
	f.Fuzz(func(t *testing.T, country, area, region, contains string, limit int) {
		q, err := NumberQuery{Country: country, AreaCode: area, Region: region, Contains: contains, Limit: limit}.Normal()
		if err != nil {
			if !errors.Is(err, ErrRejected) {
				t.Fatalf("error %v is not a rejection", err)
			}
			return
		}
		for _, s := range []string{q.Country, q.AreaCode, q.Region, q.Contains} {
			if strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
				t.Fatalf("field %q holds more than letters and digits", s)
			}
		}
		if len(q.Country) != 2 || q.Limit < 1 || q.Limit > MaxNumberLimit {
			t.Fatalf("query %+v", q)
		}
		if again, err := q.Normal(); err != nil || again != q {
			t.Fatalf("Normal is not idempotent: %+v, %v", again, err)
		}
	})
}
