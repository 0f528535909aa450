package jinglepeer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// ErrBadEvent is returned by ParseEvent for a line that is not a JSON
// object with a string "event" field.
var ErrBadEvent = errors.New("jinglepeer: bad event line")

// Event is one JSON line the peer wrote on stdout.
type Event struct {
	Name   string         // the "event" field: ready, propose, connected, tone, ...
	Fields map[string]any // every field, "event" included
	Raw    string         // the line as written
}

// ParseEvent decodes one line of the peer's output.
func ParseEvent(line []byte) (Event, error) {
	var fields map[string]any
	if err := json.Unmarshal(line, &fields); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrBadEvent, err)
	}
	name, ok := fields["event"].(string)
	if !ok || name == "" {
		return Event{}, fmt.Errorf("%w: no \"event\" field in %.200q", ErrBadEvent, line)
	}
	return Event{Name: name, Fields: fields, Raw: string(line)}, nil
}

// String returns the line as the peer wrote it.
func (e Event) String() string { return e.Raw }

// Str returns a string field, or "".
func (e Event) Str(key string) string {
	s, _ := e.Fields[key].(string)
	return s
}

// Float returns a numeric field, or 0.
func (e Event) Float(key string) float64 {
	f, _ := e.Fields[key].(float64)
	return f
}

// Power returns the measured power ratio (0..1) at freq Hz from a "tone"
// event, or -1 when the peer did not measure that frequency (see
// Options.Detect).
func (e Event) Power(freq float64) float64 {
	powers, _ := e.Fields["powers"].(map[string]any)
	p, ok := powers[strconv.FormatFloat(freq, 'g', -1, 64)].(float64)
	if !ok {
		return -1
	}
	return p
}
