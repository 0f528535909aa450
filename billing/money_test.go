package billing

import (
	"errors"
	"testing"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in, cur string
		want    int64
		err     error
	}{
		{"4.99", "USD", 499, nil},
		{"4.9", "USD", 490, nil},
		{"4", "USD", 400, nil},
		{"0.01", "USD", 1, nil},
		{"-0.50", "EUR", -50, nil},
		{"100", "JPY", 100, nil},
		{"1.250", "KWD", 1250, nil},
		{"0", "GBP", 0, nil},
		{"100000000000", "USD", MaxAmount, nil},
		{"100000000000.01", "USD", 0, ErrAmount},
		{"4.999", "USD", 0, ErrAmount},
		{"1.5", "JPY", 0, ErrAmount},
		{"4.", "USD", 0, ErrAmount},
		{".5", "USD", 0, ErrAmount},
		{"+4", "USD", 0, ErrAmount},
		{" 4", "USD", 0, ErrAmount},
		{"1e3", "USD", 0, ErrAmount},
		{"1,000", "USD", 0, ErrAmount},
		{"$4", "USD", 0, ErrAmount},
		{"", "USD", 0, ErrAmount},
		{"-", "USD", 0, ErrAmount},
		{"--1", "USD", 0, ErrAmount},
		{"99999999999999999999999", "USD", 0, ErrAmount},
		{"4.99", "XYZ", 0, ErrCurrency},
		{"4.99", "usd", 0, ErrCurrency},
	} {
		t.Run(tc.in+"_"+tc.cur, func(t *testing.T) {
			m, err := ParseMoney(tc.in, tc.cur)
			if !errors.Is(err, tc.err) {
				t.Fatalf("ParseMoney(%q, %q) error %v, want %v", tc.in, tc.cur, err, tc.err)
			}
			if err == nil && (m.Amount != tc.want || m.Currency != tc.cur) {
				t.Errorf("ParseMoney(%q, %q) = %+v, want %d", tc.in, tc.cur, m, tc.want)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{Money{499, "USD"}, "4.99 USD"},
		{Money{5, "USD"}, "0.05 USD"},
		{Money{-5, "USD"}, "-0.05 USD"},
		{Money{0, "EUR"}, "0.00 EUR"},
		{Money{100, "JPY"}, "100 JPY"},
		{Money{1250, "KWD"}, "1.250 KWD"},
		{Money{-1, "KWD"}, "-0.001 KWD"},
		{Money{-9223372036854775808, "USD"}, "-92233720368547758.08 USD"},
		{Money{7, ""}, "7"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.m.String(); got != tc.want {
				t.Errorf("%+v.String() = %q, want %q", tc.m, got, tc.want)
			}
		})
	}
}

func TestMoneyAdd(t *testing.T) {
	if _, err := (Money{1, "USD"}).Add(Money{1, "EUR"}); !errors.Is(err, ErrMismatch) {
		t.Errorf("USD+EUR: %v, want ErrMismatch", err)
	}
	if _, err := (Money{MaxAmount, "USD"}).Add(Money{1, "USD"}); !errors.Is(err, ErrAmount) {
		t.Errorf("overflow: %v, want ErrAmount", err)
	}
	if _, err := (Money{-9223372036854775808, "USD"}).Add(Money{0, "USD"}); !errors.Is(err, ErrAmount) {
		t.Errorf("min int64: %v, want ErrAmount", err)
	}
	if s, err := (Money{150, "USD"}).Add(Money{-200, "USD"}); err != nil || s.Amount != -50 {
		t.Errorf("1.50-2.00 = %v, %v", s, err)
	}
}

// FuzzParseMoney: whatever ParseMoney accepts is within range and reads
// back from its own Decimal; nothing panics.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"4.99", "-0.50", "100", "1.250", "0", "4.", ".5", "1e3", "99999999999999999999", "-0", "00012.30"} {
		f.Add(s, "USD")
		f.Add(s, "JPY")
		f.Add(s, "KWD")
	}
	f.Fuzz(func(t *testing.T, s, cur string) {
		m, err := ParseMoney(s, cur)
		if err != nil {
			return
		}
		if !inRange(m.Amount) {
			t.Fatalf("ParseMoney(%q) = %d, beyond MaxAmount", s, m.Amount)
		}
		back, err := ParseMoney(m.Decimal(), cur)
		if err != nil || back != m {
			t.Fatalf("ParseMoney(%q) = %+v, but its Decimal %q reads back as %+v, %v", s, m, m.Decimal(), back, err)
		}
	})
}
