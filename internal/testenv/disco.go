package testenv

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
)

// DiscoInfo is a disco#info result as a client reads it.
type DiscoInfo struct {
	Node       string
	Identities []string // category/type
	Features   []string
	// Ver is the XEP-0115 §5.1 verification string of the result as it
	// came (identities with their names, features; no forms or xml:lang):
	// what a client compares a caps ver with.
	Ver string
}

// ParseDiscoInfo reads the disco#info query of an IQ result written as
// XML.
func ParseDiscoInfo(raw string) (DiscoInfo, error) {
	var iq struct {
		Query *struct {
			Node       string `xml:"node,attr"`
			Identities []struct {
				Category string `xml:"category,attr"`
				Type     string `xml:"type,attr"`
				Name     string `xml:"name,attr"`
			} `xml:"identity"`
			Features []struct {
				Var string `xml:"var,attr"`
			} `xml:"feature"`
		} `xml:"http://jabber.org/protocol/disco#info query"`
	}
	if err := xml.Unmarshal([]byte(raw), &iq); err != nil {
		return DiscoInfo{}, fmt.Errorf("testenv: disco#info: %w", err)
	}
	if iq.Query == nil {
		return DiscoInfo{}, fmt.Errorf("testenv: no disco#info query in %s", raw)
	}
	d := DiscoInfo{Node: iq.Query.Node}
	var ids []string
	for _, i := range iq.Query.Identities {
		d.Identities = append(d.Identities, i.Category+"/"+i.Type)
		ids = append(ids, i.Category+"/"+i.Type+"//"+i.Name+"<")
	}
	var fs []string
	for _, f := range iq.Query.Features {
		d.Features = append(d.Features, f.Var)
		fs = append(fs, f.Var+"<")
	}
	slices.Sort(ids)
	slices.Sort(fs)
	sum := sha1.Sum([]byte(strings.Join(ids, "") + strings.Join(fs, "")))
	d.Ver = base64.StdEncoding.EncodeToString(sum[:])
	return d, nil
}
