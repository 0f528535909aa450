package adhoc

import (
	"encoding/xml"
)

// wireForm is a data form as XML. Fields' children carry no namespace of
// their own: encoding/xml matches them in any, and writes them in the
// form's.
type wireForm struct {
	XMLName      xml.Name     `xml:"jabber:x:data x"`
	Type         string       `xml:"type,attr"`
	Title        []string     `xml:"title,omitempty"`
	Instructions []string     `xml:"instructions,omitempty"`
	Reported     *wireFields  `xml:"reported,omitempty"`
	Items        []wireFields `xml:"item,omitempty"`
	Fields       []wireField  `xml:"field"`
}

type wireFields struct {
	Fields []wireField `xml:"field"`
}

type wireField struct {
	Var      string       `xml:"var,attr,omitempty"`
	Type     string       `xml:"type,attr,omitempty"`
	Label    string       `xml:"label,attr,omitempty"`
	Desc     string       `xml:"desc,omitempty"`
	Required *struct{}    `xml:"required,omitempty"`
	Values   []string     `xml:"value"`
	Options  []wireOption `xml:"option,omitempty"`
}

type wireOption struct {
	Label string `xml:"label,attr,omitempty"`
	Value string `xml:"value"`
}

// wire is f as XML.
func (f *Form) wire() *wireForm {
	if f == nil {
		return nil
	}
	w := &wireForm{Type: string(f.Type)}
	if f.Title != "" {
		w.Title = []string{f.Title}
	}
	if f.Instructions != "" {
		w.Instructions = []string{f.Instructions}
	}
	for _, fd := range f.Fields {
		w.Fields = append(w.Fields, fd.wire())
	}
	if len(f.Reported) > 0 {
		w.Reported = &wireFields{}
		for _, fd := range f.Reported {
			w.Reported.Fields = append(w.Reported.Fields, wireField{Var: fd.Var, Type: string(fd.Type), Label: fd.Label})
		}
		for _, it := range f.Items {
			var item wireFields
			for _, col := range f.Reported {
				item.Fields = append(item.Fields, wireField{Var: col.Var, Values: []string{it[col.Var]}})
			}
			w.Items = append(w.Items, item)
		}
	}
	return w
}

func (fd Field) wire() wireField {
	w := wireField{Var: fd.Var, Type: string(fd.Type), Label: fd.Label, Desc: fd.Desc, Values: fd.Values}
	if fd.Required {
		w.Required = &struct{}{}
	}
	for _, o := range fd.Options {
		w.Options = append(w.Options, wireOption(o))
	}
	return w
}
