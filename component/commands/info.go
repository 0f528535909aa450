package commands

import (
	"context"

	"github.com/switchboard-gw/switchboard/component/adhoc"
)

// info is "My number": a completed command whose result form carries
// field tel, the user's number in E.164, which Cheogram Android reads.
type info struct{ o Options }

func (c info) step(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	owner := r.From.Bare().String()
	bs, err := c.o.Store.Numbers(ctx, owner)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return &adhoc.Step{Done: true, Notes: []adhoc.Note{{Type: adhoc.Info, Text: "You have no phone number on this gateway. " + c.o.NoNumber}}}, nil
	}
	f := &adhoc.Form{Type: adhoc.TypeResult, Title: "My number", Fields: []adhoc.Field{
		{Var: "tel", Type: adhoc.TextSingle, Label: "Number", Values: []string{bs[0].Number}},
		{Var: "jid", Type: adhoc.JIDSingle, Label: "Its JID", Values: []string{bs[0].Number + "@" + c.o.Domain}},
		{Var: "owner", Type: adhoc.JIDSingle, Label: "Held by", Values: []string{owner}},
	}}
	if len(bs) > 1 {
		others := make([]string, 0, len(bs)-1)
		for _, b := range bs[1:] {
			others = append(others, b.Number)
		}
		f.Fields = append(f.Fields, adhoc.Field{Var: "others", Type: adhoc.TextMulti, Label: "Other numbers", Values: others})
	}
	return &adhoc.Step{Done: true, Form: f}, nil
}
