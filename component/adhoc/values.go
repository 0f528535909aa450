package adhoc

// Values are a submitted form's answers, checked against the form the
// command showed: every field of that form that takes an answer is
// present (its default when the user gave none), booleans read "true" or
// "false", list choices are among the options, JIDs are normalised.
type Values map[string][]string

// Get is the first value of field name, or "".
func (v Values) Get(name string) string {
	if vs := v[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Bool is a boolean field's value.
func (v Values) Bool(name string) bool { return v.Get(name) == "true" }

// List is every value of field name.
func (v Values) List(name string) []string { return v[name] }
