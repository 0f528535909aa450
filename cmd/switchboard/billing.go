package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/internal/app"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// cmdBilling runs `billing export`: the ledger's postings as CSV for
// accounting.
func cmdBilling(ctx context.Context, sub string, args []string, stdout io.Writer) error {
	if sub != "export" {
		return fmt.Errorf("%w: unknown billing command %q", errUsage, sub)
	}
	var fromS, toS, out string
	cfg, pos, err := load("billing export", args, func(fs *flag.FlagSet) {
		fs.StringVar(&fromS, "from", "", "first day (YYYY-MM-DD, UTC) or time (RFC 3339)")
		fs.StringVar(&toS, "to", "", "day or time the export ends before; default now")
		fs.StringVar(&out, "o", "", "write to this file instead of standard output")
	})
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("%w: billing export takes no arguments, only -c, --from, --to and -o", errUsage)
	}
	if fromS == "" {
		return fmt.Errorf("%w: billing export needs --from", errUsage)
	}
	from, err := parseWhen(fromS)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	to := time.Now()
	if toS != "" {
		if to, err = parseWhen(toS); err != nil {
			return fmt.Errorf("--to: %w", err)
		}
	}
	if !from.Before(to) {
		return fmt.Errorf("--from %s is not before --to %s", fromS, to.UTC().Format(time.RFC3339))
	}
	l, done, err := openLedger(cfg)
	if err != nil {
		return err
	}
	defer done()
	w := stdout
	var f *os.File
	if out != "" {
		// Postings name accounts: the file is for the operator alone.
		if f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return fmt.Errorf("-o: %w", err)
		}
		defer f.Close()
		w = f
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	n, err := l.Export(ctx, w, from, to)
	if err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("-o: %w", err)
		}
		fmt.Fprintf(stdout, "%d postings written to %s\n", n, out)
	}
	return nil
}

// parseWhen reads a day (midnight UTC) or an RFC 3339 time.
func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a day (2026-11-01) nor a time (2026-11-01T09:00:00Z)", s)
	}
	return t, nil
}

// openLedger opens Redis and the ledger [billing] describes; done closes
// them.
func openLedger(cfg *app.Config) (l *billing.Ledger, done func(), err error) {
	st, err := store.Open(cfg.Redis.URL)
	if err != nil {
		return nil, nil, err
	}
	if l, err = app.Ledger(cfg, st); err != nil {
		st.Close()
		return nil, nil, err
	}
	return l, func() { st.Close() }, nil
}
