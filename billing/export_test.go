package billing

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExport(t *testing.T) {
	f := newFixture(t, testRates)
	ctx := context.Background()
	start := f.clk.Now()
	f.open(t, "alice@example.org", "1.00") // at start
	f.clk.Add(time.Hour)
	f.open(t, "bob@example.org", "2.00") // start+1h
	f.clk.Add(time.Hour)
	must(t)(f.l.Charge(ctx, Event{Account: "alice@example.org", ID: "SMa", Kind: SMS, Remote: "+447700900123", Quantity: 1})) // start+2h
	f.clk.Add(time.Hour)
	must(t)(f.l.Credit(ctx, Adjustment{Account: "bob@example.org", ID: "adm1", Kind: Admin, Amount: usd("-0.50"),
		Note: `=HYPERLINK("http://evil.example","refund")`})) // start+3h

	export := func(t *testing.T, from, to time.Time) [][]string {
		t.Helper()
		var buf bytes.Buffer
		n, err := f.l.Export(ctx, &buf, from, to)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("the export is not CSV: %v", err)
		}
		if !slices.Equal(rows[0], exportHeader) || n != len(rows)-1 {
			t.Fatalf("header %q and %d rows for n=%d", rows[0], len(rows)-1, n)
		}
		return rows[1:]
	}
	col := func(name string) int { return slices.Index(exportHeader, name) }

	tests := []struct {
		name     string
		from, to time.Duration // from start
		want     []string      // "account kind amount balance"
	}{
		{"everything, oldest first", 0, 4 * time.Hour, []string{
			"alice@example.org payment 1.00 1.00", "bob@example.org payment 2.00 2.00",
			"alice@example.org sms -0.05 0.95", "bob@example.org admin -0.50 1.50"}},
		{"the end is exclusive", time.Hour, 3 * time.Hour, []string{
			"bob@example.org payment 2.00 2.00", "alice@example.org sms -0.05 0.95"}},
		{"nothing in the window", 5 * time.Hour, 6 * time.Hour, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range export(t, start.Add(tc.from), start.Add(tc.to)) {
				got = append(got, strings.Join([]string{r[col("account")], r[col("kind")], r[col("amount")], r[col("balance")]}, " "))
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("rows\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
	t.Run("fields", func(t *testing.T) {
		rows := export(t, start, start.Add(4*time.Hour))
		sms, adm := rows[2], rows[3]
		if sms[col("time")] != start.Add(2*time.Hour).Format(time.RFC3339Nano) || sms[col("currency")] != "USD" ||
			sms[col("quantity")] != "1" || sms[col("where")] != "+44" || sms[col("posting")] != "SMa" {
			t.Fatalf("sms row %q", sms)
		}
		if note := adm[col("note")]; note != `'=HYPERLINK("http://evil.example","refund")` {
			t.Fatalf("an admin's note starting with = is exported as %q, want it neutralised with an apostrophe", note)
		}
	})
	t.Run("empty window is an error", func(t *testing.T) {
		if _, err := f.l.Export(ctx, &bytes.Buffer{}, start, start); err == nil {
			t.Fatal("an export from a time to itself succeeded")
		}
	})
}
