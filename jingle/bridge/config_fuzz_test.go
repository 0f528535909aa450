package bridge

import "testing"

// FuzzConfigValues: voicemail_budget and cdr_retention either refuse their
// input or give a positive value that reads back the same.
func FuzzConfigValues(f *testing.F) {
	for _, s := range []string{"64MB", "2gb", "1KB", "0MB", "-1MB", "9999999999GB", "64", "90d", "2160h", "1.5d", "0d", "-1h", "", " 3 MB "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := ParseSize(s); err == nil && n <= 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
		d, err := parseRetention(s)
		if err != nil {
			return
		}
		if d <= 0 {
			t.Fatalf("parseRetention(%q) = %v", s, d)
		}
		if back, err := parseRetention(d.String()); err != nil || back != d {
			t.Fatalf("parseRetention(%q) = %v, which reads back as %v, %v", s, d, back, err)
		}
	})
}
