package softphone

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/internal/phone"
)

// maxBody bounds a posted description.
const maxBody = 64 << 10

// Handler serves the page's API:
//
//	POST /sandbox/phone/lines                          {"number"}: hold a number
//	GET  /sandbox/phone/lines/{line}/events?after=SEQ  events after SEQ (waits up to 25s)
//	POST /sandbox/phone/lines/{line}/calls             {"to","sdp"}: call a gateway number
//	POST /sandbox/phone/lines/{line}/calls/{call}/answer  {"sdp"}: answer an incoming call
//	POST /sandbox/phone/lines/{line}/calls/{call}/hangup  decline or hang up
//	DELETE /sandbox/phone/lines/{line}                 give the number back
func (p *Phone) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sandbox/phone/lines", p.openLine)
	mux.HandleFunc("GET /sandbox/phone/lines/{line}/events", p.events)
	mux.HandleFunc("POST /sandbox/phone/lines/{line}/calls", p.placeCall)
	mux.HandleFunc("POST /sandbox/phone/lines/{line}/calls/{call}/answer", p.answerCall)
	mux.HandleFunc("POST /sandbox/phone/lines/{line}/calls/{call}/hangup", p.hangupCall)
	mux.HandleFunc("DELETE /sandbox/phone/lines/{line}", p.closeLine)
	return mux
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, msg string) {
	reply(w, code, map[string]string{"error": msg})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(v); err != nil {
		fail(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return false
	}
	return true
}

func (p *Phone) openLine(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Number string `json:"number"`
	}
	if !decode(w, r, &req) {
		return
	}
	num, err := phone.Normalize(req.Number, "")
	if err != nil {
		fail(w, http.StatusBadRequest, "\""+req.Number+"\" is not a phone number in international form (+…)")
		return
	}
	if p.set.Numbers != nil && !p.allowed(w, p.set.Numbers.MayHold(r.Context(), num)) {
		return
	}
	l, err := p.open(num)
	switch {
	case errors.Is(err, ErrHeld):
		fail(w, http.StatusConflict, num+" is in use on another page")
		return
	case errors.Is(err, ErrTooMany):
		w.Header().Set("Retry-After", strconv.Itoa(int(p.set.LineIdle.Seconds())))
		fail(w, http.StatusTooManyRequests, "too many pages hold numbers on this gateway: try again when one has closed")
		return
	}
	reply(w, http.StatusCreated, map[string]string{"line": l.id, "number": num})
}

// allowed answers a Numbers refusal: 403 with its reason, or 503 when the
// policy could not tell.
func (p *Phone) allowed(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrNotSandbox):
		fail(w, http.StatusForbidden, strings.TrimPrefix(err.Error(), ErrNotSandbox.Error()+": "))
	default:
		p.log.Warn("softphone: cannot check a number", "err", err)
		fail(w, http.StatusServiceUnavailable, "cannot check the number now: try again")
	}
	return false
}

func (p *Phone) lineOf(w http.ResponseWriter, r *http.Request) *line {
	l, err := p.line(r.PathValue("line"))
	if err != nil {
		fail(w, http.StatusNotFound, "this page holds no number for calls: take a number first (or reload the page)")
		return nil
	}
	return l
}

func (p *Phone) closeLine(w http.ResponseWriter, r *http.Request) {
	l := p.lineOf(w, r)
	if l == nil {
		return
	}
	p.mu.Lock()
	p.dropLocked(l)
	p.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (p *Phone) events(w http.ResponseWriter, r *http.Request) {
	l := p.lineOf(w, r)
	if l == nil {
		return
	}
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	evs := l.poll(r.Context(), after, 25*time.Second)
	if evs == nil {
		evs = []Event{}
	}
	reply(w, http.StatusOK, map[string]any{"events": evs})
}

func (p *Phone) placeCall(w http.ResponseWriter, r *http.Request) {
	l := p.lineOf(w, r)
	if l == nil {
		return
	}
	var req struct {
		To  string `json:"to"`
		SDP string `json:"sdp"`
	}
	if !decode(w, r, &req) {
		return
	}
	to, err := phone.Normalize(req.To, "")
	if err != nil {
		fail(w, http.StatusBadRequest, "\""+req.To+"\" is not a phone number in international form (+…)")
		return
	}
	if p.set.Numbers != nil && !p.allowed(w, p.set.Numbers.MayCall(r.Context(), to)) {
		return
	}
	c, err := p.place(l, to, req.SDP)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	reply(w, http.StatusCreated, map[string]string{"call": c.id})
}

func (p *Phone) callOf(w http.ResponseWriter, r *http.Request) *pcall {
	l := p.lineOf(w, r)
	if l == nil {
		return nil
	}
	c, err := p.call(l, r.PathValue("call"))
	if err != nil {
		fail(w, http.StatusNotFound, "no such call (it has ended)")
		return nil
	}
	return c
}

func (p *Phone) answerCall(w http.ResponseWriter, r *http.Request) {
	c := p.callOf(w, r)
	if c == nil {
		return
	}
	var req struct {
		SDP string `json:"sdp"`
	}
	if !decode(w, r, &req) {
		return
	}
	if err := c.answer(req.SDP); err != nil {
		fail(w, http.StatusConflict, "cannot answer: not ringing, or no G.711 (PCMU/PCMA) in the answer")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (p *Phone) hangupCall(w http.ResponseWriter, r *http.Request) {
	c := p.callOf(w, r)
	if c == nil {
		return
	}
	c.hangup("Hung up on the page")
	w.WriteHeader(http.StatusNoContent)
}
