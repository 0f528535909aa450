package testenv

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"
)

// Ejabberd is an ejabberd XMPP server private to one test, serving the virtual
// host "localhost" and one external component (XEP-0114).
//
// It runs as its own Erlang node (a random short name and cookie) with its own
// config, Mnesia database and logs in Dir. It does not use epmd: the node's
// distribution port is fixed and on loopback, as with ERL_DIST_PORT in
// ejabberdctl.cfg, so it neither depends on nor disturbs a system-wide
// ejabberd or other tests.
type Ejabberd struct {
	Domain          string // "localhost"
	ComponentDomain string // e.g. "sms.localhost"
	ComponentSecret string
	C2SAddr         string // 127.0.0.1:port, plain c2s (no TLS offered)
	ComponentAddr   string // 127.0.0.1:port, XEP-0114 (ejabberd_service)
	Dir             string // config, Mnesia database (db), logs

	node     string // Erlang node name, e.g. sbtest-1a2b3c4d@localhost
	cookie   string
	distPort int    // Erlang distribution, 127.0.0.1 only
	erl      string // path of erl
	erlLibs  string // Dir/lib: ejabberd's Erlang applications (see linkLibs)
	proc     *proc  // nil while stopped
}

//go:embed ejabberd.yml.tmpl
var ejabberdConfig string

var ejabberdTmpl = template.Must(template.New("ejabberd.yml").Funcs(template.FuncMap{
	"yaml": yamlString,
}).Parse(ejabberdConfig))

// ejabberdStartTimeout bounds one start; a cold start takes about 2s.
const ejabberdStartTimeout = 30 * time.Second

// StartEjabberd writes a config into a temporary directory, starts ejabberd in
// the foreground and waits until it reports itself started and its c2s and
// component ports accept connections. t.Cleanup stops it. opts are those of
// StartProsody, with the same defaults.
func StartEjabberd(t testing.TB, opts ProsodyOptions) *Ejabberd {
	t.Helper()
	if testing.Short() {
		t.Skip("testenv: starts ejabberd (skipped with -short)")
	}
	if opts.ComponentDomain == "" {
		opts.ComponentDomain = "sms.localhost"
	}
	if opts.ComponentSecret == "" {
		opts.ComponentSecret = randomSecret()
	}
	erl, erlLibs, err := ejabberdInstall()
	if err != nil {
		t.Fatal(err)
	}
	e := &Ejabberd{
		Domain:          "localhost",
		ComponentDomain: opts.ComponentDomain,
		ComponentSecret: opts.ComponentSecret,
		Dir:             t.TempDir(),
		node:            "sbtest-" + randomSecret()[:12] + "@localhost",
		cookie:          randomSecret(),
		erl:             erl,
	}
	for _, sub := range []string{"db", "logs", "lib"} {
		if err := os.Mkdir(filepath.Join(e.Dir, sub), 0o750); err != nil {
			t.Fatalf("testenv: create ejabberd %s dir: %v", sub, err)
		}
	}
	if err := e.linkLibs(erlLibs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testenv: ejabberd log tail (%s):\n%s", e.logPath(), e.LogTail())
		}
		e.kill()
	})
	for attempt := 1; ; attempt++ {
		err := e.writeConfig(freePorts(t, 3))
		if err == nil {
			err = e.start()
		}
		if err == nil {
			return e
		}
		if attempt == 3 || !portTaken(err) {
			t.Fatal(err)
		}
		// The failed node may have left a half-created Mnesia database.
		db := filepath.Join(e.Dir, "db")
		if err := os.RemoveAll(db); err != nil {
			t.Fatalf("testenv: clear ejabberd database: %v", err)
		}
		if err := os.Mkdir(db, 0o750); err != nil {
			t.Fatalf("testenv: create ejabberd db dir: %v", err)
		}
	}
}

// ejabberdInstall finds erl and the directory holding ejabberd's Erlang
// applications, both as /usr/sbin/ejabberdctl knows them.
func ejabberdInstall() (erl, erlLibs string, err error) {
	ctl, err := lookBinary("ejabberdctl", "ejabberd")
	if err != nil {
		// Debian puts it in /usr/sbin, which a normal user's PATH lacks.
		if _, serr := os.Stat("/usr/sbin/ejabberdctl"); serr != nil {
			return "", "", err
		}
		ctl = "/usr/sbin/ejabberdctl"
	}
	script, err := os.ReadFile(ctl)
	if err != nil {
		return "", "", fmt.Errorf("testenv: read %s: %w", ctl, err)
	}
	if m := regexp.MustCompile(`(?m)^ERL="?([^"\n]+)"?$`).FindSubmatch(script); m != nil {
		erl = string(m[1])
	} else if erl, err = lookBinary("erl", "erlang-base"); err != nil {
		return "", "", err
	}
	if m := regexp.MustCompile(`(?m)^ERL_LIBS='?([^'\n]+)'?$`).FindSubmatch(script); m != nil {
		erlLibs = string(m[1])
	} else {
		// Not the Debian script: look for the ejabberd application itself.
		apps, _ := filepath.Glob("/usr/lib/*/ejabberd-*/ebin/ejabberd.app")
		if len(apps) == 0 {
			return "", "", fmt.Errorf("testenv: cannot tell from %s where ejabberd's Erlang libraries are", ctl)
		}
		erlLibs = filepath.Dir(filepath.Dir(filepath.Dir(apps[0])))
	}
	return erl, erlLibs, nil
}

// linkLibs links the Erlang applications in dir (Debian's ERL_LIBS, which is
// all of /usr/lib/<arch>) into Dir/lib and uses that as ERL_LIBS: every
// Erlang node scans all of ERL_LIBS when it boots, and scanning over a
// thousand shared-library entries costs each node 0.2s.
func (e *Ejabberd) linkLibs(dir string) error {
	ebins, err := filepath.Glob(filepath.Join(dir, "*", "ebin"))
	if err != nil || len(ebins) == 0 {
		return fmt.Errorf("testenv: no Erlang application in %s (ejabberd's ERL_LIBS): %v", dir, err)
	}
	e.erlLibs = filepath.Join(e.Dir, "lib")
	for _, ebin := range ebins {
		app := filepath.Dir(ebin)
		if err := os.Symlink(app, filepath.Join(e.erlLibs, filepath.Base(app))); err != nil {
			return fmt.Errorf("testenv: link %s: %w", app, err)
		}
	}
	return nil
}

// writeConfig renders the config for the given c2s, component and Erlang
// distribution ports.
func (e *Ejabberd) writeConfig(ports []int) error {
	e.C2SAddr = loopback(ports[0])
	e.ComponentAddr = loopback(ports[1])
	e.distPort = ports[2]
	var cfg strings.Builder
	err := ejabberdTmpl.Execute(&cfg, map[string]any{
		"Dir":             e.Dir,
		"Domain":          e.Domain,
		"ComponentDomain": e.ComponentDomain,
		"ComponentSecret": e.ComponentSecret,
		"C2SPort":         ports[0],
		"ComponentPort":   ports[1],
	})
	if err != nil {
		return fmt.Errorf("testenv: render ejabberd config: %w", err)
	}
	if err := os.WriteFile(e.configPath(), []byte(cfg.String()), 0o600); err != nil {
		return fmt.Errorf("testenv: write ejabberd config: %w", err)
	}
	return nil
}

// Start starts ejabberd again after Stop, as the same Erlang node on the same
// ports and with the same database, so accounts and offline messages are
// kept.
func (e *Ejabberd) Start(t testing.TB) {
	t.Helper()
	if e.proc != nil {
		t.Fatalf("testenv: ejabberd on %s is already running", e.C2SAddr)
	}
	if err := e.start(); err != nil {
		t.Fatal(err)
	}
}

func (e *Ejabberd) start() error {
	logStart := fileSize(e.logPath())
	outPath := filepath.Join(e.Dir, "ejabberd.out")
	// What `ejabberdctl foreground-quiet` runs with ERL_DIST_PORT set, but
	// without ejabberdctl: as root it su's to the ejabberd user, who cannot
	// enter a root-owned t.TempDir(), and its checks look at every beam
	// process and epmd name on the machine.
	args := e.erlArgs(e.node,
		"-noinput",
		"-kernel", "inet_dist_use_interface", "{127,0,0,1}",
		"-mnesia", "dir", erlString(filepath.Join(e.Dir, "db")),
		"-ejabberd", "quiet", "true", // the console gets only critical messages
		"-s", "ejabberd",
	)
	pr, err := startProc("env", args, e.Dir, outPath)
	if err != nil {
		return err
	}
	e.proc = pr

	deadline := time.Now().Add(ejabberdStartTimeout)
	for !logContains(e.logPath(), logStart, " is started in the node ") {
		if pr.exited() || time.Now().After(deadline) {
			return e.startFailed(fmt.Sprintf("did not start (exit: %v)", pr.err), outPath, logStart)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The listeners start around the time of the "started" line. A port
	// ejabberd cannot bind makes it exit.
	for _, addr := range []string{e.C2SAddr, e.ComponentAddr} {
		for !accepts(addr) {
			if pr.exited() || time.Now().After(deadline) {
				return e.startFailed(fmt.Sprintf("did not listen on %s (exit: %v)", addr, pr.err), outPath, logStart)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// ejabberd keeps running with a module that failed to start; such
	// errors only show in the log.
	if ejabberdLogErrors(e.logPath(), logStart) != "" {
		return e.startFailed("logged errors at startup", outPath, logStart)
	}
	return nil
}

// startFailed stops the node and describes why it did not come up.
func (e *Ejabberd) startFailed(why, outPath string, logStart int64) error {
	e.kill()
	if strings.Contains(tail(outPath, 20), "eaddrinuse") {
		// "Protocol 'inet_tcp': register/listen error: eaddrinuse": the
		// distribution port was taken. Say so in words portTaken knows.
		why += ": distribution port address in use"
	}
	// The first line of every error report (such as "Failed to open socket
	// at 127.0.0.1:5222 for ejabberd_c2s: address already in use"), then
	// the end of the log, where the reports' details are.
	errs := ejabberdLogErrors(e.logPath(), logStart)
	logged := strings.Join(logLines(e.logPath(), logStart, ""), "\n")
	return fmt.Errorf("testenv: ejabberd node %s %s\nerrors logged:\n%s\noutput:\n%s\nlog since this start:\n%s",
		e.node, why, errs, tail(outPath, 20), lastLines(logged, 40))
}

// erlArgs returns the arguments for env(1) that run erl as the Erlang node
// name, with this instance's environment, cookie and distribution port.
func (e *Ejabberd) erlArgs(node string, extra ...string) []string {
	args := []string{
		"EJABBERD_CONFIG_PATH=" + e.configPath(),
		"EJABBERD_LOG_PATH=" + e.logPath(),
		"ERL_LIBS=" + e.erlLibs,
		"ERL_CRASH_DUMP=" + filepath.Join(e.Dir, "logs", "erl_crash.dump"),
		"ERL_CRASH_DUMP_BYTES=0",
		"ERL_MAX_PORTS=4096",
		"HOME=" + e.Dir, // no node may read or write the real ~/.erlang.cookie
		// Flags from the caller's environment would apply to this node too.
		"ERL_FLAGS=", "ERL_AFLAGS=", "ERL_ZFLAGS=",
		e.erl,
		"-sname", node,
		"-setcookie", e.cookie,
		// No epmd: every node of this instance uses this one port, like
		// ERL_DIST_PORT in ejabberdctl.cfg.
		"-erl_epmd_port", strconv.Itoa(e.distPort),
		"-start_epmd", "false",
	}
	return append(args, extra...)
}

// ctl runs an ejabberdctl command against the running node, as ejabberdctl
// does: from a short-lived hidden node that does not listen itself.
func (e *Ejabberd) ctl(ctx context.Context, command ...string) (string, error) {
	args := e.erlArgs("sbctl-"+randomSecret()[:12]+"@localhost",
		"-hidden", "-noinput", "-dist_listen", "false",
		"-s", "ejabberd_ctl", "-extra", e.node)
	cmd := exec.CommandContext(ctx, "env", append(args, command...)...)
	cmd.Dir = e.Dir
	cmd.SysProcAttr = sysProcAttr()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Stop stops ejabberd (connected clients and components are disconnected).
// Stopping a stopped server does nothing.
func (e *Ejabberd) Stop(t testing.TB) {
	t.Helper()
	e.stop()
}

func (e *Ejabberd) stop() {
	if e.proc == nil {
		return
	}
	// SIGTERM makes the Erlang VM stop all applications in order (Mnesia
	// closes its files) and exit. ejabberd itself is stopped within 50ms;
	// the VM takes another second to exit (so does a bare erl).
	e.proc.stop(10*time.Second, nil)
	e.proc = nil
}

// kill ends the node at once, for when its database is thrown away anyway.
func (e *Ejabberd) kill() {
	if e.proc == nil {
		return
	}
	e.proc.stop(0, func() bool { return true })
	e.proc = nil
}

// Register creates the account user@Domain (or changes its password), with
// `ejabberdctl register`. Unlike Prosody's, ejabberd must be running. Each
// call starts an Erlang node: about half a second.
func (e *Ejabberd) Register(t testing.TB, user, password string) {
	t.Helper()
	if e.proc == nil {
		t.Fatalf("testenv: ejabberdctl register %s@%s: ejabberd is stopped", user, e.Domain)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := "register"
	out, err := e.ctl(ctx, cmd, user, e.Domain, password)
	if err != nil && strings.Contains(out, "conflict") {
		// "Error: conflict: User alice@localhost already registered"
		cmd = "change_password"
		out, err = e.ctl(ctx, cmd, user, e.Domain, password)
	}
	if err != nil {
		t.Fatalf("testenv: ejabberdctl %s %s@%s: %v\n%s\nlog tail:\n%s", cmd, user, e.Domain, err, out, e.LogTail())
	}
}

// Client logs user in over C2SAddr, binds a resource and sends initial
// presence, as Prosody.Client does. t.Cleanup closes it.
func (e *Ejabberd) Client(t testing.TB, user, password string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := dialClient(ctx, e.C2SAddr, e.Domain, user, password)
	if err != nil {
		t.Fatalf("testenv: log in as %s@%s: %v\nejabberd log tail:\n%s", user, e.Domain, err, e.LogTail())
	}
	t.Cleanup(c.Close)
	return c
}

// LogTail returns the last lines of the ejabberd log, for failure messages.
func (e *Ejabberd) LogTail() string {
	return tail(e.logPath(), 40)
}

func (e *Ejabberd) configPath() string { return filepath.Join(e.Dir, "ejabberd.yml") }
func (e *Ejabberd) logPath() string    { return filepath.Join(e.Dir, "logs", "ejabberd.log") }

// ejabberdLogErrors returns the log lines at level error or worse written
// after offset.
func ejabberdLogErrors(path string, offset int64) string {
	var errs []string
	for _, level := range []string{" [error] ", " [critical] ", " [alert] ", " [emergency] "} {
		errs = append(errs, logLines(path, offset, level)...)
	}
	return strings.Join(errs, "\n")
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// yamlString quotes s as a YAML double-quoted scalar; JSON's string syntax is
// a subset of it.
func yamlString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// erlString quotes s as an Erlang string literal, for -app key value
// arguments.
func erlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x{%x}", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
