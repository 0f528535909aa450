package phone

import (
	"errors"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, region, want string
		err              error
	}{
		{in: "+12015550123", want: "+12015550123"},
		{in: "(201) 555-0123", region: "US", want: "+12015550123"},
		{in: "201.555.0123", region: "us", want: "+12015550123"},
		{in: "+1 201 555 0123", want: "+12015550123"},
		{in: "+44 7700 900123", want: "+447700900123"},
		{in: "07700 900123", region: "GB", want: "+447700900123"},
		{in: "+15558675310", want: "+15558675310"}, // possible though not valid: accepted
		{in: "", err: ErrEmpty},
		{in: "   ", err: ErrEmpty},
		{in: "hello", region: "US", err: ErrMalformed},
		{in: "pizza", err: ErrMalformed},
		{in: "2015550123", err: ErrNoRegion},
		{in: "+999 123456", err: ErrCountryCode},
		{in: "+1555", err: ErrTooShort},
		{in: "555-0123", region: "US", err: ErrTooShort}, // local only: no area code
		{in: "+1201555012345678", err: ErrTooLong},
		{in: "+1201555012345678901234567890123456789012345678901234567890123456789", err: ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Normalize(tt.in, tt.region)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Normalize(%q, %q) error = %v, want %v", tt.in, tt.region, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%q, %q) = %q, %v; want %q", tt.in, tt.region, got, err, tt.want)
			}
		})
	}
}

func TestIsE164(t *testing.T) {
	for in, want := range map[string]bool{
		"+12015550123":    true,
		"12015550123":     false,
		"+1 201 555 0123": false,
		"+1555":           false,
	} {
		if got := IsE164(in); got != want {
			t.Errorf("IsE164(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	if got := Redact("+12015550123"); got != "+1201…23" {
		t.Fatalf("Redact = %q", got)
	}
	if got := Redact("+1"); got != "…" {
		t.Fatalf("Redact short = %q", got)
	}
	for in, want := range map[string]string{
		"sip:+15551234567@pbx.example.org": "sip:+1555…67@pbx.example.org",
		"sips:desk@pbx.example.org":        "sips:desk@pbx.example.org",
		"sip:+15551234567":                 "sip:+1555…67",
		"15551234567":                      "15551…67",
		"alice":                            "alice",
		"":                                 "",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
		if got := Redactor(false)(in); got != want {
			t.Errorf("Redactor(false)(%q) = %q, want %q", in, got, want)
		}
		if got := Redactor(true)(in); got != in {
			t.Errorf("Redactor(true)(%q) = %q", in, got)
		}
	}
}

// FuzzNormalize checks that any input either fails cleanly or yields a
// canonical number that normalises to itself.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"+12015550123", "(201) 555-0123", "+44 7700 900123", "", "+", "++1", "+1٢٠١٥٥٥٠١٢٣", "tel:+1-201-555-0123"} {
		f.Add(s, "US")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, in, region string) {
		got, err := Normalize(in, region)
		if err != nil {
			return
		}
		again, err := Normalize(got, "")
		if err != nil || again != got {
			t.Fatalf("Normalize(%q)=%q does not round-trip: %q, %v", in, got, again, err)
		}
	})
}

func TestDisplay(t *testing.T) {
	for in, want := range map[string]string{
		"+12015550123":  "+1 201-555-0123",
		"+442071838750": "+44 20 7183 8750",
		"anonymous":     "anonymous",
	} {
		if got := Display(in); got != want {
			t.Errorf("Display(%q) = %q, want %q", in, got, want)
		}
	}
}
