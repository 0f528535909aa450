package adhoc

import (
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseForm(t *testing.T) {
	long := strings.Repeat("a", maxValueLen+1)
	tests := []struct {
		name, in string
		field    string // the field the error names; "" for a form-wide error
		ok       bool
	}{
		{name: "submit", in: `<x xmlns="jabber:x:data" type="submit"><field var="a"><value>1</value></field><field var="b"/></x>`, ok: true},
		{name: "form with everything", ok: true, in: `<x xmlns="jabber:x:data" type="form"><title>T</title><instructions>a</instructions><instructions>b</instructions>` +
			`<field type="fixed"><value>text</value></field><field var="l" type="list-single" label="L"><required/><option label="One"><value>1</value></option></field>` +
			`<field var="h" type="hidden"><value>x</value></field><field var="j" type="jid-single"/><field var="p" type="text-private"/><field var="b" type="boolean"/></x>`},
		{name: "wrong namespace", in: `<x xmlns="jabber:x:oob" type="submit"/>`},
		{name: "not xml", in: `<x xmlns="jabber:x:data" type="submit">`},
		{name: "form type", in: `<x xmlns="jabber:x:data" type="nonsense"/>`},
		{name: "no form type", in: `<x xmlns="jabber:x:data"/>`},
		{name: "two titles", in: `<x xmlns="jabber:x:data" type="form"><title>a</title><title>b</title></x>`},
		{name: "field type", in: `<x xmlns="jabber:x:data" type="form"><field var="a" type="password"/></x>`, field: "a"},
		{name: "no var", in: `<x xmlns="jabber:x:data" type="submit"><field><value>1</value></field></x>`, field: ""},
		{name: "duplicate", in: `<x xmlns="jabber:x:data" type="submit"><field var="a"/><field var="a"/></x>`, field: "a"},
		{name: "two values", in: `<x xmlns="jabber:x:data" type="submit"><field var="a" type="text-single"><value>1</value><value>2</value></field></x>`, field: "a"},
		{name: "multi values", ok: true, in: `<x xmlns="jabber:x:data" type="submit"><field var="a" type="list-multi"><value>1</value><value>2</value></field></x>`},
		{name: "long value", in: `<x xmlns="jabber:x:data" type="submit"><field var="a"><value>` + long + `</value></field></x>`, field: "a"},
		{name: "options on text", in: `<x xmlns="jabber:x:data" type="form"><field var="a"><option><value>1</value></option></field></x>`, field: "a"},
		{name: "table", in: `<x xmlns="jabber:x:data" type="result"><reported><field var="a"/></reported></x>`},
		{name: "too many fields", in: `<x xmlns="jabber:x:data" type="submit">` + strings.Repeat(`<field var="a"/>`, maxFields+1) + `</x>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseForm([]byte(tt.in))
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", f)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%v does not wrap ErrMalformed", err)
			}
			var fe *FieldError
			if errors.As(err, &fe) != (tt.field != "" || tt.name == "no var") || (fe != nil && fe.Var != tt.field) {
				t.Errorf("error %v, want one naming field %q", err, tt.field)
			}
		})
	}
}

// A form the gateway writes reads back the same.
func TestFormRoundTrip(t *testing.T) {
	f := &Form{Type: TypeForm, Title: "T", Instructions: "one\ntwo", Fields: []Field{
		{Type: Fixed, Values: []string{"note"}},
		{Var: "l", Type: ListSingle, Label: "L", Required: true, Values: []string{"1"}, Options: []Option{{Label: "One", Value: "1"}}},
		{Var: "b", Type: Boolean, Values: []string{"true"}},
	}}
	b, err := xml.Marshal(f.wire())
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseForm(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, g) {
		t.Errorf("round trip:\n%+v\n%+v\n%s", f, g, b)
	}
}

func FuzzParseForm(f *testing.F) {
	f.Add([]byte(`<x xmlns="jabber:x:data" type="submit"><field var="a"><value>1</value></field></x>`))
	f.Add([]byte(`<x xmlns="jabber:x:data" type="form"><title>T</title><field var="l" type="list-single"><required/><option label="One"><value>1</value></option></field></x>`))
	f.Add([]byte(`<x xmlns="jabber:x:data" type="submit"><field var="a"/><field var="a"/></x>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		form, err := ParseForm(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		// What parses writes out and parses again to the same form.
		b, err := xml.Marshal(form.wire())
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseForm(b)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", b, err)
		}
		if !reflect.DeepEqual(norm(form), norm(again)) {
			t.Fatalf("round trip differs:\n%+v\n%+v", form, again)
		}
		// Checking it as an answer to itself never panics.
		_, _ = check(form, &Form{Type: TypeSubmit, Fields: form.Fields})
	})
}

// norm makes empty and nil slices alike.
func norm(f *Form) *Form {
	c := f.clone()
	for i := range c.Fields {
		if len(c.Fields[i].Values) == 0 {
			c.Fields[i].Values = nil
		}
		if len(c.Fields[i].Options) == 0 {
			c.Fields[i].Options = nil
		}
	}
	if len(c.Fields) == 0 {
		c.Fields = nil
	}
	return c
}
