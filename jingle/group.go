package jingle

// Group is a XEP-0338 <group xmlns="urn:xmpp:jingle:apps:grouping:0" semantics/>
// (SDP a=group). Semantics is usually "BUNDLE".
type Group struct {
	Semantics string         `xml:"semantics,attr"`
	Contents  []GroupContent `xml:"content"`
}

// GroupContent names a content of a group.
type GroupContent struct {
	Name string `xml:"name,attr"`
}

// SemanticsBundle is the RFC 8843 BUNDLE group semantics.
const SemanticsBundle = "BUNDLE"

// NewGroup returns a group of the named contents.
func NewGroup(semantics string, names ...string) Group {
	g := Group{Semantics: semantics}
	for _, n := range names {
		g.Contents = append(g.Contents, GroupContent{Name: n})
	}
	return g
}

// Names returns the names of the group's contents.
func (g Group) Names() []string {
	names := make([]string, len(g.Contents))
	for i, c := range g.Contents {
		names[i] = c.Name
	}
	return names
}
