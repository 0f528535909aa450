package billing

import (
	"errors"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/switchboard-gw/switchboard/internal/config"
)

const testRates = `
enabled = true
currency = "USD"
low_balance = ["5.00", "1.00"]
plan = "basic"

[[rates]]
prefix = "+1"
sms = "0.01"
mms = "0.03"
call = "0.02"
increment = "60/60"
included = true

[[rates]]
prefix = "+1900"
call = "1.00"

[[rates]]
prefix = "+44"
sms = "0.05"
call = "0.10"
increment = "6/6"
call_in = "0.01"

[[rates]]
prefix = "*"
sms = "0.10"

[[plans]]
name = "basic"
fee = "2.99"
rental = "2.00"
sms = 100
mms = 10
minutes = 60
`

func checked(t testing.TB, src string) *Config {
	t.Helper()
	var c Config
	if _, err := toml.Decode(src, &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestBilled(t *testing.T) {
	for _, tc := range []struct {
		name        string
		first, next int64
		q, want     int64
	}{
		{"untimed", 0, 0, 3, 3},
		{"zero", 60, 60, 0, 0},
		{"one second 60/60", 60, 60, 1, 60},
		{"60 s 60/60", 60, 60, 60, 60},
		{"61 s 60/60", 60, 60, 61, 120},
		{"1 s 6/6", 6, 6, 1, 6},
		{"61 s 6/6", 6, 6, 61, 66},
		{"31 s 30/6", 30, 6, 31, 36},
		{"10 s 30/6", 30, 6, 10, 30},
		{"negative", 6, 6, -5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Price{First: tc.first, Next: tc.next}
			if got := p.Billed(tc.q); got != tc.want {
				t.Errorf("Billed(%d) with %d/%d = %d, want %d", tc.q, tc.first, tc.next, got, tc.want)
			}
		})
	}
}

func TestCost(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		unit, per, billed, all int64
		want                   int64
	}{
		{"3 segments at 1c", 1, 1, 3, 0, 3},
		{"allowance covers", 1, 1, 3, 5, 0},
		{"part allowance", 5, 1, 3, 1, 10},
		{"66 s at 10c/min: 11c", 10, 60, 66, 0, 11},
		{"6 s at 1c/min rounds up once", 1, 60, 6, 0, 1},
		{"120 s at 2c/min", 2, 60, 120, 0, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Price{Unit: tc.unit, Per: tc.per}
			if got := p.Cost(tc.billed, tc.all); got != tc.want {
				t.Errorf("Cost = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestPriceLookup(t *testing.T) {
	tf := checked(t, testRates).Tariff()
	for _, tc := range []struct {
		name   string
		kind   Kind
		remote string
		ok     bool
		unit   int64
		where  string
		incl   bool
	}{
		{"US text", SMS, "+12015550123", true, 1, "+1", true},
		{"premium call: longest prefix", Call, "+19005550123", true, 100, "+1900", false},
		{"premium text: not offered by the longest match", SMS, "+19005550123", false, 0, "", false},
		{"UK call 6/6", Call, "+447700900123", true, 10, "+44", false},
		{"UK MMS not offered", MMS, "+447700900123", false, 0, "", false},
		{"elsewhere: catch-all", SMS, "+33612345678", true, 10, "*", false},
		{"elsewhere call: not offered", Call, "+33612345678", false, 0, "", false},
		{"short code: catch-all", SMS, "12345;phone-context=ca-us.phone-context.soprani.ca", true, 10, "*", false},
		{"inbound UK call priced", CallIn, "+447700900123", true, 1, "+44", false},
		{"inbound text unpriced is free", SMSIn, "+12015550123", true, 0, "+1", true},
		{"inbound elsewhere free", MMSIn, "+33612345678", true, 0, "*", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := tf.Price(tc.kind, tc.remote)
			if ok != tc.ok {
				t.Fatalf("Price(%s, %s) ok = %v, want %v", tc.kind, tc.remote, ok, tc.ok)
			}
			if ok && (p.Unit != tc.unit || p.Where != tc.where || p.Included != tc.incl) {
				t.Errorf("Price(%s, %s) = %+v, want unit %d where %q included %v", tc.kind, tc.remote, p, tc.unit, tc.where, tc.incl)
			}
		})
	}
	if p, _ := tf.Price(Call, "+447700900123"); p.First != 6 || p.Next != 6 || p.Per != 60 {
		t.Errorf("UK call increments %+v, want 6/6 per 60", p)
	}
}

func TestConfigCheck(t *testing.T) {
	for _, tc := range []struct {
		name, src, key string
	}{
		{"defaults", ``, ""},
		{"full", testRates, ""},
		{"currency", `currency = "XXX"`, "currency"},
		{"low balance", `low_balance = ["5", "x"]`, "low_balance[1]"},
		{"negative low balance", `low_balance = ["-1.00"]`, "low_balance[0]"},
		{"prefix", "[[rates]]\nprefix = \"44\"\nsms = \"0.01\"", "rates[0].prefix"},
		{"duplicate prefix", "[[rates]]\nprefix = \"+44\"\n[[rates]]\nprefix = \"+44\"", "rates[1].prefix"},
		{"sub-cent price", "[[rates]]\nprefix = \"+1\"\nsms = \"0.0079\"", "rates[0].sms"},
		{"negative price", "[[rates]]\nprefix = \"+1\"\ncall = \"-0.01\"", "rates[0].call"},
		{"huge price", "[[rates]]\nprefix = \"+1\"\nmms = \"100000.00\"", "rates[0].mms"},
		{"increment", "[[rates]]\nprefix = \"+1\"\nincrement = \"60\"", "rates[0].increment"},
		{"zero increment", "[[rates]]\nprefix = \"+1\"\nincrement = \"0/6\"", "rates[0].increment"},
		{"plan name", "[[plans]]\nfee = \"1.00\"", "plans[0].name"},
		{"plan fee", "[[plans]]\nname = \"a\"\nfee = \"1.001\"", "plans[0].fee"},
		{"plan minutes", "[[plans]]\nname = \"a\"\nminutes = -1", "plans[0].minutes"},
		{"duplicate plan", "[[plans]]\nname = \"a\"\n[[plans]]\nname = \"a\"", "plans[1].name"},
		{"unknown default plan", `plan = "gold"`, "plan"},
		{"hold ttl", `hold_ttl = 1`, "hold_ttl"},
		{"call step past hold ttl", `call_step = "20m"`, "call_step"},
		{"call step fraction", `call_step = "1500ms"`, "call_step"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Config
			if _, err := toml.Decode(tc.src, &c); err != nil {
				t.Fatal(err)
			}
			err := c.Check()
			if tc.key == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			var ke *config.KeyError
			if !errors.As(err, &ke) || ke.Key != tc.key || !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("Check = %v, want an Invalid error for key %s", err, tc.key)
			}
		})
	}
}

func TestParseIncrement(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"60/60", true}, {"6/6", true}, {"30/6", true}, {"1/1", true},
		{"60", false}, {"0/6", false}, {"6/0", false}, {"-6/6", false}, {"+6/6", false},
		{"3601/60", false}, {"6/6/6", false}, {"", false}, {"a/b", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if _, err := ParseIncrement(tc.in); (err == nil) != tc.ok {
				t.Errorf("ParseIncrement(%q) error %v, want ok %v", tc.in, err, tc.ok)
			}
		})
	}
}

// FuzzRates: any [billing] section Check accepts prices every event
// without panicking, never below zero, and with a cost that fits the
// ledger's exact range.
func FuzzRates(f *testing.F) {
	f.Add(testRates, "+12015550123", int64(61))
	f.Add("[[rates]]\nprefix = \"*\"\ncall = \"10000.00\"\nincrement = \"3600/3600\"", "+1", int64(10_000_000))
	f.Add("[[rates]]\nprefix = \"+\"\nsms = \"0\"", "", int64(0))
	f.Fuzz(func(t *testing.T, src, remote string, q int64) {
		var c Config
		if _, err := toml.Decode(src, &c); err != nil {
			return
		}
		if err := c.Check(); err != nil {
			return
		}
		if q < 0 || q > maxQuantity {
			q = 1
		}
		for _, k := range []Kind{SMS, MMS, Call, SMSIn, MMSIn, CallIn} {
			p, ok := c.Tariff().Price(k, remote)
			if !ok {
				continue
			}
			b := p.Billed(q)
			if b < q || b > q+3600 {
				t.Fatalf("%s: Billed(%d) = %d", k, q, b)
			}
			cost := p.Cost(b, 0)
			if cost < 0 || cost > MaxAmount {
				t.Fatalf("%s: Cost(%d) = %d, beyond the ledger's range", k, b, cost)
			}
		}
	})
}

// TestPriced: inbound calls are metered only where the rates price them.
func TestPriced(t *testing.T) {
	c := Config{Rates: []RateConfig{{Prefix: "+1", Call: "0.02", CallIn: "0.01"}, {Prefix: "+44", Call: "0.05"}}}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind   Kind
		remote string
		want   bool
	}{
		{CallIn, "+12015550100", true},
		{CallIn, "+442079460000", false},
		{CallIn, "anonymous", false},
		{Call, "+442079460000", true},
		{Call, "+33612345678", false},
	} {
		t.Run(string(tc.kind)+tc.remote, func(t *testing.T) {
			if got := c.Tariff().Priced(tc.kind, tc.remote); got != tc.want {
				t.Errorf("Priced = %v, want %v", got, tc.want)
			}
		})
	}
	if c.CallStep != time.Minute {
		t.Errorf("call_step default %v, want 1m", c.CallStep)
	}
}
