// Command switchboard runs the XMPP-to-SMS gateway and manages its numbers.
//
//	switchboard run -c FILE
//	switchboard check -c FILE
//	switchboard numbers assign -c FILE [--carrier NAME] NUMBER JID
//	switchboard numbers list -c FILE
//	switchboard numbers release -c FILE NUMBER
//	switchboard numbers forward -c FILE NUMBER TARGET|off
//	switchboard numbers search -c FILE [--carrier NAME] [--area-code N] [--region R] [--contains DIGITS] [--country CC] [--limit N]
//	switchboard carriers probe -c FILE
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/app"
	"github.com/switchboard-gw/switchboard/internal/numbers"
	"github.com/switchboard-gw/switchboard/internal/store"
)

const usage = `usage:
  switchboard run -c FILE                 run the gateway
  switchboard check -c FILE               validate the configuration
  switchboard numbers assign -c FILE [--carrier NAME] NUMBER JID
  switchboard numbers list -c FILE
  switchboard numbers release -c FILE NUMBER
  switchboard numbers forward -c FILE NUMBER TARGET|off
                                          send NUMBER's calls to another number or
                                          a sip: URI instead of its owner
  switchboard numbers search -c FILE [--carrier NAME] [--area-code N] [--region R]
                             [--contains DIGITS] [--country CC] [--limit N]
                                          list numbers the carrier offers (buys nothing)
  switchboard carriers probe -c FILE      check each carrier's credentials with a
                                          harmless read (sends nothing)
  switchboard accounts show -c FILE JID   balance, state and recent usage ([billing])
  switchboard accounts credit -c FILE JID AMOUNT REASON...
                                          credit (or, with a negative AMOUNT, debit)
                                          an account, recorded with the reason
  switchboard billing export -c FILE --from DAY [--to DAY] [-o FILE]
                                          the ledger's postings as CSV for accounting
                                          (DAY: 2026-11-01 UTC, or an RFC 3339 time)
  switchboard invites create -c FILE [--count N] [--uses N] [--bonus AMOUNT] [--days N]
                                          issue sign-up invite codes ([signup])
  switchboard invites list -c FILE        the invite codes and their uses left
`

func main() {
	if len(os.Args) > 1 && os.Args[1] == "run" {
		// A gateway outlives whatever reads its log (a pipe to a logger
		// that restarts): a write there fails rather than kill it. The
		// other commands stop when their reader does, as Unix tools do.
		signal.Ignore(syscall.SIGPIPE)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchboard:", err)
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("bad usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "run":
		return cmdRun(ctx, args[1:], stdout, stderr)
	case "check":
		cfg, _, err := load("check", args[1:])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "configuration OK: gateway %s, carriers %v\n", cfg.Component.JID, cfg.CarrierNames())
		return nil
	case "numbers":
		if len(args) < 2 {
			return errUsage
		}
		return cmdNumbers(ctx, args[1], args[2:], stdout)
	case "accounts":
		if len(args) < 2 {
			return errUsage
		}
		return cmdAccounts(ctx, args[1], args[2:], stdout)
	case "billing":
		if len(args) < 2 {
			return errUsage
		}
		return cmdBilling(ctx, args[1], args[2:], stdout)
	case "invites":
		if len(args) < 2 {
			return errUsage
		}
		return cmdInvites(ctx, args[1], args[2:], stdout)
	case "carriers":
		if len(args) < 2 || args[1] != "probe" {
			return fmt.Errorf("%w: carriers probe -c FILE", errUsage)
		}
		return cmdProbe(ctx, args[2:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

// load parses -c FILE (plus extra flags registered by setup) and the config.
func load(name string, args []string, setup ...func(*flag.FlagSet)) (*app.Config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path := fs.String("c", "", "configuration file")
	for _, s := range setup {
		s(fs)
	}
	if err := fs.Parse(interleave(fs, args)); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if *path == "" {
		return nil, nil, fmt.Errorf("%w: -c FILE is required", errUsage)
	}
	cfg, err := app.LoadConfig(*path, os.Environ())
	if err != nil {
		return nil, nil, err
	}
	return cfg, fs.Args(), nil
}

// interleave moves flags after positional arguments to the front, so that
// "assign NUMBER JID -c FILE" works as well as "assign -c FILE NUMBER JID".
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		// A negative amount ("-1.25") is an argument, not a flag.
		if len(a) > 1 && a[0] == '-' && (a[1] < '0' || a[1] > '9') {
			flags = append(flags, a)
			name := a[1:]
			if name[0] == '-' {
				name = name[1:]
			}
			if f := fs.Lookup(name); f != nil && i+1 < len(args) && !strings.Contains(a, "=") {
				if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool {
					i++
					flags = append(flags, args[i])
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := load("run", args)
	if err != nil {
		return err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	// go-redis reports every failed dial on its own; the store already
	// reports failures with context, so keep the library's lines at debug.
	redis.SetLogger(redisLog{log})
	app.TuneGC()
	g, err := app.New(cfg, log)
	if err != nil {
		return err
	}
	if u := g.SandboxURL(); u != "" {
		// Once, on standard output rather than in the log: the address
		// is the page's key (a new one each run).
		fmt.Fprintf(stdout, "sandbox page (its address is its key for this run): %s\n", u)
	}
	return g.Run(ctx)
}

type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

func cmdNumbers(ctx context.Context, sub string, args []string, stdout io.Writer) error {
	var carrier string
	var q carriers.NumberQuery
	cfg, pos, err := load("numbers "+sub, args, func(fs *flag.FlagSet) {
		fs.StringVar(&carrier, "carrier", "", "carrier name")
		if sub == "search" {
			fs.StringVar(&q.Country, "country", "", "ISO 3166 country code; default US")
			fs.StringVar(&q.AreaCode, "area-code", "", "area code")
			fs.StringVar(&q.Region, "region", "", "state or province")
			fs.StringVar(&q.Contains, "contains", "", "digits the number holds")
			fs.IntVar(&q.Limit, "limit", 0, "at most this many")
		}
	})
	if err != nil {
		return err
	}
	if sub == "search" {
		if len(pos) != 0 {
			return fmt.Errorf("%w: numbers search takes flags only", errUsage)
		}
		return cmdSearch(ctx, cfg, carrier, q, stdout)
	}
	want, ok := map[string]struct {
		n    int
		what string
	}{
		"assign":  {2, "NUMBER and JID"},
		"list":    {0, "no arguments"},
		"release": {1, "NUMBER"},
		"forward": {2, "NUMBER and TARGET (a number, a sip: URI, or off)"},
	}[sub]
	if !ok {
		return fmt.Errorf("%w: unknown numbers command %q", errUsage, sub)
	}
	if len(pos) != want.n {
		return fmt.Errorf("%w: numbers %s needs %s", errUsage, sub, want.what)
	}
	st, err := store.Open(cfg.Redis.URL)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	book := numbers.Book{Store: st, Region: cfg.Numbers.DefaultRegion, Carriers: cfg.CarrierNames(), Calls: cfg.Policy.Calls()}

	switch sub {
	case "assign":
		b, err := book.Assign(ctx, pos[0], pos[1], carrier)
		if err != nil {
			return argError(err)
		}
		if err := app.OpenAccount(ctx, cfg, st, b.JID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "assigned %s to %s via %s\n", b.Number, b.JID, b.Carrier)
	case "list":
		bs, err := book.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NUMBER\tJID\tCARRIER\tASSIGNED\tCALLS TO")
		for _, b := range bs {
			fwd := b.Forward
			if fwd == "" {
				fwd = "owner"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.Number, b.JID, b.Carrier, b.Assigned.UTC().Format(time.RFC3339), fwd)
		}
		return tw.Flush()
	case "release":
		b, err := book.Release(ctx, pos[0])
		if err != nil {
			return argError(err)
		}
		fmt.Fprintf(stdout, "released %s (was %s)\n", b.Number, b.JID)
	case "forward":
		num, target, err := book.Forward(ctx, pos[0], pos[1])
		if err != nil {
			return argError(err)
		}
		if target == "" {
			target = "its owner"
		}
		fmt.Fprintf(stdout, "calls to %s go to %s\n", num, target)
	}
	return nil
}

// cmdSearch lists the numbers a carrier offers.
func cmdSearch(ctx context.Context, cfg *app.Config, carrier string, q carriers.NumberQuery, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	name, found, err := app.SearchNumbers(ctx, cfg, carrier, q, slog.New(slog.DiscardHandler))
	if errors.Is(err, app.ErrWhichCarrier) {
		return fmt.Errorf("--carrier: %w", err)
	}
	if err != nil {
		return err
	}
	if len(found) == 0 {
		fmt.Fprintf(stdout, "%s offers no numbers for this search\n", name)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tLOCALITY\tREGION\tCOUNTRY\tSMS\tMMS\tVOICE")
	yes := map[bool]string{true: "yes", false: "no"}
	for _, n := range found {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.Number, n.Locality, n.Region, n.Country, yes[n.SMS], yes[n.MMS], yes[n.Voice])
	}
	return tw.Flush()
}

// argError names the argument a refusal is about, as the usage line
// spells it.
func argError(err error) error {
	for _, a := range []struct {
		kind error
		name string
	}{
		{numbers.ErrNumber, "NUMBER"}, {numbers.ErrNotAssigned, "NUMBER"}, {numbers.ErrOwner, "JID"},
		{numbers.ErrTarget, "TARGET"}, {numbers.ErrRefused, "TARGET"}, {numbers.ErrCarrier, "--carrier"},
	} {
		if errors.Is(err, a.kind) {
			return fmt.Errorf("%s: %w", a.name, err)
		}
	}
	return err
}

// errProbe: at least one carrier's credentials did not work.
var errProbe = errors.New("a carrier's credentials did not work")

func cmdProbe(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, _, err := load("carriers probe", args)
	if err != nil {
		return err
	}
	failed := false
	for _, p := range app.ProbeCarriers(ctx, cfg, slog.New(slog.DiscardHandler)) {
		if p.Err != nil {
			failed = true
			fmt.Fprintf(stdout, "%s: %v\n", p.Carrier, p.Err)
			continue
		}
		fmt.Fprintf(stdout, "%s: OK\n", p.Carrier)
	}
	if failed {
		return errProbe
	}
	return nil
}
