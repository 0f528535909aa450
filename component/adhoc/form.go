package adhoc

// FormType is an XEP-0004 form's type.
type FormType string

// Form types.
const (
	TypeForm   FormType = "form"   // asks the user to fill it in
	TypeResult FormType = "result" // shows results
	TypeSubmit FormType = "submit" // the user's answers
	TypeCancel FormType = "cancel" // the user gave up
)

// FieldType is an XEP-0004 field's type.
type FieldType string

// The field types the gateway writes and reads.
const (
	TextSingle  FieldType = "text-single"
	TextPrivate FieldType = "text-private"
	TextMulti   FieldType = "text-multi"
	ListSingle  FieldType = "list-single"
	ListMulti   FieldType = "list-multi"
	Boolean     FieldType = "boolean"
	Fixed       FieldType = "fixed"
	Hidden      FieldType = "hidden"
	JIDSingle   FieldType = "jid-single"
	JIDMulti    FieldType = "jid-multi"
)

// Form is an XEP-0004 data form.
type Form struct {
	Type         FormType `json:"type"`
	Title        string   `json:"title,omitempty"`
	Instructions string   `json:"instr,omitempty"` // one paragraph per line
	Fields       []Field  `json:"fields,omitempty"`
	// Reported and Items make a result form a table (XEP-0004 §3.4):
	// Reported gives the columns, each item maps a column's var to its
	// value.
	Reported []Field             `json:"rep,omitempty"`
	Items    []map[string]string `json:"items,omitempty"`
}

// Field is one field of a form.
type Field struct {
	Var      string    `json:"var,omitempty"`
	Type     FieldType `json:"type,omitempty"` // empty: text-single
	Label    string    `json:"label,omitempty"`
	Desc     string    `json:"desc,omitempty"`
	Required bool      `json:"req,omitempty"`
	Values   []string  `json:"vals,omitempty"` // the current or default value
	Options  []Option  `json:"opts,omitempty"` // list-single and list-multi
}

// Option is one choice of a list field.
type Option struct {
	Label string `json:"label,omitempty"`
	Value string `json:"value"`
}

// Value is the field's first value, or "".
func (f Field) Value() string {
	if len(f.Values) == 0 {
		return ""
	}
	return f.Values[0]
}

// kind is the field's type, text-single when none is given.
func (f Field) kind() FieldType {
	if f.Type == "" {
		return TextSingle
	}
	return f.Type
}

// title is what a person reads for the field: its label, else its var.
func (f Field) title() string {
	if f.Label != "" {
		return f.Label
	}
	return f.Var
}

// asks reports whether the user answers the field (fixed and hidden ones
// are not answered).
func (f Field) asks() bool { return f.kind() != Fixed && f.kind() != Hidden }

// Field returns the field var names, or nil.
func (f *Form) Field(name string) *Field {
	if f == nil {
		return nil
	}
	for i := range f.Fields {
		if f.Fields[i].Var == name {
			return &f.Fields[i]
		}
	}
	return nil
}

// clone copies f deeply enough that changing the copy's values leaves f
// alone.
func (f *Form) clone() *Form {
	if f == nil {
		return nil
	}
	c := *f
	c.Fields = make([]Field, len(f.Fields))
	for i, fd := range f.Fields {
		fd.Values = append([]string(nil), fd.Values...)
		c.Fields[i] = fd
	}
	return &c
}

// Bool is a boolean field's value as XEP-0004 writes it.
func Bool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
