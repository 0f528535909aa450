package twilio

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/phone"
)

var (
	_ carriers.NumberStore  = (*Carrier)(nil)
	_ carriers.NumberFinder = (*Carrier)(nil)
)

// codeNotAvailable is Twilio's error 21422, "PhoneNumber is not
// available": the number was bought by someone else since it was listed.
const codeNotAvailable = "21422"

// SearchNumbers implements carriers.NumberStore with one page of the
// AvailablePhoneNumbers Local list
// (GET /2010-04-01/Accounts/{Sid}/AvailablePhoneNumbers/{Country}/Local.json),
// SMS-capable numbers only. Twilio applies AreaCode and Region (InRegion)
// to US and Canadian numbers only.
func (c *Carrier) SearchNumbers(ctx context.Context, q carriers.NumberQuery) ([]carriers.AvailableNumber, error) {
	q, err := q.Normal()
	if err != nil {
		return nil, err
	}
	p := &openapi.ListAvailablePhoneNumberLocalParams{}
	p.SetSmsEnabled(true).SetPageSize(q.Limit)
	if q.AreaCode != "" {
		ac, _ := strconv.Atoi(q.AreaCode) // three digits (Normal)
		p.SetAreaCode(ac)
	}
	if q.Region != "" {
		p.SetInRegion(q.Region)
	}
	if q.Contains != "" {
		p.SetContains(q.Contains)
	}
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	api, rt := c.service(ctx)
	// The country is two letters (Normal): the SDK puts it in the path
	// unescaped.
	page, err := api.PageAvailablePhoneNumberLocal(q.Country, p, "", "")
	if err != nil {
		return nil, rt.classify(err)
	}
	out := make([]carriers.AvailableNumber, 0, len(page.AvailablePhoneNumbers))
	for _, n := range page.AvailablePhoneNumbers {
		if n.PhoneNumber == nil || carriers.CheckNumber(*n.PhoneNumber) != nil {
			continue
		}
		a := carriers.AvailableNumber{Number: *n.PhoneNumber, Country: q.Country}
		if n.Locality != nil {
			a.Locality = *n.Locality
		}
		if n.Region != nil {
			a.Region = *n.Region
		}
		if n.IsoCountry != nil && *n.IsoCountry != "" {
			a.Country = *n.IsoCountry
		}
		if cp := n.Capabilities; cp != nil {
			a.Capabilities = carriers.Capabilities{SMS: cp.Sms, MMS: cp.Mms, Voice: cp.Voice}
		}
		out = append(out, a)
		if len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// BuyNumber implements carriers.NumberStore: it creates the
// IncomingPhoneNumber (POST /2010-04-01/Accounts/{Sid}/IncomingPhoneNumbers.json)
// with SmsUrl {PublicURL}/{Name}/sms, POST, so inbound texts reach the
// gateway. Delivery reports need nothing on the number: every send names
// its own StatusCallback. The number's own StatusCallback is Twilio's
// call-progress callback, which the gateway does not serve, and its
// VoiceUrl is left alone: the gateway's calls come over its SIP trunk, not
// TwiML; with trunk_sid the number is put on that Elastic SIP Trunk
// (TrunkSid), otherwise route it in the console.
func (c *Carrier) BuyNumber(ctx context.Context, number string) (carriers.OwnedNumber, error) {
	if err := carriers.CheckNumber(number); err != nil {
		return carriers.OwnedNumber{}, err
	}
	if c.set.PublicURL == "" {
		// A number whose texts go nowhere would be bought for nothing.
		return carriers.OwnedNumber{}, &carriers.Error{Kind: carriers.ErrUnavailable, Message: "the gateway has no public URL for " + c.d.Title + " to send texts to"}
	}
	p := &openapi.CreateIncomingPhoneNumberParams{}
	p.SetPhoneNumber(number).SetSmsUrl(c.set.PublicURL + "/" + c.d.Name + "/sms").SetSmsMethod(http.MethodPost)
	if c.set.TrunkSID != "" {
		p.SetTrunkSid(c.set.TrunkSID)
	}
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	api, rt := c.service(ctx)
	n, err := api.CreateIncomingPhoneNumber(p)
	if err != nil {
		return carriers.OwnedNumber{}, numberError(rt.classify(err))
	}
	if n.Sid == nil || !c.d.numberID(*n.Sid) {
		// Bought, maybe, but with no id it cannot be released: say so
		// loudly rather than hand back half an answer.
		c.set.Logger.Error(c.d.Name+": bought a number but the answer has no sid; release it by hand", "number", phone.Redact(number))
		return carriers.OwnedNumber{}, &carriers.Error{Kind: carriers.ErrUnavailable, Message: c.d.Title + " answered without the number's SID"}
	}
	own := carriers.OwnedNumber{Number: number, ID: *n.Sid}
	if n.PhoneNumber != nil && *n.PhoneNumber != "" {
		own.Number = *n.PhoneNumber
	}
	return own, nil
}

// FindNumber implements carriers.NumberFinder: it lists the account's
// IncomingPhoneNumbers whose PhoneNumber is number (GET
// /2010-04-01/Accounts/{Sid}/IncomingPhoneNumbers.json?PhoneNumber=…).
func (c *Carrier) FindNumber(ctx context.Context, number string) (carriers.OwnedNumber, bool, error) {
	if err := carriers.CheckNumber(number); err != nil {
		return carriers.OwnedNumber{}, false, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	api, rt := c.service(ctx)
	p := &openapi.ListIncomingPhoneNumberParams{}
	p.SetPhoneNumber(number).SetPageSize(20).SetLimit(20)
	ns, err := api.ListIncomingPhoneNumber(p)
	if err != nil {
		return carriers.OwnedNumber{}, false, rt.classify(err)
	}
	for _, n := range ns {
		// The filter takes patterns: only the whole number counts.
		if n.PhoneNumber != nil && *n.PhoneNumber == number && n.Sid != nil && c.d.numberID(*n.Sid) {
			return carriers.OwnedNumber{Number: number, ID: *n.Sid}, true, nil
		}
	}
	return carriers.OwnedNumber{}, false, nil
}

// ReleaseNumber implements carriers.NumberStore: it deletes the
// IncomingPhoneNumber (DELETE …/IncomingPhoneNumbers/{id}.json). One
// already gone (404) counts as released.
func (c *Carrier) ReleaseNumber(ctx context.Context, id string) error {
	if !c.d.numberID(id) {
		return &carriers.Error{Kind: carriers.ErrRejected, Message: "not a " + c.d.Title + " phone number id"}
	}
	ctx, cancel := context.WithTimeout(ctx, c.set.Timeout)
	defer cancel()
	api, rt := c.service(ctx)
	if err := api.DeleteIncomingPhoneNumber(id, &openapi.DeleteIncomingPhoneNumberParams{}); err != nil {
		if rt.status == http.StatusNotFound {
			return nil
		}
		return rt.classify(err)
	}
	return nil
}

// numberError marks Twilio's "not available" answer as ErrNumberGone.
func numberError(err error) error {
	var e *carriers.Error
	if errors.As(err, &e) && e.Code == codeNotAvailable {
		e.Kind = carriers.ErrNumberGone
	}
	return err
}
