package mms

import (
	"fmt"
	"mime"
	"time"
)

// maxNameLen bounds a file name.
const maxNameLen = 64

// Item describes a stored file.
type Item struct {
	// Type is the content type it is served with ("image/jpeg").
	Type string
	// Name is the file name in its URL, name.ext: letters, digits, '.',
	// '-' and '_', starting with a letter or digit, at most 64 bytes.
	Name string
	// Size and Expires are set by the store.
	Size    int64
	Expires time.Time
}

// check validates what a caller of Put chose.
func (it Item) check() error {
	if !validName(it.Name) {
		return fmt.Errorf("%w: name %q", ErrBadItem, it.Name)
	}
	if _, _, err := mime.ParseMediaType(it.Type); err != nil {
		return fmt.Errorf("%w: content type %q", ErrBadItem, it.Type)
	}
	return nil
}

// validName reports whether s is a file name the handler serves: one path
// segment that needs no escaping and is no dot file.
func validName(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case (c == '.' || c == '-' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}
