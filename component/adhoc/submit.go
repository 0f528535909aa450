package adhoc

import (
	"fmt"
	"slices"
	"strings"

	"mellium.im/xmpp/jid"
)

// formType is the hidden field naming a form's kind (XEP-0068); clients
// echo it back.
const formType = "FORM_TYPE"

// check reads sub, the user's answers to shown, into Values. A field the
// user left out takes its default from shown; hidden fields always keep
// shown's values (a client cannot change what the command hid); a field
// shown does not have is refused.
func check(shown, sub *Form) (Values, error) {
	if sub != nil && sub.Type != TypeSubmit {
		return nil, fmt.Errorf("%w: a submitted form has type submit, not %q", ErrMalformed, sub.Type)
	}
	vals := Values{}
	given := map[string][]string{}
	if sub != nil {
		for _, fd := range sub.Fields {
			if fd.Var == "" {
				continue // a fixed field echoed back
			}
			sf := shown.Field(fd.Var)
			if sf == nil {
				if fd.Var == formType {
					continue
				}
				return nil, malformed(fd.Var, "not a field of this form")
			}
			given[fd.Var] = fd.Values
		}
	}
	if shown == nil {
		return vals, nil
	}
	for _, sf := range shown.Fields {
		if !sf.asks() {
			if sf.Var != "" && sf.kind() == Hidden {
				vals[sf.Var] = slices.Clone(sf.Values)
			}
			continue
		}
		vs, ok := given[sf.Var]
		if !ok {
			vs = sf.Values
		}
		norm, err := checkValues(sf, vs)
		if err != nil {
			return nil, err
		}
		vals[sf.Var] = norm
	}
	return vals, nil
}

// checkValues checks one field's answers against its type and options.
func checkValues(sf Field, vs []string) ([]string, error) {
	if len(vs) > 1 && !multi(sf.kind()) {
		return nil, malformed(sf.Var, "takes one value, got %d", len(vs))
	}
	out := make([]string, 0, len(vs))
	if len(vs) > maxValues {
		return nil, malformed(sf.Var, "%d values (at most %d)", len(vs), maxValues)
	}
	for _, v := range vs {
		if v == "" && !multi(sf.kind()) {
			continue
		}
		if len(v) > maxValueLen {
			return nil, malformed(sf.Var, "a value longer than %d bytes", maxValueLen)
		}
		switch sf.kind() {
		case Boolean:
			switch strings.TrimSpace(v) {
			case "1", "true":
				v = "true"
			case "0", "false":
				v = "false"
			default:
				return nil, malformed(sf.Var, "%q is not true or false", v)
			}
		case ListSingle, ListMulti:
			if !slices.ContainsFunc(sf.Options, func(o Option) bool { return o.Value == v }) {
				return nil, malformed(sf.Var, "%q is not one of the choices", v)
			}
		case JIDSingle, JIDMulti:
			j, err := jid.Parse(strings.TrimSpace(v))
			if err != nil {
				return nil, malformed(sf.Var, "%q is not a JID", v)
			}
			v = j.String()
		case TextSingle, TextPrivate:
			if strings.ContainsAny(v, "\r\n") {
				return nil, malformed(sf.Var, "takes one line")
			}
		}
		out = append(out, v)
	}
	if sf.Required && len(out) == 0 {
		return nil, malformed(sf.Var, "is required")
	}
	return out, nil
}
