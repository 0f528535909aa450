package mms

import (
	"strings"
	"testing"
)

// FuzzParseMediaPath: whatever the path, a parsed one is exactly
// /media/<id>/<name> with an id and name that need no escaping and name
// nothing but one file.
func FuzzParseMediaPath(f *testing.F) {
	id := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	for _, s := range []string{
		"/media/" + id + "/image.jpg",
		"/media/" + id + "/../x",
		"/media/" + id + "/image.jpg/",
		"/media/" + id + "%2Fimage.jpg",
		"/media//",
		"/media/" + id + "/.hidden",
		"/media/" + id + "/a\x00.jpg",
		"/media/" + id + "/é.jpg",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		gotID, name, ok := parseMediaPath(p)
		if !ok {
			if gotID != "" || name != "" {
				t.Fatalf("refused %q but returned %q %q", p, gotID, name)
			}
			return
		}
		if p != pathPrefix+gotID+"/"+name {
			t.Fatalf("%q parsed as %q %q", p, gotID, name)
		}
		if !validID(gotID) || !validName(name) || len(gotID) != idLen {
			t.Fatalf("%q: invalid parts %q %q", p, gotID, name)
		}
		if strings.ContainsAny(name, "/\\%\x00") || strings.HasPrefix(name, ".") || strings.Contains(gotID, ".") {
			t.Fatalf("%q: unsafe parts %q %q", p, gotID, name)
		}
	})
}
