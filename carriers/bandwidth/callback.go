package bandwidth

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/switchboard-gw/switchboard/carriers"
)

// event is one element of a callback body: the definition's inboundCallback
// or statusCallback, which share these fields.
type event struct {
	Type        string       `json:"type"`
	Time        string       `json:"time"`
	To          string       `json:"to"`
	Description string       `json:"description"`
	ErrorCode   *int         `json:"errorCode"`
	Message     eventMessage `json:"message"`
}

// eventMessage is the definition's statusCallbackMessage (and
// inboundCallbackMessage, which extends it with RBM content).
type eventMessage struct {
	ID            string   `json:"id"`
	Owner         string   `json:"owner"`
	ApplicationID string   `json:"applicationId"`
	Direction     string   `json:"direction"`
	To            []string `json:"to"`
	From          string   `json:"from"`
	Text          string   `json:"text"`
	Tag           string   `json:"tag"`
	Media         []string `json:"media"`
}

type eventKind int

const (
	kindOther eventKind = iota
	kindInbound
	kindStatus
)

// kind sorts the definition's callback types.
func kind(t string) eventKind {
	switch t {
	case "message-received":
		return kindInbound
	case "message-sending", "message-sent", "message-delivered", "message-failed", "message-read":
		return kindStatus
	}
	return kindOther
}

// maxEvents bounds the events of one callback body.
const maxEvents = 100

var errNotArray = errors.New("bandwidth: callback body is not a JSON array of events")

// parseCallbacks reads a callback body: a JSON array of events, each with
// the fields the gateway relies on (the definition's required ones).
func parseCallbacks(data []byte) ([]event, error) {
	var events []event
	if err := json.Unmarshal(data, &events); err != nil || events == nil {
		return nil, errNotArray
	}
	if len(events) == 0 || len(events) > maxEvents {
		return nil, fmt.Errorf("bandwidth: %d events in one callback, want 1 to %d", len(events), maxEvents)
	}
	for i, ev := range events {
		if err := ev.check(); err != nil {
			return nil, fmt.Errorf("bandwidth: event %d: %w", i, err)
		}
	}
	return events, nil
}

// check requires what the gateway reads of the event: its type, the message
// id (the de-duplication key), and for an inbound message the numbers.
func (ev event) check() error {
	if ev.Type == "" {
		return errors.New("no type")
	}
	if kind(ev.Type) == kindOther {
		return nil
	}
	if ev.Message.ID == "" {
		return errors.New("no message id")
	}
	if kind(ev.Type) == kindInbound {
		if ev.To == "" || ev.Message.From == "" {
			return errors.New("message-received without to or from")
		}
		if len(ev.Message.To) > maxEvents {
			return errors.New("too many recipients")
		}
	}
	return nil
}

// inbound reads a message-received event. The event's to is the gateway's
// number that got it; the message's other to numbers (a group message) are
// Cc.
func inbound(ev event) carriers.Message {
	m := carriers.Message{Carrier: Name, ID: ev.Message.ID, From: ev.Message.From, To: ev.To, Body: ev.Message.Text}
	for _, n := range ev.Message.To {
		if n != ev.To && n != ev.Message.From && n != "" && !slices.Contains(m.Cc, n) {
			m.Cc = append(m.Cc, n)
		}
	}
	for _, u := range ev.Message.Media {
		if u != "" {
			m.Media = append(m.Media, carriers.Media{URL: u})
		}
	}
	return m
}

// status reads a status event. Every statusCallbackTypeEnum value has a
// state; a failure carries the shared reason for its errorCode beside
// Bandwidth's code and description.
func status(ev event) carriers.Status {
	s := carriers.Status{Carrier: Name, ID: ev.Message.ID}
	switch ev.Type {
	case "message-delivered", "message-read":
		s.State = carriers.StateDelivered
	case "message-failed":
		s.State = carriers.StateFailed
		s.ErrorCode, s.ErrorText = errorCode(ev.ErrorCode), ev.Description
		s.Reason = reasonFor(s.ErrorCode)
	case "message-sent":
		s.State = carriers.StateSent
	default: // message-sending
		s.State = carriers.StateQueued
	}
	return s
}
