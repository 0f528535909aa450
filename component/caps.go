package component

import (
	"cmp"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"slices"
	"strings"

	"mellium.im/xmlstream"
)

// capsNode is the XEP-0115 node of every caps element the gateway sends:
// it names the software; ver tells the gateway's feature sets apart.
const capsNode = "https://github.com/switchboard-gw/switchboard"

const nsCaps = "http://jabber.org/protocol/caps"

// entity is what one kind of address (the gateway, a number) answers to
// disco#info, with the XEP-0115 ver computed over exactly that answer:
// clients that verify caps drop a ver that does not match.
type entity struct {
	identities []identity
	features   []string
	ver        string
}

func newEntity(ids []identity, feats []string) entity {
	return entity{identities: ids, features: feats, ver: capsVer(ids, feats)}
}

// node is the caps node#ver a client may query disco#info with.
func (e entity) node() string { return capsNode + "#" + e.ver }

// caps is the XEP-0115 element of presence sent for e.
func (e entity) caps() xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsCaps, Local: "c"}, Attr: []xml.Attr{
		attr("hash", "sha-1"), attr("node", capsNode), attr("ver", e.ver),
	}})
}

// capsVer is the XEP-0115 §5.1 verification string of identities and
// features (the gateway sends no extended forms, and no xml:lang).
func capsVer(ids []identity, feats []string) string {
	is := slices.Clone(ids)
	slices.SortFunc(is, func(a, b identity) int {
		return cmp.Or(strings.Compare(a.Category, b.Category), strings.Compare(a.Type, b.Type), strings.Compare(a.Name, b.Name))
	})
	fs := slices.Clone(feats)
	slices.Sort(fs)
	var b strings.Builder
	for _, id := range is {
		b.WriteString(id.Category + "/" + id.Type + "//" + id.Name + "<")
	}
	for _, f := range fs {
		b.WriteString(f + "<")
	}
	sum := sha1.Sum([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var numberIdentity = identity{Category: "client", Type: "sms"}

// gatewayIdentities: gateway/sms always; gateway/pstn only with voice, as
// Cheogram Android takes it as a promise of calls (it then offers the
// gateway's numbers in the phone's dialer).
func gatewayIdentities(name string, voice bool) []identity {
	ids := []identity{{Category: "gateway", Type: "sms", Name: name}}
	if voice {
		ids = append(ids, identity{Category: "gateway", Type: "pstn", Name: name})
	}
	return ids
}
