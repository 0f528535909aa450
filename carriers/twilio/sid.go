package twilio

import "encoding/json"

// sidOf returns the "sid" member of the JSON object b, looking at the
// object's own members only (not at nested objects'), and reports whether
// there was one. It walks the bytes rather than decode the whole message
// resource: the answer to every send is read for this one field.
func sidOf(b []byte) (string, bool) {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			end := stringEnd(b, i)
			if end < 0 {
				return "", false
			}
			if depth == 1 && string(b[i:end]) == `"sid"` {
				if v, ok := memberValue(b, end); ok {
					return v, true
				}
			}
			i = end - 1
		}
	}
	return "", false
}

// stringEnd returns the index just past the JSON string starting at b[i],
// or -1 when it does not end.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// memberValue reads the string value after a member name ending at i: the
// name is a key only when a colon follows it.
func memberValue(b []byte, i int) (string, bool) {
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return "", false
	}
	i = skipSpace(b, i+1)
	if i >= len(b) || b[i] != '"' {
		return "", false
	}
	end := stringEnd(b, i)
	if end < 0 {
		return "", false
	}
	var s string
	if json.Unmarshal(b[i:end], &s) != nil {
		return "", false
	}
	return s, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
