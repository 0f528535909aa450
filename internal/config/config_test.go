package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// leaf is a section with a default and a rule, as an owning package writes one.
type leaf struct {
	Every time.Duration `toml:"every"`
	Count int           `toml:"count"`
	On    bool          `toml:"on"`
	Name  string        `toml:"name"`
	Rate  float64       `toml:"rate"`
}

func (l *leaf) Check() error {
	if l.Every == 0 {
		l.Every = time.Minute
	}
	if l.Count < 0 {
		return Invalid("count", "%d is negative", l.Count)
	}
	return nil
}

type table struct {
	A *leaf `toml:"a"`
	B *leaf `toml:"b"`
}

type file struct {
	Hosts  []string `toml:"hosts"`
	Top    leaf     `toml:"top"`
	Tables table    `toml:"tables"`
	Opt    *leaf    `toml:"opt"`
}

func (f *file) Check() error {
	if f.Tables.A == nil && f.Tables.B == nil {
		return Invalid("tables", "none")
	}
	return nil
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		env       []string
		want      string // "" for success, else a substring of the error
		check     func(*testing.T, *file)
	}{
		{name: "defaults", src: "[tables.a]\n", check: func(t *testing.T, f *file) {
			if f.Top.Every != time.Minute || f.Tables.A.Every != time.Minute || f.Opt != nil {
				t.Errorf("%+v %+v %v", f.Top, f.Tables.A, f.Opt)
			}
		}},
		{name: "values", src: "[top]\nevery = \"90s\"\ncount = 3\non = true\nname = \"x\"\n[tables.b]\n", check: func(t *testing.T, f *file) {
			if f.Top != (leaf{Every: 90 * time.Second, Count: 3, On: true, Name: "x"}) {
				t.Errorf("%+v", f.Top)
			}
		}},
		{name: "env makes a section", src: "", env: []string{"SWITCHBOARD_TABLES_B_EVERY=2h", "SWITCHBOARD_OPT_COUNT=7", "SWITCHBOARD_TOP_ON=1", "PATH=/bin"}, check: func(t *testing.T, f *file) {
			if f.Tables.B == nil || f.Tables.B.Every != 2*time.Hour || f.Opt == nil || f.Opt.Count != 7 || !f.Top.On {
				t.Errorf("%+v %+v %+v", f.Tables.B, f.Opt, f.Top)
			}
		}},
		{name: "env over file", src: "[top]\nname = \"file\"\n[tables.a]\n", env: []string{"SWITCHBOARD_TOP_NAME=env"}, check: func(t *testing.T, f *file) {
			if f.Top.Name != "env" {
				t.Errorf("name %q", f.Top.Name)
			}
		}},
		{name: "list", src: "hosts = [\"a\", \"b\"]\n[tables.a]\n", check: func(t *testing.T, f *file) {
			if strings.Join(f.Hosts, "|") != "a|b" {
				t.Errorf("hosts %q", f.Hosts)
			}
		}},
		{name: "env list is comma-separated", src: "hosts = [\"file\"]\n[tables.a]\n", env: []string{"SWITCHBOARD_HOSTS= a, b,,c "}, check: func(t *testing.T, f *file) {
			if strings.Join(f.Hosts, "|") != "a|b|c" {
				t.Errorf("hosts %q", f.Hosts)
			}
		}},
		{name: "key named from the root", src: "[tables.a]\ncount = -1\n", want: "config: invalid: tables.a.count: -1 is negative"},
		{name: "root rule", src: "", want: "config: invalid: tables: none"},
		{name: "unknown key", src: "[tables.a]\ncuont = 1\n", want: "unknown key tables.a.cuont"},
		{name: "unknown table", src: "[tables.c]\n[tables.a]\n", want: "unknown key tables.c"},
		{name: "bad duration", src: "[top]\nevery = \"soon\"\n[tables.a]\n", want: "every"},
		{name: "bad env duration", src: "[tables.a]\n", env: []string{"SWITCHBOARD_TOP_EVERY=5"}, want: "top.every: SWITCHBOARD_TOP_EVERY=\"5\" is not a duration"},
		{name: "bad env int", src: "[tables.a]\n", env: []string{"SWITCHBOARD_TOP_COUNT=many"}, want: "top.count"},
		{name: "bad env bool", src: "[tables.a]\n", env: []string{"SWITCHBOARD_TOP_ON=maybe"}, want: "top.on"},
		{name: "float", src: "[top]\nrate = 2\n[tables.a]\nrate = 0.5\n", check: func(t *testing.T, f *file) {
			if f.Top.Rate != 2 || f.Tables.A.Rate != 0.5 {
				t.Errorf("rates %v %v", f.Top.Rate, f.Tables.A.Rate)
			}
		}},
		{name: "env float", src: "[tables.a]\n", env: []string{"SWITCHBOARD_TOP_RATE=1.5", "SWITCHBOARD_TABLES_A_RATE=3"}, check: func(t *testing.T, f *file) {
			if f.Top.Rate != 1.5 || f.Tables.A.Rate != 3 {
				t.Errorf("rates %v %v", f.Top.Rate, f.Tables.A.Rate)
			}
		}},
		{name: "bad env float", src: "[tables.a]\n", env: []string{"SWITCHBOARD_TOP_RATE=fast"}, want: "top.rate: SWITCHBOARD_TOP_RATE=\"fast\" is not a float64"},
		{name: "not TOML", src: "[top\n", want: "config: toml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f file
			err := Decode([]byte(tc.src), tc.env, &f)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Decode = %v, want %q", err, tc.want)
				}
				if strings.HasPrefix(tc.want, "config: invalid") && !errors.Is(err, ErrInvalid) {
					t.Errorf("%v is not ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, &f)
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	in := file{Top: leaf{Every: 90 * time.Second, Count: 2, Name: "n"}, Tables: table{A: &leaf{On: true}}}
	b, err := Encode(&in)
	if err != nil {
		t.Fatal(err)
	}
	var out file
	if err := Decode(b, nil, &out); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if out.Top != in.Top || out.Tables.A == nil || !out.Tables.A.On || out.Tables.B != nil {
		t.Fatalf("round trip:\n%s", b)
	}
}

func TestLoadMissingFile(t *testing.T) {
	var f file
	if err := Load(filepath.Join(t.TempDir(), "nope.toml"), nil, &f); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load = %v", err)
	}
}
