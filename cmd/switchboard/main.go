// Command switchboard runs the XMPP-to-SMS gateway and manages its numbers.
//
//	switchboard run -c FILE
//	switchboard check -c FILE
//	switchboard numbers assign -c FILE [--carrier NAME] NUMBER JID
//	switchboard numbers list -c FILE
//	switchboard numbers release -c FILE NUMBER
//	switchboard numbers forward -c FILE NUMBER TARGET|off
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
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/internal/app"
	"github.com/switchboard-gw/switchboard/internal/config"
	"github.com/switchboard-gw/switchboard/internal/phone"
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
`

func main() {
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
		return cmdRun(ctx, args[1:], stderr)
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
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

// load parses -c FILE (plus extra flags registered by setup) and the config.
func load(name string, args []string, setup ...func(*flag.FlagSet)) (*config.Config, []string, error) {
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
	cfg, err := config.Load(*path, os.Environ())
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
		if len(a) > 1 && a[0] == '-' && a != "-" {
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

func cmdRun(ctx context.Context, args []string, stderr io.Writer) error {
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
	g, err := app.New(cfg, log)
	if err != nil {
		return err
	}
	return g.Run(ctx)
}

type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

func cmdNumbers(ctx context.Context, sub string, args []string, stdout io.Writer) error {
	var carrier string
	cfg, pos, err := load("numbers "+sub, args, func(fs *flag.FlagSet) {
		fs.StringVar(&carrier, "carrier", "", "carrier name")
	})
	if err != nil {
		return err
	}
	st, err := store.Open(cfg.Redis.URL)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()

	switch sub {
	case "assign":
		if len(pos) != 2 {
			return fmt.Errorf("%w: numbers assign needs NUMBER and JID", errUsage)
		}
		num, err := phone.Normalize(pos[0], cfg.Numbers.DefaultRegion)
		if err != nil {
			return fmt.Errorf("NUMBER %q: %w", pos[0], err)
		}
		owner, err := jid.Parse(pos[1])
		if err != nil || owner.Localpart() == "" || owner.Resourcepart() != "" {
			return fmt.Errorf("JID %q: not a bare user JID such as alice@example.org", pos[1])
		}
		names := cfg.CarrierNames()
		switch {
		case carrier == "" && len(names) == 1:
			carrier = names[0]
		case carrier == "":
			return fmt.Errorf("--carrier is required: several carriers are configured %v", names)
		case !slices.Contains(names, carrier):
			return fmt.Errorf("--carrier %q is not configured (configured: %v)", carrier, names)
		}
		if err := st.Assign(ctx, store.Binding{Number: num, JID: owner.String(), Carrier: carrier}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "assigned %s to %s via %s\n", num, owner, carrier)
	case "list":
		bs, err := st.List(ctx)
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
		if len(pos) != 1 {
			return fmt.Errorf("%w: numbers release needs NUMBER", errUsage)
		}
		num, err := phone.Normalize(pos[0], cfg.Numbers.DefaultRegion)
		if err != nil {
			return fmt.Errorf("NUMBER %q: %w", pos[0], err)
		}
		b, err := st.Release(ctx, num)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s is not assigned", num)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "released %s (was %s)\n", num, b.JID)
	case "forward":
		if len(pos) != 2 {
			return fmt.Errorf("%w: numbers forward needs NUMBER and TARGET (a number, a sip: URI, or off)", errUsage)
		}
		num, err := phone.Normalize(pos[0], cfg.Numbers.DefaultRegion)
		if err != nil {
			return fmt.Errorf("NUMBER %q: %w", pos[0], err)
		}
		target, err := forwardTarget(pos[1], cfg.Numbers.DefaultRegion)
		if err != nil {
			return err
		}
		if err := st.SetForward(ctx, num, target); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s is not assigned", num)
		} else if err != nil {
			return err
		}
		if target == "" {
			fmt.Fprintf(stdout, "calls to %s go to its owner\n", num)
		} else {
			fmt.Fprintf(stdout, "calls to %s go to %s\n", num, target)
		}
	default:
		return fmt.Errorf("%w: unknown numbers command %q", errUsage, sub)
	}
	return nil
}

// forwardTarget checks a forwarding destination: "off", a SIP URI, or a
// phone number (normalised).
func forwardTarget(s, region string) (string, error) {
	switch {
	case s == "off":
		return "", nil
	case strings.HasPrefix(s, "sip:") || strings.HasPrefix(s, "sips:"):
		if rest := s[strings.Index(s, ":")+1:]; rest == "" || strings.ContainsAny(rest, " <>\"") {
			return "", fmt.Errorf("TARGET %q: not a SIP URI such as sip:desk@pbx.example.org", s)
		}
		return s, nil
	}
	n, err := phone.Normalize(s, region)
	if err != nil {
		return "", fmt.Errorf("TARGET %q: not a phone number, a sip: URI or off: %w", s, err)
	}
	return n, nil
}
