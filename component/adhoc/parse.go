package adhoc

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// ErrMalformed is wrapped by every error about a form that breaks
// XEP-0004 or the gateway's bounds.
var ErrMalformed = errors.New("adhoc: malformed form")

// Bounds on what a form may hold: a client cannot make the gateway keep
// more than this.
const (
	maxFields   = 100
	maxValues   = 32
	maxOptions  = 256
	maxValueLen = 2048
	maxVarLen   = 256
)

// FieldError is a problem with one field; it wraps ErrMalformed, or
// ErrInvalid when a command refused the value.
type FieldError struct {
	Var     string
	Problem string
	err     error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("field %q: %s", e.Var, e.Problem)
}

func (e *FieldError) Unwrap() error { return e.err }

func malformed(v, format string, args ...any) error {
	return &FieldError{Var: v, Problem: fmt.Sprintf(format, args...), err: ErrMalformed}
}

// ParseForm reads a data form (<x xmlns="jabber:x:data">) strictly: a
// known form type, known field types, a var on every field but fixed ones,
// no var twice, at most one value for single-valued fields, and the bounds
// above.
func ParseForm(data []byte) (*Form, error) {
	var w wireForm
	if err := xml.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return w.form()
}

// form checks w and turns it into a Form.
func (w *wireForm) form() (*Form, error) {
	f := &Form{Type: FormType(w.Type)}
	switch f.Type {
	case TypeForm, TypeSubmit, TypeCancel, TypeResult:
	default:
		return nil, fmt.Errorf("%w: form type %q is not form, submit, cancel or result", ErrMalformed, w.Type)
	}
	if len(w.Title) > 1 {
		return nil, fmt.Errorf("%w: more than one title", ErrMalformed)
	}
	if len(w.Title) == 1 {
		f.Title = w.Title[0]
	}
	if len(w.Instructions) > maxFields {
		return nil, fmt.Errorf("%w: too many instructions", ErrMalformed)
	}
	f.Instructions = strings.Join(w.Instructions, "\n")
	if len(w.Fields) > maxFields {
		return nil, fmt.Errorf("%w: %d fields (at most %d)", ErrMalformed, len(w.Fields), maxFields)
	}
	if w.Reported != nil || len(w.Items) > 0 {
		// Tables are what the gateway shows, never what it reads.
		return nil, fmt.Errorf("%w: reported items are not accepted", ErrMalformed)
	}
	seen := make(map[string]bool, len(w.Fields))
	for _, wf := range w.Fields {
		fd, err := wf.field()
		if err != nil {
			return nil, err
		}
		if fd.Var != "" {
			if seen[fd.Var] {
				return nil, malformed(fd.Var, "given twice")
			}
			seen[fd.Var] = true
		}
		f.Fields = append(f.Fields, fd)
	}
	return f, nil
}

func (wf wireField) field() (Field, error) {
	fd := Field{Var: wf.Var, Type: FieldType(wf.Type), Label: wf.Label, Desc: wf.Desc, Required: wf.Required != nil, Values: wf.Values}
	switch fd.Type {
	case "", TextSingle, TextPrivate, TextMulti, ListSingle, ListMulti, Boolean, Fixed, Hidden, JIDSingle, JIDMulti:
	default:
		return Field{}, malformed(wf.Var, "unknown field type %q", wf.Type)
	}
	switch {
	case fd.Var == "" && fd.Type != Fixed:
		return Field{}, malformed("", "a field without a var")
	case len(fd.Var) > maxVarLen:
		return Field{}, malformed(fd.Var[:32]+"…", "var longer than %d bytes", maxVarLen)
	case len(fd.Values) > maxValues:
		return Field{}, malformed(fd.Var, "%d values (at most %d)", len(fd.Values), maxValues)
	case len(fd.Values) > 1 && !multi(fd.Type):
		return Field{}, malformed(fd.Var, "%d values for a single-valued field", len(fd.Values))
	case len(wf.Options) > maxOptions:
		return Field{}, malformed(fd.Var, "%d options (at most %d)", len(wf.Options), maxOptions)
	case len(wf.Options) > 0 && fd.Type != ListSingle && fd.Type != ListMulti:
		return Field{}, malformed(fd.Var, "options on a field of type %s", fd.kind())
	}
	for _, v := range fd.Values {
		if len(v) > maxValueLen {
			return Field{}, malformed(fd.Var, "a value longer than %d bytes", maxValueLen)
		}
	}
	for _, o := range wf.Options {
		fd.Options = append(fd.Options, Option(o))
	}
	return fd, nil
}

// multi reports whether a field of type t may hold several values.
func multi(t FieldType) bool {
	return t == TextMulti || t == ListMulti || t == JIDMulti || t == Fixed || t == Hidden
}
