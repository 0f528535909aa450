package signup

import (
	"strings"
	"testing"

	"github.com/switchboard-gw/switchboard/component/adhoc"
)

// FuzzSignupInput feeds what users type (invite codes, search fields, an
// XEP-0077 form) to the parsers: none panics, and what they accept is in
// shape.
func FuzzSignupInput(f *testing.F) {
	for _, s := range []string{"ABCDE-23456", " abcde 23456 ", "201", "NJ", "2020", "<x/>", strings.Repeat("9", 300), "é", "\x00"} {
		f.Add(s)
	}
	s := &Signup{o: Options{Config: Config{Country: "US", SearchLimit: 10}}}
	f.Fuzz(func(t *testing.T, in string) {
		if c := normalCode(in); c != "" && (len(c) > 64 || strings.ToUpper(c) != c || strings.ContainsAny(c, " \t\n")) {
			t.Fatalf("code %q from %q", c, in)
		}
		q, err := s.readQuery(adhoc.Values{"area_code": {in}, "region": {in}, "contains": {in}})
		if err == nil && (len(q.AreaCode) > 3 || len(q.Region) > 3 || len(q.Contains) > 10) {
			t.Fatalf("query %+v from %q", q, in)
		}
		if form, err := adhoc.ParseForm([]byte(in)); err == nil {
			_, _ = adhoc.Check(s.registerShape(), form)
		}
	})
}
