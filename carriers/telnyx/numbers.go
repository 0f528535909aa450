package telnyx

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/phone"
)

var (
	_ carriers.NumberStore  = (*Carrier)(nil)
	_ carriers.NumberFinder = (*Carrier)(nil)
)

// SearchNumbers implements carriers.NumberStore with
// GET /v2/available_phone_numbers: local numbers with the sms feature,
// filtered on country_code, national_destination_code (AreaCode),
// administrative_area (Region) and phone_number[contains], at most
// filter[limit]. The query is the one the official SDK builds for the same
// filter (tested).
func (c *Carrier) SearchNumbers(ctx context.Context, q carriers.NumberQuery) ([]carriers.AvailableNumber, error) {
	q, err := q.Normal()
	if err != nil {
		return nil, err
	}
	v := url.Values{
		"filter[country_code]":      {q.Country},
		"filter[features]":          {"sms"},
		"filter[limit]":             {strconv.Itoa(q.Limit)},
		"filter[phone_number_type]": {"local"},
	}
	if q.AreaCode != "" {
		v.Set("filter[national_destination_code]", q.AreaCode)
	}
	if q.Region != "" {
		v.Set("filter[administrative_area]", q.Region)
	}
	if q.Contains != "" {
		v.Set("filter[phone_number][contains]", q.Contains)
	}
	var answer struct {
		Data []struct {
			PhoneNumber string `json:"phone_number"`
			Features    []struct {
				Name string `json:"name"`
			} `json:"features"`
			Regions []struct {
				Name string `json:"region_name"`
				Type string `json:"region_type"`
			} `json:"region_information"`
		} `json:"data"`
	}
	if err := c.callQuery(ctx, http.MethodGet, "/v2/available_phone_numbers", v, nil, &answer); err != nil {
		return nil, err
	}
	out := make([]carriers.AvailableNumber, 0, len(answer.Data))
	for _, d := range answer.Data {
		if carriers.CheckNumber(d.PhoneNumber) != nil {
			continue
		}
		a := carriers.AvailableNumber{Number: d.PhoneNumber, Country: q.Country}
		for _, f := range d.Features {
			switch f.Name {
			case "sms":
				a.SMS = true
			case "mms":
				a.MMS = true
			case "voice":
				a.Voice = true
			}
		}
		for _, r := range d.Regions {
			switch r.Type {
			case "state":
				a.Region = r.Name
			case "rate_center", "location":
				if a.Locality == "" || r.Type == "location" {
					a.Locality = r.Name
				}
			case "country_code":
				a.Country = r.Name
			}
		}
		out = append(out, a)
		if len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// orderNumber is one number of a number order.
type orderNumber struct {
	PhoneNumber string `json:"phone_number"`
}

// BuyNumber implements carriers.NumberStore with POST /v2/number_orders,
// the number in the adapter's messaging profile, whose webhook URL (set
// in the portal) receives its texts. Telnyx fills orders asynchronously:
// an order still "pending" is OwnedNumber.Pending; one that "failed" is
// carriers.ErrNumberGone. The ID is the number itself, since the phone
// number's own id may not exist until the order is done; ReleaseNumber
// looks it up.
//
// Calls to the number are not routed: that needs a connection_id (a SIP
// connection to the gateway's trunk), which the adapter is not given.
func (c *Carrier) BuyNumber(ctx context.Context, number string) (carriers.OwnedNumber, error) {
	if err := carriers.CheckNumber(number); err != nil {
		return carriers.OwnedNumber{}, err
	}
	body := struct {
		PhoneNumbers       []orderNumber `json:"phone_numbers"`
		MessagingProfileID string        `json:"messaging_profile_id"`
	}{[]orderNumber{{number}}, c.set.MessagingProfileID}
	var answer struct {
		Data struct {
			ID           string `json:"id"`
			Status       string `json:"status"`
			PhoneNumbers []struct {
				PhoneNumber string `json:"phone_number"`
				Status      string `json:"status"`
			} `json:"phone_numbers"`
		} `json:"data"`
	}
	if err := c.call(ctx, http.MethodPost, "/v2/number_orders", body, &answer); err != nil {
		return carriers.OwnedNumber{}, err
	}
	d := answer.Data
	status := d.Status
	for _, n := range d.PhoneNumbers {
		if n.PhoneNumber == number && n.Status != "" {
			status = n.Status
		}
	}
	switch status {
	case "success":
		return carriers.OwnedNumber{Number: number, ID: number}, nil
	case "pending":
		return carriers.OwnedNumber{Number: number, ID: number, Pending: true}, nil
	case "failure":
		return carriers.OwnedNumber{}, &carriers.Error{Kind: carriers.ErrNumberGone, Message: "Telnyx could not fill the order for the number"}
	}
	c.set.Logger.Error("telnyx: number order answered with an unknown status; check the order in the portal",
		"order", d.ID, "status", status, "number", phone.Redact(number))
	return carriers.OwnedNumber{}, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "Telnyx answered the number order with status " + strconv.Quote(status)}
}

// ReleaseNumber implements carriers.NumberStore with
// DELETE /v2/phone_numbers/{id}. id is the number (as BuyNumber gives it),
// looked up first with GET /v2/phone_numbers?filter[phone_number]=…, or
// Telnyx's own phone number id (digits). A number the account no longer
// holds, or an id Telnyx no longer knows (404), counts as released.
func (c *Carrier) ReleaseNumber(ctx context.Context, id string) error {
	if carriers.CheckNumber(id) == nil {
		found, ok, err := c.numberID(ctx, id)
		if err != nil || !ok {
			return err
		}
		id = found
	}
	if !digits(id) {
		return &carriers.Error{Kind: carriers.ErrRejected, Message: "not a Telnyx phone number id"}
	}
	status, err := c.do(ctx, http.MethodDelete, "/v2/phone_numbers/"+id, nil, nil, nil)
	if status == http.StatusNotFound {
		return nil
	}
	return err
}

// FindNumber implements carriers.NumberFinder with the lookup
// ReleaseNumber makes; the id is the number, as BuyNumber gives it. An
// order Telnyx has not filled yet holds no number, so is not found.
func (c *Carrier) FindNumber(ctx context.Context, number string) (carriers.OwnedNumber, bool, error) {
	if err := carriers.CheckNumber(number); err != nil {
		return carriers.OwnedNumber{}, false, err
	}
	_, ok, err := c.numberID(ctx, number)
	if err != nil || !ok {
		return carriers.OwnedNumber{}, false, err
	}
	return carriers.OwnedNumber{Number: number, ID: number}, true, nil
}

// numberID looks the account's number up; ok is false when the account
// does not hold it.
func (c *Carrier) numberID(ctx context.Context, number string) (string, bool, error) {
	// Telnyx matches the filter on digits: a + would match nothing.
	v := url.Values{"filter[phone_number]": {strings.TrimPrefix(number, "+")}}
	var answer struct {
		Data []struct {
			ID          string `json:"id"`
			PhoneNumber string `json:"phone_number"`
		} `json:"data"`
	}
	if err := c.callQuery(ctx, http.MethodGet, "/v2/phone_numbers", v, nil, &answer); err != nil {
		return "", false, err
	}
	// The filter matches part of a number: only the whole one counts.
	for _, d := range answer.Data {
		if d.PhoneNumber == number && digits(d.ID) {
			return d.ID, true, nil
		}
	}
	return "", false, nil
}
