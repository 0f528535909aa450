package commands

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/component/adhoc/adhoctest"
	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const alice = "alice@example.org"

// setup is a command server over a real Redis, alice holding a number and
// root an admin.
func setup(t *testing.T, users int, opts ...func(*Options)) (*adhoc.Server, *store.Store) {
	t.Helper()
	r := testenv.StartRedis(t)
	st, err := store.Open(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := st.Assign(ctx, store.Binding{Number: "+12015550100", JID: alice, Carrier: "sandbox"}); err != nil {
		t.Fatal(err)
	}
	for i := range users {
		if err := st.Assign(ctx, store.Binding{Number: fmt.Sprintf("+1201555%04d", 200+i), JID: fmt.Sprintf("u%d@example.org", i), Carrier: "sandbox"}); err != nil {
			t.Fatal(err)
		}
	}
	var pol policy.Config
	if err := pol.Check(); err != nil {
		t.Fatal(err)
	}
	srv := adhoc.New(adhoc.Settings{Roles: Roles([]jid.JID{jid.MustParse("root@example.org")}, st)})
	o := Options{Store: st, Domain: "sms.example.org", Region: "US", Calls: pol.Calls(), Voicemail: true, PageSize: 3}
	for _, f := range opts {
		f(&o)
	}
	if err := Register(srv, o); err != nil {
		t.Fatal(err)
	}
	return srv, st
}

// run sends one request and returns the answer as XML, or the error.
func run(t *testing.T, srv *adhoc.Server, who, node, sid, action string, fields map[string]string) (string, string, *adhoc.Err) {
	t.Helper()
	return adhoctest.Run(t, srv, who, node, sid, action, adhoctest.Fields(fields))
}

func TestSettingsValues(t *testing.T) {
	srv, st := setup(t, 0)
	tests := []struct {
		name  string
		calls map[string]string
		texts map[string]string
		field string // refused field; "" when saved
		check func(t *testing.T, u store.UserSettings, b store.Binding)
	}{
		{name: "sip forward", calls: map[string]string{"forward": "sip:desk@pbx.example.org", "voicemail": "false", "ring_timeout": "5"},
			check: func(t *testing.T, u store.UserSettings, b store.Binding) {
				if b.Forward != "sip:desk@pbx.example.org" || u.Voicemail == nil || *u.Voicemail || u.RingTimeout != 5*time.Second {
					t.Errorf("got %+v %+v", u, b)
				}
			}},
		{name: "defaults", calls: map[string]string{"forward": "off", "voicemail": "true", "ring_timeout": ""}, texts: map[string]string{"group_texts": "default", "low_balance": ""},
			check: func(t *testing.T, u store.UserSettings, b store.Binding) {
				if b.Forward != "" || u != (store.UserSettings{}) {
					t.Errorf("got %+v %+v", u, b)
				}
			}},
		{name: "addresses", texts: map[string]string{"group_texts": "addresses", "low_balance": "0"},
			check: func(t *testing.T, u store.UserSettings, _ store.Binding) {
				if u.GroupTexts != store.GroupAddresses || u.LowBalance != "0" {
					t.Errorf("got %+v", u)
				}
			}},
		{name: "ring too short", calls: map[string]string{"ring_timeout": "4"}, field: "ring_timeout"},
		{name: "ring too long", calls: map[string]string{"ring_timeout": "121"}, field: "ring_timeout"},
		{name: "ring not a number", calls: map[string]string{"ring_timeout": "ten"}, field: "ring_timeout"},
		{name: "premium forward", calls: map[string]string{"forward": "+19005550123"}, field: "forward"},
		{name: "bad sip", calls: map[string]string{"forward": "sip:a b@c"}, field: "forward"},
		{name: "short number", calls: map[string]string{"forward": "+1555"}, field: "forward"},
		{name: "negative amount", texts: map[string]string{"low_balance": "-5"}, field: "low_balance"},
		{name: "decimal amount", texts: map[string]string{"low_balance": "5.00"}, field: "low_balance"},
		{name: "huge amount", texts: map[string]string{"low_balance": "1234567890123"}, field: "low_balance"},
		{name: "unknown style", texts: map[string]string{"group_texts": "threads"}, field: "group_texts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, sid, e := run(t, srv, alice+"/r", NodeSettings, "", "", nil)
			if e != nil {
				t.Fatal(e)
			}
			_, _, e = run(t, srv, alice+"/r", NodeSettings, sid, "next", tt.calls)
			if e == nil {
				_, _, e = run(t, srv, alice+"/r", NodeSettings, sid, "complete", tt.texts)
			}
			if tt.field != "" {
				if e == nil || e.Field != tt.field {
					t.Fatalf("got %v, want a refusal of %s", e, tt.field)
				}
				return
			}
			if e != nil {
				t.Fatal(e)
			}
			u, err := st.Settings(context.Background(), alice)
			if err != nil {
				t.Fatal(err)
			}
			b, err := st.Lookup(context.Background(), "+12015550100")
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, u, b)
		})
	}
}

func TestInfoNumbers(t *testing.T) {
	srv, st := setup(t, 0)
	if err := st.Assign(context.Background(), store.Binding{Number: "+12015550101", JID: alice, Carrier: "sandbox", Assigned: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	out, _, e := run(t, srv, alice+"/r", NodeInfo, "", "execute", nil)
	if e != nil {
		t.Fatal(e)
	}
	for _, w := range []string{`status="completed"`, `<field var="tel" type="text-single" label="Number"><value>+12015550100</value>`,
		`<value>+12015550100@sms.example.org</value>`, `<field var="others" type="text-multi" label="Other numbers"><value>+12015550101</value>`} {
		if !strings.Contains(out, w) {
			t.Errorf("info lacks %s: %s", w, out)
		}
	}
}

func TestListUsersPages(t *testing.T) {
	srv, _ := setup(t, 6) // seven numbers, three a page
	if _, _, e := run(t, srv, alice, NodeUsers, "", "", nil); e == nil || e.Condition != "forbidden" {
		t.Fatalf("a user listed users: %v", e)
	}
	out, sid, e := run(t, srv, "root@example.org/r", NodeUsers, "", "", nil)
	if e != nil || !strings.Contains(out, "page 1 of 3 (7 numbers)") || strings.Count(out, "<item>") != 3 || !strings.Contains(out, `execute="next"`) {
		t.Fatalf("page 1: %v %s", e, out)
	}
	out, _, _ = run(t, srv, "root@example.org/r", NodeUsers, sid, "next", nil)
	if !strings.Contains(out, "page 2 of 3") || !strings.Contains(out, "<prev>") {
		t.Fatalf("page 2: %s", out)
	}
	out, _, _ = run(t, srv, "root@example.org/r", NodeUsers, sid, "next", nil)
	if !strings.Contains(out, "page 3 of 3") || strings.Count(out, "<item>") != 1 || !strings.Contains(out, `execute="complete"`) {
		t.Fatalf("page 3: %s", out)
	}
	out, _, _ = run(t, srv, "root@example.org/r", NodeUsers, sid, "prev", nil)
	if !strings.Contains(out, "page 2 of 3") {
		t.Fatalf("back to page 2: %s", out)
	}
	if out, _, _ = run(t, srv, "root@example.org/r", NodeUsers, sid, "next", nil); !strings.Contains(out, "page 3 of 3") {
		t.Fatalf("page 3 again: %s", out)
	}
	out, _, _ = run(t, srv, "root@example.org/r", NodeUsers, sid, "complete", nil)
	if !strings.Contains(out, `status="completed"`) {
		t.Fatalf("complete: %s", out)
	}
	// As chat text, a page is a list.
	got, ok := srv.Chat(context.Background(), jid.MustParse("root@example.org/r"), "list users")
	if !ok || !strings.Contains(got, "• Number: +12015550100, JID: alice@example.org") || !strings.Contains(got, "Reply next, cancel") {
		t.Fatalf("chat: %s", got)
	}
}
