//go:build linux

package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/carriers/twilio"
	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/internal/app"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// options come from BENCH_* environment variables; the number of messages
// per phase is -benchtime Nx.
type options struct {
	window      int    // BENCH_WINDOW: messages sent but not yet arrived
	warmup      int    // BENCH_WARMUP: messages sent before each measured phase
	latencyMsgs int    // BENCH_LATENCY_MSGS: messages sent one at a time for idle latency (0: skip)
	client      string // BENCH_CLIENT: raw (default) or testenv
	senders     int    // BENCH_SENDERS: XMPP accounts sending at once, each its own session
	// BENCH_HTTP_WORKERS: concurrent webhook requests, by default the
	// window. A carrier opens as many as it has messages to hand over, and
	// each waits on the gateway's proof that the XMPP server took its
	// message (a ping round trip): with fewer requests than the window the
	// phase would have fewer messages in flight than the echo's and measure
	// that wait rather than the gateway.
	httpWorkers int
	recipients  int    // BENCH_RECIPIENTS: distinct phone numbers (conversations per sender)
	cpuProfile  string // BENCH_CPUPROFILE: run the gateway as internal/bench/gwprof and profile it
	redisFsync  string // BENCH_REDIS_APPENDFSYNC: Redis's fsync policy, default everysec
	logDir      string // BENCH_LOGDIR: copy the gateway's, the echo's and Prosody's logs here
}

func loadOptions(tb testing.TB) options {
	o := options{window: 256, warmup: 1000, latencyMsgs: 300, client: "raw", senders: 1, recipients: 50}
	num := func(name string, v *int, least int) {
		if s := os.Getenv(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < least {
				tb.Fatalf("bench: %s=%q: want an integer >= %d", name, s, least)
			}
			*v = n
		}
	}
	num("BENCH_WINDOW", &o.window, 1)
	num("BENCH_WARMUP", &o.warmup, 0)
	num("BENCH_LATENCY_MSGS", &o.latencyMsgs, 0)
	num("BENCH_SENDERS", &o.senders, 1)
	o.httpWorkers = o.window
	num("BENCH_HTTP_WORKERS", &o.httpWorkers, 1)
	num("BENCH_RECIPIENTS", &o.recipients, 1)
	if s := os.Getenv("BENCH_CLIENT"); s != "" {
		if s != "raw" && s != "testenv" {
			tb.Fatalf("bench: BENCH_CLIENT=%q: want raw or testenv", s)
		}
		o.client = s
	}
	o.cpuProfile = os.Getenv("BENCH_CPUPROFILE")
	if o.cpuProfile != "" {
		abs, err := filepath.Abs(o.cpuProfile)
		must(tb, err, "BENCH_CPUPROFILE")
		o.cpuProfile = abs
	}
	// everysec is Redis's recommended AOF policy and what a production
	// gateway runs; testenv's "always" is for tests that restart Redis.
	o.redisFsync = cmp.Or(os.Getenv("BENCH_REDIS_APPENDFSYNC"), "everysec")
	o.logDir = os.Getenv("BENCH_LOGDIR")
	return o
}

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "f00dfacef00dfacef00dfacef00dface"
)

// env is everything the phases share.
type env struct {
	opts options
	dir  string

	redis   *testenv.Redis
	prosody *testenv.Prosody
	twilio  *fakeTwilio
	pids    map[string]int // prosody, redis

	gwBin, echoBin, cfgPath, gwURL string
	gw                             *child
	echo                           *echoProc

	users      []string // XMPP accounts that send, the first one also receives
	numbers    []string // their numbers
	recipients []string // E.164
	toJIDs     []string // recipients as number JIDs

	raw      []*rawClient
	tec      []*testenv.Client
	stopRecv context.CancelFunc
	hooks    []*webhookSender // every webhook sender made, to close
	nonce    string
}

func setup(b *testing.B, o options) *env {
	e := &env{opts: o, dir: b.TempDir(), nonce: randomHex(16)}
	// Build first: the servers' clocks start after.
	gwPkg, gwName := "github.com/switchboard-gw/switchboard/cmd/switchboard", "switchboard"
	if o.cpuProfile != "" {
		gwPkg, gwName = "github.com/switchboard-gw/switchboard/internal/bench/gwprof", "gwprof"
	}
	e.gwBin = goBuild(b, e.dir, gwName, gwPkg)
	e.echoBin = goBuild(b, e.dir, "echo", "github.com/switchboard-gw/switchboard/internal/bench/echo")
	if o.cpuProfile != "" {
		// The numbers subcommand is only in the real binary.
		goBuild(b, e.dir, "switchboard", "github.com/switchboard-gw/switchboard/cmd/switchboard")
	}

	e.redis = testenv.StartRedis(b)
	e.prosody = testenv.StartProsody(b, testenv.ProsodyOptions{})
	if o.logDir != "" {
		// Cleanups run last-in first-out: this one before the servers stop.
		b.Cleanup(func() {
			_ = os.MkdirAll(o.logDir, 0o755)
			for _, f := range []string{filepath.Join(e.dir, "gateway.log"), filepath.Join(e.dir, "echo.log"), filepath.Join(e.prosody.Dir, "prosody.log")} {
				if data, err := os.ReadFile(f); err == nil {
					_ = os.WriteFile(filepath.Join(o.logDir, filepath.Base(f)), data, 0o644)
				}
			}
		})
	}
	e.pids = map[string]int{"prosody": prosodyPID(e.prosody), "redis": redisPID(e.redis)}
	for name, pid := range e.pids {
		if pid == 0 {
			b.Logf("bench: cannot find the %s process; its CPU is not reported", name)
		}
	}
	if o.redisFsync != "" {
		rdb := redis.NewClient(&redis.Options{Addr: e.redis.Addr})
		ctx, cancel := ctxTimeout(5 * time.Second)
		must(b, rdb.ConfigSet(ctx, "appendfsync", o.redisFsync).Err(), "redis CONFIG SET appendfsync")
		cancel()
		rdb.Close()
	}
	e.twilio = startFakeTwilio(b, accountSID)

	for i := range o.recipients {
		e.recipients = append(e.recipients, fmt.Sprintf("+1201555%04d", 1000+i))
		e.toJIDs = append(e.toJIDs, e.recipients[i]+"@"+e.prosody.ComponentDomain)
	}
	for i := range o.senders {
		user := "bench"
		if i > 0 {
			user = "bench" + strconv.Itoa(i+1)
		}
		e.users = append(e.users, user)
		e.numbers = append(e.numbers, fmt.Sprintf("+120155501%02d", i))
		e.prosody.Register(b, user, "pw-"+user)
	}

	port := testenv.FreePort(b)
	e.gwURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	e.cfgPath = filepath.Join(e.dir, "switchboard.toml")
	cfg, err := (&app.Config{
		Component: component.Config{JID: e.prosody.ComponentDomain, Server: e.prosody.ComponentAddr, Secret: e.prosody.ComponentSecret},
		Redis:     store.Config{URL: e.redis.URL},
		HTTP:      app.HTTP{Listen: fmt.Sprintf("127.0.0.1:%d", port), PublicURL: e.gwURL},
		Numbers:   phone.Config{DefaultRegion: "US"},
		// Unpaced: the benchmark measures the gateway, not a long code's
		// 1 message per second.
		Carriers: app.Carriers{Twilio: &twilio.Config{AccountSID: accountSID, AuthToken: authToken, APIURL: e.twilio.URL, PerNumberRate: 1e9}},
		// The fake Twilio and the users' uploads are on loopback.
		MMS: mms.Config{Dir: filepath.Join(e.dir, "media"), FetchAllow: []string{"127.0.0.1/32"}},
	}).Marshal()
	must(b, err, "encode config")
	must(b, os.WriteFile(e.cfgPath, cfg, 0o600), "write config")
	cli := filepath.Join(e.dir, "switchboard")
	for i, user := range e.users {
		runCmd(b, cli, "numbers", "assign", "-c", e.cfgPath, e.numbers[i], user+"@"+e.prosody.Domain)
	}

	ctx, cancel := context.WithCancel(context.Background())
	e.stopRecv = cancel
	b.Cleanup(cancel)
	for i, user := range e.users {
		// Only the first account receives (it alone sends presence in raw
		// mode); messages to a bare JID go to every available session.
		switch o.client {
		case "raw":
			c, err := dialRaw(e.prosody.C2SAddr, e.prosody.Domain, user, "pw-"+user, "bench", i == 0)
			must(b, err, "raw client")
			go c.read(onStanza)
			b.Cleanup(c.Close)
			e.raw = append(e.raw, c)
		case "testenv":
			c := e.prosody.Client(b, user, "pw-"+user)
			go receiveTestenv(ctx, c)
			e.tec = append(e.tec, c)
		}
	}
	b.Cleanup(func() {
		for _, s := range e.hooks {
			s.close()
		}
	})
	return e
}

func (e *env) startGateway(b *testing.B) {
	args := []string{"run", "-c", e.cfgPath}
	if e.opts.cpuProfile != "" {
		args = []string{"-c", e.cfgPath, "-cpuprofile", e.opts.cpuProfile}
	}
	e.gw = startChild(b, "gateway", filepath.Join(e.dir, "gateway.log"), exec.Command(e.gwBin, args...), true)
	waitHealthy(b, e.gw, e.gwURL)
}

func (e *env) stopGateway() {
	e.gw.stop(10 * time.Second)
}

func (e *env) startEcho(b *testing.B) {
	e.echo = startEcho(b, e.echoBin, filepath.Join(e.dir, "echo.log"), e.prosody.ComponentAddr, e.prosody.ComponentDomain, e.prosody.ComponentSecret)
}

// xmppSenders send from every account to the recipients.
func (e *env) xmppSenders() []sender { return e.xmpp("") }

// mmsSenders send as xmppSenders, each message with a picture the user
// uploaded (XEP-0066), which the gateway looks at before sending.
func (e *env) mmsSenders() []sender { return e.xmpp(e.twilio.URL + "/files/pic.jpg") }

func (e *env) xmpp(media string) []sender {
	var ss []sender
	for _, c := range e.raw {
		ss = append(ss, &rawSender{c: c, to: e.toJIDs, media: media})
	}
	for _, c := range e.tec {
		ss = append(ss, &testenvSender{c: c, to: e.toJIDs})
	}
	return ss
}

// webhookSenders post inbound SMS for the first account's number.
func (e *env) webhookSenders() []sender { return e.webhooks("") }

// mmsWebhookSenders post inbound MMS: the gateway fetches each picture
// from the fake Twilio, stores it, and deletes it there.
func (e *env) mmsWebhookSenders() []sender { return e.webhooks(e.twilio.URL + e.twilio.mediaPath()) }

func (e *env) webhooks(media string) []sender {
	var ss []sender
	for range e.opts.httpWorkers {
		w := &webhookSender{addr: strings.TrimPrefix(e.gwURL, "http://"), url: e.gwURL + "/twilio/sms", authToken: authToken,
			accountSID: accountSID, to: e.numbers[0], from: e.recipients, nonce: e.nonce, media: media}
		e.hooks = append(e.hooks, w)
		ss = append(ss, w)
	}
	return ss
}

func (e *env) echoSenders() []sender {
	return []sender{&echoSender{e: e.echo, to: e.users[0] + "@" + e.prosody.Domain, from: e.toJIDs}}
}

// phase is one measured flow.
type phase struct {
	name      string
	points    []string // measuring points; the last finishes a message
	component *child   // the gateway or the echo, whose CPU is the point
	senders   func() []sender
	// burst writes all the phase's messages at once instead of keeping a
	// window of them in flight.
	burst bool
}

// result is one measured phase.
type result struct {
	phase     string
	component string // gateway or echo
	n         int
	wall      time.Duration
	points    []pointStats
	idle      []pointStats // at window 1
	cpu       []procCPU
	failures  map[string]int
	conns     int64         // new TCP connections to the fake Twilio
	statCPU   time.Duration // the component's CPU from /proc/PID/stat
	warnings  map[string]int
	// other is the CPU time every other process on the machine used while
	// measuring (from /proc/stat, 10 ms ticks: a few ticks are noise); steal
	// is what the hypervisor took.
	other, steal time.Duration
	// reconnects counts the times the gateway's component stream broke
	// during the measured messages; the figures are then not comparable.
	reconnects int
}

type procCPU struct {
	name string
	cpu  time.Duration
}

func (r *result) cpuOf(name string) time.Duration {
	for _, p := range r.cpu {
		if p.name == name {
			return p.cpu
		}
	}
	return -1
}

func (r *result) perMsg(name string) float64 {
	c := r.cpuOf(name)
	if c < 0 || r.n == 0 {
		return -1
	}
	return float64(c.Microseconds()) / float64(r.n)
}

func (e *env) procs(component *child) map[string]int {
	m := map[string]int{"bench": os.Getpid()}
	if component != nil {
		m[component.name] = component.pid()
	}
	for k, v := range e.pids {
		if v != 0 {
			m[k] = v
		}
	}
	return m
}

// snapshot reads the CPU time of procs; names ending in "/stat" hold the
// /proc/PID/stat reading of the same process.
func snapshot(procs map[string]int) map[string]time.Duration {
	m := map[string]time.Duration{}
	for name, pid := range procs {
		if d, err := cpuTime(pid); err == nil {
			m[name] = d
		}
		if d, err := statTime(pid); err == nil {
			m[name+"/stat"] = d
		}
	}
	return m
}

// measure warms up, then sends b.N messages through ph and measures them.
func (e *env) measure(b *testing.B, ph phase) *result {
	if w := min(e.opts.warmup, b.N); w > 0 {
		must(b, newRun(w, e.opts.window, ph.points...).drive(ph.senders()), "warm-up")
	}
	procs := e.procs(ph.component)
	conns0 := e.twilio.conns.Load()
	log0 := fileSize(ph.component.log)
	window := e.opts.window
	if ph.burst {
		window = b.N
	}
	r := newRun(b.N, window, ph.points...)
	cpu0 := snapshot(procs)
	sys0, steal0, _ := systemBusy()
	b.ResetTimer()
	start := time.Now()
	err := r.drive(ph.senders())
	wall := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatalf("bench: %s: %v\ncomponent log tail:\n%s", ph.name, err, ph.component.logTail())
	}
	if got := r.reached[len(ph.points)-1].Load(); got != int64(b.N) {
		b.Errorf("bench: %s: %d of %d messages arrived", ph.name, got, b.N)
	}
	time.Sleep(150 * time.Millisecond) // let the component finish (the gateway tracks after sending)
	cpu1 := snapshot(procs)
	sys1, steal1, _ := systemBusy()

	res := &result{phase: ph.name, component: ph.component.name, n: b.N, wall: wall, failures: r.failureCounts(), conns: e.twilio.conns.Load() - conns0,
		warnings: countWarnings(ph.component.log, log0)}
	for msg, n := range res.warnings {
		if strings.Contains(msg, "stream ended") {
			res.reconnects += n
		}
	}
	for i := range ph.points {
		res.points = append(res.points, r.stats(i))
	}
	for _, name := range []string{ph.component.name, "prosody", "redis", "bench"} {
		if c0, ok := cpu0[name]; ok {
			res.cpu = append(res.cpu, procCPU{name, cpu1[name] - c0})
		}
	}
	var ours time.Duration
	for _, c := range res.cpu {
		ours += c.cpu
	}
	res.other = sys1 - sys0 - ours
	res.steal = steal1 - steal0
	if c0, ok := cpu0[ph.component.name+"/stat"]; ok {
		res.statCPU = cpu1[ph.component.name+"/stat"] - c0
	}
	last := res.points[len(res.points)-1]
	b.ReportMetric(last.rate, "msgs/s")
	b.ReportMetric(float64(last.p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(last.p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(res.perMsg(ph.component.name), ph.component.name+"-cpu-µs/msg")

	if e.opts.latencyMsgs > 0 && b.N > 1 {
		lr := newRun(e.opts.latencyMsgs, 1, ph.points...)
		must(b, lr.drive(ph.senders()), "idle latency")
		for i := range ph.points {
			res.idle = append(res.idle, lr.stats(i))
		}
	}
	current.Store(nil)
	return res
}

// BenchmarkGateway runs every phase against one Prosody and one Redis:
//
//	gateway/xmpp-to-sms    client -> Prosody -> gateway -> Twilio API (fake)
//	gateway/sms-to-xmpp    signed webhook -> gateway -> Prosody -> client
//	echo/xmpp-to-component client -> Prosody -> echo (which does not answer)
//	echo/component-to-xmpp echo -> Prosody -> client (the echo sends on command)
//	echo/replying          client -> Prosody -> echo -> Prosody -> client
//	                       (also first, as echo/replying-before: the target's
//	                       baseline is the mean of the two)
//
// The echo takes over the gateway's component address once the gateway is
// stopped, so both see the same addresses, stanzas and server. b.N is the
// number of messages per phase (-benchtime Nx). A summary table is printed
// at the end.
func BenchmarkGateway(b *testing.B) {
	o := loadOptions(b)
	began := time.Now()
	e := setup(b, o)
	setupTime := time.Since(began)

	results := map[string]*result{}
	var order []string
	phaseRun := func(name string, ph phase, before func()) {
		b.Run(name, func(b *testing.B) {
			if before != nil {
				before()
			}
			r := e.measure(b, ph)
			if _, ok := results[name]; !ok {
				order = append(order, name)
			}
			results[name] = r
		})
	}
	// The baseline is measured before the gateway's phases as well as
	// after them: this machine's speed drifts by a tenth or more within a
	// minute, and the gateway's phases lie between the two.
	replying := func(name string) phase {
		return phase{name: name, points: []string{"component", "client"}, component: e.echo.child, senders: e.xmppSenders}
	}
	e.startEcho(b)
	phaseRun("echo/replying-before", replying("echo replying, before: XMPP -> component -> XMPP"), func() { must(b, e.echo.setReply(true), "echo reply 1") })
	e.echo.close()
	e.startGateway(b)
	phaseRun("gateway/xmpp-to-sms", phase{name: "gateway: XMPP -> SMS", points: []string{"carrier"}, component: e.gw, senders: e.xmppSenders}, nil)
	phaseRun("gateway/sms-to-xmpp", phase{name: "gateway: SMS -> XMPP", points: []string{"client"}, component: e.gw, senders: e.webhookSenders}, nil)
	phaseRun("gateway/xmpp-to-sms-burst", phase{name: "gateway: XMPP -> SMS, burst", points: []string{"carrier"}, component: e.gw, senders: e.xmppSenders, burst: true}, nil)
	phaseRun("gateway/xmpp-to-mms", phase{name: "gateway: XMPP -> MMS", points: []string{"carrier"}, component: e.gw, senders: e.mmsSenders}, nil)
	phaseRun("gateway/mms-to-xmpp", phase{name: "gateway: MMS -> XMPP", points: []string{"client"}, component: e.gw, senders: e.mmsWebhookSenders}, nil)
	e.stopGateway()
	gwWarn := countWarnings(e.gw.log, 0)

	e.startEcho(b)
	phaseRun("echo/xmpp-to-component", phase{name: "echo: XMPP -> component", points: []string{"component"}, component: e.echo.child, senders: e.xmppSenders},
		func() { must(b, e.echo.setReply(false), "echo reply 0") })
	phaseRun("echo/xmpp-to-component-burst", phase{name: "echo: XMPP -> component, burst", points: []string{"component"}, component: e.echo.child, senders: e.xmppSenders, burst: true}, nil)
	phaseRun("echo/component-to-xmpp", phase{name: "echo: component -> XMPP", points: []string{"client"}, component: e.echo.child, senders: e.echoSenders}, nil)
	phaseRun("echo/replying", replying("echo replying: XMPP -> component -> XMPP"), func() { must(b, e.echo.setReply(true), "echo reply 1") })
	e.echo.close()

	printSummary(os.Stdout, e, results, order, gwWarn, setupTime, time.Since(began))
}

// countWarnings summarises the WARN and ERROR lines of a slog text log
// written after offset.
func countWarnings(path string, offset int64) map[string]int {
	m := map[string]int{}
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < offset {
		return m
	}
	for line := range strings.SplitSeq(string(b[offset:]), "\n") {
		if !strings.Contains(line, "level=WARN") && !strings.Contains(line, "level=ERROR") {
			continue
		}
		msg := line
		if i := strings.Index(line, "msg="); i >= 0 {
			msg = line[i+4:]
			if j := strings.Index(msg, `" `); j >= 0 && strings.HasPrefix(msg, `"`) {
				msg = msg[:j+1]
			}
		}
		m[msg]++
	}
	return m
}

func printSummary(w io.Writer, e *env, results map[string]*result, order []string, gwWarn map[string]int, setup, total time.Duration) {
	o := e.opts
	fmt.Fprintf(w, "\n=== Switchboard benchmark summary ===\n")
	n := 0
	for _, name := range order {
		n = max(n, results[name].n)
	}
	fmt.Fprintf(w, "%d messages per phase after %d warm-up, window %d, %d %s sender session(s), %d webhook workers, %d recipients, %d CPUs, GOMAXPROCS %d\n",
		n, o.warmup, o.window, o.senders, o.client, o.httpWorkers, o.recipients, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fsync := o.redisFsync
	fmt.Fprintf(w, "CPU per message from /proc/PID/task/*/schedstat; CPU busy = all four processes / wall time / CPUs\n")
	fmt.Fprintf(w, "Prosody Nagle off (TCP_NODELAY); Redis appendfsync %s; latency is from sending to arrival at the point named; idle = %d messages one at a time\n\n", fsync, o.latencyMsgs)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tpoint\tmsgs/s\tp50 ms\tp99 ms\tmax ms\tidle p50\tidle p99\tcomponent µs/msg\tprosody\tredis\tbench\tCPU busy\tfailed\t")
	for _, name := range order {
		r := results[name]
		for i, p := range r.points {
			idle50, idle99 := "-", "-"
			if i < len(r.idle) {
				idle50, idle99 = ms(r.idle[i].p50), ms(r.idle[i].p99)
			}
			cpuCols := "\t\t\t\t\t"
			failed := ""
			if i == len(r.points)-1 {
				var sum time.Duration
				for _, c := range r.cpu {
					sum += c.cpu
				}
				busy := float64(sum) / float64(r.wall) / float64(runtime.NumCPU()) * 100
				cpuCols = fmt.Sprintf("%s\t%s\t%s\t%s\t%.0f%%\t", us(r.perMsg(r.component)), us(r.perMsg("prosody")), us(r.perMsg("redis")), us(r.perMsg("bench")), busy)
				nf := 0
				for _, c := range r.failures {
					nf += c
				}
				failed = strconv.Itoa(nf)
				if r.reconnects > 0 {
					failed += fmt.Sprintf(" (stream broke %dx)", r.reconnects)
				}
			}
			label := r.phase
			if i > 0 {
				label = ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s%s\t\n", label, p.point, p.rate, ms(p.p50), ms(p.p99), ms(p.max), idle50, idle99, cpuCols, failed)
		}
	}
	tw.Flush()

	get := func(name string, point int) *pointStats {
		r := results[name]
		if r == nil || point >= len(r.points) {
			return nil
		}
		return &r.points[point]
	}
	ratio := func(label, gwName, echoName string, echoPoint int, target bool) {
		g, ec := get(gwName, 0), get(echoName, echoPoint)
		if g == nil || ec == nil || ec.rate == 0 {
			return
		}
		both := ""
		if before := get(echoName+"-before", echoPoint); before != nil && before.rate > 0 {
			// The mean of the baselines taken before and after the
			// gateway's phases.
			both = fmt.Sprintf(" (echo before %.0f, after %.0f)", before.rate, ec.rate)
			mean := *ec
			mean.rate = (ec.rate + before.rate) / 2
			ec = &mean
		}
		rg, re := results[gwName], results[echoName]
		verdict := "a bound, not the target"
		if target {
			verdict = "BELOW target"
			if g.rate/ec.rate >= 0.8 {
				verdict = "meets target"
			}
		}
		if rg.reconnects > 0 {
			verdict += ", NOT VALID: the component stream broke, see notes"
		}
		fmt.Fprintf(w, "  %-12s throughput %6.0f / %6.0f msgs/s = %.2f (%s); CPU per message gateway %s µs / echo %s µs = %.1fx%s\n",
			label, g.rate, ec.rate, g.rate/ec.rate, verdict, us(rg.perMsg("gateway")), us(re.perMsg("echo")), rg.perMsg("gateway")/re.perMsg("echo"), both)
	}
	// The echo component answers every message: one stanza in and one
	// out, as the gateway takes one in and sends one on (to the carrier or
	// the user). It is the baseline the target is measured against.
	fmt.Fprintf(w, "\nRatios against the echo component (target: gateway throughput >= 0.8 x echo in both directions)\n")
	ratio("XMPP -> SMS", "gateway/xmpp-to-sms", "echo/replying", 1, true)
	ratio("SMS -> XMPP", "gateway/sms-to-xmpp", "echo/replying", 1, true)
	// MMS and bursts, against the same baseline (MMS adds a HEAD of the
	// user's upload, or a download, a write and a delete per message).
	fmt.Fprintf(w, "\nMMS and bursts against the echo component\n")
	ratio("XMPP -> MMS", "gateway/xmpp-to-mms", "echo/replying", 1, false)
	ratio("MMS -> XMPP", "gateway/mms-to-xmpp", "echo/replying", 1, false)
	ratio("burst", "gateway/xmpp-to-sms-burst", "echo/xmpp-to-component-burst", 0, false)
	// A component that only receives or only sends does no work per
	// message at all: a bound on what Prosody alone allows.
	fmt.Fprintf(w, "\nRatios against a component that only receives or only sends (a bound)\n")
	ratio("XMPP -> SMS", "gateway/xmpp-to-sms", "echo/xmpp-to-component", 0, false)
	ratio("SMS -> XMPP", "gateway/sms-to-xmpp", "echo/component-to-xmpp", 0, false)

	fmt.Fprintf(w, "\nNotes\n")
	for _, name := range order {
		r := results[name]
		for _, reason := range slices.Sorted(maps.Keys(r.failures))[:min(len(r.failures), 10)] {
			fmt.Fprintf(w, "  %s: %d failed: %s\n", r.phase, r.failures[reason], reason)
		}
		for msg, n := range r.warnings {
			fmt.Fprintf(w, "  %s: %d x %s logged while measuring\n", r.phase, n, msg)
		}
		if r.other > time.Duration(r.wall)/10 || r.steal > time.Duration(r.wall)/10 {
			fmt.Fprintf(w, "  %s: other processes used %v of CPU and the hypervisor stole %v in %v: figures may be disturbed\n",
				r.phase, r.other.Round(10*time.Millisecond), r.steal.Round(10*time.Millisecond), r.wall.Round(10*time.Millisecond))
		}
		fmt.Fprintf(w, "  %s: %s CPU from /proc/PID/stat (utime+stime, 10 ms ticks): %.0f µs/msg\n", r.phase, r.component, float64(r.statCPU.Microseconds())/float64(r.n))
		if strings.HasPrefix(name, "gateway/xmpp") {
			fmt.Fprintf(w, "  %s: %d new TCP connections to the Twilio API for %d messages\n", r.phase, r.conns, r.n)
		}
	}
	if len(gwWarn) > 0 {
		keys := make([]string, 0, len(gwWarn))
		for k := range gwWarn {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fmt.Fprintf(w, "  gateway log warnings/errors, whole run (warm-ups included):\n")
		for _, k := range keys {
			fmt.Fprintf(w, "    %6d x %s\n", gwWarn[k], k)
		}
	}
	if s := stray.Load(); s > 0 {
		fmt.Fprintf(w, "  %d arrivals belonged to no current run (late or duplicate)\n", s)
	}
	if e.twilio.badAuth.Load() > 0 {
		fmt.Fprintf(w, "  %d Twilio API requests without the account's Basic auth\n", e.twilio.badAuth.Load())
	}
	if o.cpuProfile != "" {
		fmt.Fprintf(w, "  gateway CPU profile (gwprof, both gateway phases and warm-ups): %s\n", o.cpuProfile)
	}
	fmt.Fprintf(w, "  setup (builds, servers, logins) %v; whole benchmark %v\n", setup.Round(100*time.Millisecond), total.Round(100*time.Millisecond))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func us(v float64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", v)
}
