package commands

import (
	"context"
	"strconv"
	"time"

	"github.com/switchboard-gw/switchboard/component/adhoc"
)

// users lists every number and its owner, a page at a time, for admins.
type users struct{ o Options }

const stagePage = "page"

func (c users) step(ctx context.Context, r *adhoc.Request) (*adhoc.Step, error) {
	page := 0
	if r.Stage == stagePage {
		page, _ = strconv.Atoi(r.State["page"])
		page++
	}
	bs, err := c.o.Store.List(ctx)
	if err != nil {
		return nil, err
	}
	pages := max(1, (len(bs)+c.o.PageSize-1)/c.o.PageSize)
	if page >= pages {
		return &adhoc.Step{Done: true, Notes: []adhoc.Note{{Type: adhoc.Info, Text: "End of the list."}}}, nil
	}
	r.State["page"] = strconv.Itoa(page)
	f := &adhoc.Form{Type: adhoc.TypeResult,
		Title: "Users: page " + strconv.Itoa(page+1) + " of " + strconv.Itoa(pages) + " (" + strconv.Itoa(len(bs)) + " numbers)",
		Reported: []adhoc.Field{
			{Var: "number", Label: "Number"}, {Var: "jid", Label: "JID", Type: adhoc.JIDSingle},
			{Var: "carrier", Label: "Carrier"}, {Var: "assigned", Label: "Assigned"},
		}}
	for _, b := range bs[page*c.o.PageSize : min(len(bs), (page+1)*c.o.PageSize)] {
		f.Items = append(f.Items, map[string]string{"number": b.Number, "jid": b.JID, "carrier": b.Carrier, "assigned": b.Assigned.UTC().Format(time.DateOnly)})
	}
	if len(bs) == 0 {
		return &adhoc.Step{Done: true, Notes: []adhoc.Note{{Type: adhoc.Info, Text: "No numbers are assigned."}}}, nil
	}
	return &adhoc.Step{Stage: stagePage, Form: f, Done: pages == 1, Final: page == pages-1}, nil
}
