// Package layout holds no code: its test checks the repository's shape and
// the import rules that keep its parts apart (see layout_test.go).
package layout
