// Package adhoctest runs ad-hoc commands on an adhoc.Server in tests, as a
// client's XEP-0050 requests would, forms given as plain fields.
package adhoctest

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/component/adhoc"
)

// Field is one submitted field. A name given twice is a duplicated field;
// a value with NUL bytes is several values. Names and values go into the
// XML as they are, so a test can send hostile markup.
type Field struct{ Name, Value string }

// Fields are m's entries as fields, in no particular order; nil for nil.
func Fields(m map[string]string) []Field {
	if m == nil {
		return nil
	}
	fs := make([]Field, 0, len(m))
	for k, v := range m {
		fs = append(fs, Field{k, v})
	}
	return fs
}

// Run sends one request from who (a JID) and returns the answer as XML and
// its session id, or the error. With nil fields no form is submitted.
func Run(t testing.TB, srv *adhoc.Server, who, node, sid, action string, fields []Field) (string, string, *adhoc.Err) {
	t.Helper()
	var p adhoc.Payload
	if fields != nil {
		if err := xml.Unmarshal(form(fields), &p); err != nil {
			t.Fatal(err)
		}
	}
	p.Node, p.SessionID, p.Action = node, sid, action
	res, e := srv.Execute(context.Background(), jid.MustParse(who), &p)
	if e != nil {
		return "", "", e
	}
	b, err := xml.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), res.SessionID, nil
}

// form is a <command/> carrying fields as a submitted form.
func form(fields []Field) []byte {
	var b strings.Builder
	b.WriteString(`<command xmlns="http://jabber.org/protocol/commands"><x xmlns="jabber:x:data" type="submit">`)
	for _, f := range fields {
		b.WriteString(`<field var="` + f.Name + `">`)
		for v := range strings.SplitSeq(f.Value, "\x00") {
			b.WriteString(`<value>` + v + `</value>`)
		}
		b.WriteString(`</field>`)
	}
	b.WriteString(`</x></command>`)
	return []byte(b.String())
}
