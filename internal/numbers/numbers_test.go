package numbers

import (
	"context"
	"errors"
	"sort"
	"testing"

	"github.com/switchboard-gw/switchboard/internal/policy"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// memStore keeps bindings in memory with the real store's rules: a number
// held by one JID cannot be assigned to another.
type memStore map[string]store.Binding

func (m memStore) Assign(_ context.Context, b store.Binding) error {
	if old, ok := m[b.Number]; ok && old.JID != b.JID {
		return store.ErrTaken
	}
	m[b.Number] = b
	return nil
}

func (m memStore) Release(_ context.Context, n string) (store.Binding, error) {
	b, ok := m[n]
	if !ok {
		return store.Binding{}, store.ErrNotFound
	}
	delete(m, n)
	return b, nil
}

func (m memStore) List(context.Context) ([]store.Binding, error) {
	var out []store.Binding
	for _, b := range m {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

func (m memStore) SetForward(_ context.Context, n, target string) error {
	b, ok := m[n]
	if !ok {
		return store.ErrNotFound
	}
	b.Forward = target
	m[n] = b
	return nil
}

func TestAssign(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name              string
		carriers          []string
		number, owner, cr string
		want              store.Binding
		err               error
	}{
		{"national number, only carrier", []string{"sandbox"}, "(201) 555-0100", "alice@example.org", "", store.Binding{Number: "+12015550100", JID: "alice@example.org", Carrier: "sandbox"}, nil},
		{"E.164", []string{"twilio"}, "+442071838750", "bob@example.org", "", store.Binding{Number: "+442071838750", JID: "bob@example.org", Carrier: "twilio"}, nil},
		{"named carrier", []string{"sandbox", "twilio"}, "+12015550101", "carol@example.org", "twilio", store.Binding{Number: "+12015550101", JID: "carol@example.org", Carrier: "twilio"}, nil},
		{"several carriers, none named", []string{"sandbox", "twilio"}, "+12015550101", "carol@example.org", "", store.Binding{}, ErrCarrier},
		{"unknown carrier", []string{"sandbox", "twilio"}, "+12015550101", "carol@example.org", "telnyx", store.Binding{}, ErrCarrier},
		{"no carrier at all", nil, "+12015550101", "carol@example.org", "", store.Binding{}, ErrCarrier},
		{"impossible number", []string{"sandbox"}, "+1555", "alice@example.org", "", store.Binding{}, ErrNumber},
		{"domain, not a user", []string{"sandbox"}, "+12015550102", "example.org", "", store.Binding{}, ErrOwner},
		{"full JID", []string{"sandbox"}, "+12015550102", "a@example.org/phone", "", store.Binding{}, ErrOwner},
		{"not a JID", []string{"sandbox"}, "+12015550102", "a@@b", "", store.Binding{}, ErrOwner},
		{"taken", []string{"sandbox"}, "+12015550199", "mallory@example.org", "", store.Binding{}, store.ErrTaken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memStore{"+12015550199": {Number: "+12015550199", JID: "zoe@example.org", Carrier: "sandbox"}}
			b := Book{Store: st, Region: "US", Carriers: tc.carriers}
			got, err := b.Assign(ctx, tc.number, tc.owner, tc.cr)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("Assign = %v, want %v", err, tc.err)
			}
			if got != tc.want {
				t.Fatalf("Assign = %+v, want %+v", got, tc.want)
			}
			if tc.err == nil && st[got.Number] != got {
				t.Errorf("stored %+v", st[got.Number])
			}
			if tc.err != nil && len(st) != 1 {
				t.Errorf("a refused assignment changed the store: %v", st)
			}
		})
	}
}

func TestReleaseAndForward(t *testing.T) {
	ctx := context.Background()
	st := memStore{}
	var pol policy.Config
	if err := pol.Check(); err != nil {
		t.Fatal(err)
	}
	b := Book{Store: st, Region: "US", Carriers: []string{"sandbox"}, Calls: pol.Calls()}
	if _, err := b.Assign(ctx, "2015550100", "alice@example.org", ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		number, target string
		want           string
		err            error
	}{
		{"+12015550100", "(201) 555-0123", "+12015550123", nil},
		{"+12015550100", "sip:desk@pbx.example.org", "sip:desk@pbx.example.org", nil},
		{"+12015550100", "sips:+12015550123@pbx.example.org", "sips:+12015550123@pbx.example.org", nil},
		{"+12015550100", "off", "", nil},
		{"+12015550100", "sip:", "", ErrTarget},
		{"+12015550100", "sip:a b@x", "", ErrTarget},
		{"+12015550100", "sip:@host", "", ErrTarget},
		{"+12015550100", "sip:desk@", "", ErrTarget},
		{"+12015550100", "desk", "", ErrTarget},
		{"+12015550100", "+1555", "", ErrTarget},
		{"+12015550100", "+1 900 555 0123", "", ErrRefused},
		{"+12015550100", "+882 3456 7890", "", ErrRefused},
		{"+12015550100", "sip:+19005550123@pbx.example.org", "sip:+19005550123@pbx.example.org", nil},
		{"+12015550111", "off", "", ErrNotAssigned},
		{"nonsense", "off", "", ErrNumber},
	} {
		t.Run(tc.number+" "+tc.target, func(t *testing.T) {
			_, to, err := b.Forward(ctx, tc.number, tc.target)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("Forward = %v, want %v", err, tc.err)
			}
			if to != tc.want {
				t.Fatalf("Forward target = %q, want %q", to, tc.want)
			}
			if tc.err == nil && st["+12015550100"].Forward != tc.want {
				t.Errorf("stored forward %q", st["+12015550100"].Forward)
			}
		})
	}
	if _, err := b.Release(ctx, "+12015550111"); !errors.Is(err, ErrNotAssigned) {
		t.Errorf("Release of a free number = %v", err)
	}
	got, err := b.Release(ctx, "(201) 555-0100")
	if err != nil || got.JID != "alice@example.org" {
		t.Fatalf("Release = %+v, %v", got, err)
	}
	if l, _ := b.List(ctx); len(l) != 0 {
		t.Errorf("List after release = %v", l)
	}
}
