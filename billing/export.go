package billing

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// exportHeader is the first row of Export's CSV.
var exportHeader = []string{"time", "account", "posting", "kind", "amount", "currency", "balance",
	"quantity", "allowance", "where", "note", "ref"}

// Export writes every account's postings from from up to (not including)
// to as CSV for accounting, oldest first, one header row. Amounts are
// decimal strings in the currency's minor-unit precision ("-0.05"), never
// floats. Text an admin typed (notes) is neutralised against spreadsheet
// formula injection. It returns how many postings it wrote.
func (l *Ledger) Export(ctx context.Context, w io.Writer, from, to time.Time) (int, error) {
	if !from.Before(to) {
		return 0, fmt.Errorf("%w: the export's start %s is not before its end %s", ErrEvent,
			from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	}
	ids, err := l.Accounts(ctx)
	if err != nil {
		return 0, err
	}
	type row struct {
		account string
		p       Posting
	}
	var rows []row
	for _, id := range ids {
		ps, err := l.Postings(ctx, id, from, to)
		if err != nil {
			return 0, err
		}
		for _, p := range ps {
			rows = append(rows, row{id, p})
		}
	}
	// Each account's postings are in order already; a stable sort by time
	// interleaves the accounts and keeps that order within one.
	slices.SortStableFunc(rows, func(a, b row) int {
		return cmp.Or(a.p.Time.Compare(b.p.Time), cmp.Compare(a.account, b.account))
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(exportHeader); err != nil {
		return 0, fmt.Errorf("billing: export: %w", err)
	}
	for _, r := range rows {
		p := r.p
		err := cw.Write([]string{
			p.Time.UTC().Format(time.RFC3339Nano), cell(r.account), cell(p.ID), string(p.Kind),
			p.Amount.Decimal(), l.cfg.Currency, p.Balance.Decimal(),
			strconv.FormatInt(p.Quantity, 10), strconv.FormatInt(p.Allowance, 10),
			p.Where, cell(p.Note), cell(p.Ref),
		})
		if err != nil {
			return 0, fmt.Errorf("billing: export: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, fmt.Errorf("billing: export: %w", err)
	}
	return len(rows), nil
}

// cell keeps a spreadsheet from running text as a formula: a field that
// starts with =, +, -, @, tab or CR gets a leading apostrophe (OWASP's CSV
// injection advice). Amounts are written without it: they are numbers.
func cell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
