// Package config decodes Switchboard's TOML configuration file and applies
// SWITCHBOARD_<SECTION>_<KEY> environment overrides on top of it.
//
// It knows no setting itself. Each section of the file is a type owned by
// the package it configures (component.Config is [component],
// trunk.Config is [sip], …), with toml tags and a Check method that fills
// its defaults and validates it, returning Invalid for a bad key. Decode
// runs every Check and names the whole key (sip.listen) in the error, so
// that `switchboard check` and `switchboard run` apply the very same rules.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// ErrInvalid is wrapped by every error about a value; the message names the
// key.
var ErrInvalid = errors.New("config: invalid")

// Checker is implemented by sections: Check fills in defaults and checks
// every value, returning an Invalid error for the first bad key (relative
// to the section: "listen", not "sip.listen").
type Checker interface {
	Check() error
}

// KeyError is a bad value of one key, as a section reports it.
type KeyError struct {
	Key string // relative to the section that reported it; "" for the section itself
	Msg string
}

func (e *KeyError) Error() string {
	if e.Key == "" {
		return e.Msg
	}
	return e.Key + ": " + e.Msg
}

// Unwrap makes every KeyError an ErrInvalid.
func (e *KeyError) Unwrap() error { return ErrInvalid }

// Invalid is what a section's Check returns for a bad key.
func Invalid(key, format string, args ...any) error {
	return &KeyError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Load reads path into dst (a pointer to the struct of sections), applies
// environment overrides from environ (os.Environ form) and checks every
// section.
func Load(path string, environ []string, dst any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return Decode(data, environ, dst)
}

// Decode is Load on the file's contents.
func Decode(data []byte, environ []string, dst any) error {
	md, err := toml.Decode(string(data), dst)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		return fmt.Errorf("%w: unknown key %s", ErrInvalid, undec[0])
	}
	root := reflect.ValueOf(dst).Elem()
	if err := applyEnv(root, environ); err != nil {
		return err
	}
	return check(root, "")
}

// Encode writes v in the file's syntax, for programs that build a
// configuration (the demo, tests, benchmarks) and want it to go through
// the same defaults and checks as a file.
func Encode(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return b.Bytes(), nil
}

// check runs Check on every section below v, innermost first (a carrier's
// section before the table of carriers), then on v itself.
func check(v reflect.Value, path string) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := tomlName(f)
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() || fv.Elem().Kind() != reflect.Struct {
				continue
			}
			fv = fv.Elem()
		}
		if fv.Kind() != reflect.Struct || fv.Type() == reflect.TypeFor[time.Time]() {
			continue
		}
		if err := check(fv, join(path, name)); err != nil {
			return err
		}
	}
	c, ok := v.Addr().Interface().(Checker)
	if !ok {
		return nil
	}
	err := c.Check()
	if err == nil {
		return nil
	}
	var ke *KeyError
	if errors.As(err, &ke) {
		return fmt.Errorf("%w: %s: %s", ErrInvalid, join(path, ke.Key), ke.Msg)
	}
	if path == "" {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
}

func join(path, key string) string {
	switch {
	case path == "":
		return key
	case key == "":
		return path
	}
	return path + "." + key
}

func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// applyEnv overrides fields from SWITCHBOARD_<SECTION>_<KEY> variables; a
// variable naming a section that the file lacks (a carrier, [sip])
// creates it.
func applyEnv(root reflect.Value, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "SWITCHBOARD_") {
			env[k] = v
		}
	}
	if len(env) == 0 {
		return nil
	}
	return walk(root, "SWITCHBOARD", "", env)
}

var durationType = reflect.TypeFor[time.Duration]()

func walk(v reflect.Value, prefix, keyPath string, env map[string]string) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := tomlName(f)
		if !f.IsExported() || name == "-" {
			continue
		}
		envName := prefix + "_" + strings.ToUpper(name)
		key := join(keyPath, name)
		fv := v.Field(i)
		s, set := env[envName]
		bad := func() error {
			return fmt.Errorf("%w: %s: %s=%q is not a %s", ErrInvalid, key, envName, s, fv.Type())
		}
		switch {
		case fv.Kind() == reflect.Struct:
			if err := walk(fv, envName, key, env); err != nil {
				return err
			}
		case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct:
			if !anyWithPrefix(env, envName+"_") {
				continue
			}
			if fv.IsNil() {
				fv.Set(reflect.New(fv.Type().Elem()))
			}
			if err := walk(fv.Elem(), envName, key, env); err != nil {
				return err
			}
		case !set:
		case fv.Type() == durationType:
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("%w: %s: %s=%q is not a duration such as 30s", ErrInvalid, key, envName, s)
			}
			fv.SetInt(int64(d))
		case fv.Kind() == reflect.String:
			fv.SetString(s)
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
			// A list is written comma-separated: "a, b".
			list := reflect.MakeSlice(fv.Type(), 0, 4)
			for _, e := range strings.Split(s, ",") {
				if e = strings.TrimSpace(e); e != "" {
					list = reflect.Append(list, reflect.ValueOf(e).Convert(fv.Type().Elem()))
				}
			}
			fv.Set(list)
		case fv.Kind() == reflect.Bool:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fmt.Errorf("%w: %s: %s=%q is not true or false", ErrInvalid, key, envName, s)
			}
			fv.SetBool(b)
		case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Bool:
			// A *bool tells "unset" (the owner's default) from false.
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fmt.Errorf("%w: %s: %s=%q is not true or false", ErrInvalid, key, envName, s)
			}
			fv.Set(reflect.ValueOf(&b).Convert(fv.Type()))
		case fv.CanInt():
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || fv.OverflowInt(n) {
				return bad()
			}
			fv.SetInt(n)
		case fv.CanFloat():
			x, err := strconv.ParseFloat(s, fv.Type().Bits())
			if err != nil {
				return bad()
			}
			fv.SetFloat(x)
		default:
			return bad()
		}
	}
	return nil
}

func anyWithPrefix(env map[string]string, prefix string) bool {
	for k := range env {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// Duration gives *d its default def when unset (zero) and refuses a
// negative value; the error names key.
func Duration(key string, d *time.Duration, def time.Duration) error {
	if *d < 0 {
		return Invalid(key, "%v is negative", *d)
	}
	if *d == 0 {
		*d = def
	}
	return nil
}

// Rate gives *r its default def when unset (zero) and refuses anything but
// a positive, finite number; the error names key.
func Rate(key string, r *float64, def float64) error {
	if *r == 0 {
		*r = def
	}
	if !(*r > 0) || math.IsInf(*r, 0) {
		return Invalid(key, "%v is not a positive number of messages per second", *r)
	}
	return nil
}
