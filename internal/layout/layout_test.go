package layout

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/switchboard-gw/switchboard"

// pkg is what `go list -json -deps` says of one package.
type pkg struct {
	ImportPath string
	Imports    []string // direct
	Deps       []string // transitive
	Module     *struct{ Path string }
}

// listModule returns the module's own packages, tests' imports included
// for the direct rules.
func listModule(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "-deps=false", "./...")
	cmd.Dir = root(t)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("layout: go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = p
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("layout: no go.mod at %s", dir)
	}
	return dir
}

// under reports whether import path p (relative to the module, or a
// foreign path) is dir or below it.
func under(p string, dirs ...string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

func rel(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, module), "/") }

// TestTopLevel: the top level reads as the design.
func TestTopLevel(t *testing.T) {
	want := []string{"billing", "carriers", "cmd", "component", "deploy", "internal", "jingle", "tools"}
	entries, err := os.ReadDir(root(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !slices.Contains(want, e.Name()) {
			t.Errorf("top-level folder %s/ is not in the design (%v): features go under their capability, plumbing under internal/", e.Name(), want)
		}
	}
}

// TestImportRules checks, over every package's transitive imports:
//   - carriers know nothing of XMPP or voice;
//   - the SMS path (component, carriers, store, phone, numbers, config, mms)
//     never reaches the voice tree's running parts (bridge, trunk, media,
//     softphone, pion's WebRTC stack, sipgo); component reads Jingle
//     stanzas (package jingle) only to hand them on;
//   - the Jingle protocol package knows nothing of SIP;
//   - the ledger (billing) knows nothing of carriers or Jingle, and the
//     ledger package itself nothing of payment providers (billing/topup);
//   - nothing imports cmd.
func TestImportRules(t *testing.T) {
	pkgs := listModule(t)
	// The voice tree's running parts: the bridge and its SIP, media and
	// softphone legs, and the libraries that carry calls. (The Jingle
	// protocol package and the SDP parser it maps with are not: the XMPP
	// side reads Jingle stanzas to hand them on.)
	voice := []string{"jingle/bridge", "jingle/trunk", "jingle/media", "jingle/softphone",
		"github.com/pion/webrtc", "github.com/pion/ice", "github.com/pion/dtls", "github.com/pion/srtp", "github.com/pion/rtp", "github.com/emiago/sipgo"}
	rules := []struct {
		who    []string // packages the rule binds
		never  []string // what they must not reach
		reason string
	}{
		{[]string{"carriers"}, append([]string{"mellium.im", "component", "jingle", "github.com/pion"}, voice...), "carriers know nothing of XMPP or voice"},
		{[]string{"component", "carriers", "internal/store", "internal/phone", "internal/numbers", "internal/config", "internal/mms"}, voice, "the SMS path never imports the voice tree"},
		{[]string{"jingle"}, []string{"jingle/bridge", "jingle/trunk", "jingle/softphone", "github.com/emiago/sipgo"}, "the Jingle protocol knows nothing of SIP"},
		{[]string{"billing"}, []string{"carriers", "jingle", "component", "github.com/pion", "github.com/emiago/sipgo"}, "the ledger knows nothing of carriers or Jingle"},
	}
	for path, p := range pkgs {
		for _, imp := range p.Imports {
			if under(rel(imp), "cmd") && strings.HasPrefix(imp, module) {
				t.Errorf("%s imports %s: nothing imports cmd", path, imp)
			}
		}
		for _, r := range rules {
			bound := false
			for _, w := range r.who {
				// "jingle" binds the protocol package alone, not its subfolders.
				if path == w || (w != "jingle" && under(path, w)) {
					bound = true
				}
			}
			if !bound {
				continue
			}
			for _, dep := range p.Deps {
				d := dep
				if strings.HasPrefix(dep, module) {
					d = rel(dep)
				}
				if under(d, r.never...) {
					t.Errorf("%s reaches %s: %s", path, dep, r.reason)
				}
			}
		}
	}
	for _, must := range []string{"component", "carriers/twilio", "jingle", "jingle/bridge", "internal/app", "billing", "billing/topup"} {
		if _, ok := pkgs[must]; !ok {
			t.Errorf("package %s not found; the rules above check nothing", must)
		}
	}
	// The ledger itself (not its subfolders) knows no payment provider:
	// billing/topup depends on it, never the reverse.
	for _, dep := range pkgs["billing"].Deps {
		if under(rel(dep), "billing/topup", "github.com/stripe") {
			t.Errorf("billing reaches %s: the ledger knows nothing of payment providers", dep)
		}
	}
}
