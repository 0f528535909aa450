package outbox

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// Jobs cross Redis twice per message (queued, then read back), on the
// gateway's busiest path, so they are written in a compact binary form
// rather than JSON: a version byte, then each field in a fixed order,
// strings and byte slices as a uvarint length and the bytes, numbers as
// varints, booleans as one byte.

// codecVersion is the first byte of an encoded job; a job in another
// version is refused rather than misread.
const codecVersion = 1

// errBadJob: the bytes are not an encoded job.
var errBadJob = errors.New("outbox: not an encoded job")

// encode appends j to b.
func (j *Job) encode(b []byte) []byte {
	w := writer{b: append(b, codecVersion)}
	w.str(j.Key)
	m := &j.Message
	w.str(m.Carrier)
	w.str(m.ID)
	w.str(m.From)
	w.str(m.To)
	w.strs(m.Cc)
	w.str(m.Body)
	w.uint(uint64(len(m.Media)))
	for _, md := range m.Media {
		w.str(md.URL)
		w.str(md.Type)
	}
	w.str(m.Name)
	w.str(m.Key)
	w.str(j.Origin.JID)
	w.str(j.Origin.StanzaID)
	w.bool(j.Origin.Receipt)
	w.int(j.Accepted.UnixNano())
	w.int(int64(j.Attempt))
	w.bool(j.Paced)
	w.bool(j.After != nil)
	if a := j.After; a != nil {
		w.str(a.Carrier)
		w.str(a.Sent.JID)
		w.str(a.Sent.StanzaID)
		w.str(a.Sent.Number)
		w.str(a.Sent.From)
		w.bool(a.Sent.Receipt)
		w.int(int64(a.TTL))
		w.bool(a.Recent != nil)
		if r := a.Recent; r != nil {
			w.str(r.Conv)
			w.bytes(r.Entry)
			w.int(int64(r.Keep))
			w.int(int64(r.TTL))
		}
	}
	return w.b
}

// decode reads a job encode wrote.
func (j *Job) decode(b []byte) error {
	if len(b) == 0 || b[0] != codecVersion {
		return errBadJob
	}
	r := reader{b: b[1:]}
	j.Key = r.str()
	m := &j.Message
	m.Carrier = r.str()
	m.ID = r.str()
	m.From = r.str()
	m.To = r.str()
	m.Cc = r.strs()
	m.Body = r.str()
	if n := r.count(); n > 0 {
		m.Media = make([]carriers.Media, n)
		for i := range m.Media {
			m.Media[i] = carriers.Media{URL: r.str(), Type: r.str()}
		}
	}
	m.Name = r.str()
	m.Key = r.str()
	j.Origin.JID = r.str()
	j.Origin.StanzaID = r.str()
	j.Origin.Receipt = r.bool()
	j.Accepted = time.Unix(0, r.int())
	j.Attempt = int(r.int())
	j.Paced = r.bool()
	if r.bool() {
		a := &store.AfterSend{Carrier: r.str()}
		a.Sent.JID = r.str()
		a.Sent.StanzaID = r.str()
		a.Sent.Number = r.str()
		a.Sent.From = r.str()
		a.Sent.Receipt = r.bool()
		a.TTL = time.Duration(r.int())
		if r.bool() {
			a.Recent = &store.Recent{Conv: r.str(), Entry: r.bytes()}
			a.Recent.Keep = int(r.int())
			a.Recent.TTL = time.Duration(r.int())
		}
		j.After = a
	}
	if r.bad || len(r.b) != 0 {
		return errBadJob
	}
	return nil
}

type writer struct{ b []byte }

func (w *writer) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *writer) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *writer) str(s string)  { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *writer) bytes(p []byte) {
	w.uint(uint64(len(p)))
	w.b = append(w.b, p...)
}

func (w *writer) strs(ss []string) {
	w.uint(uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

func (w *writer) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// reader reads what writer wrote; once bad, it returns zero values.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) int() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count is a length that must fit in what is left.
func (r *reader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.bad = true
		return 0
	}
	return int(n)
}

func (r *reader) raw() []byte {
	n := r.count()
	if r.bad {
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) str() string   { return string(r.raw()) }
func (r *reader) bytes() []byte { return append([]byte(nil), r.raw()...) }

func (r *reader) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, 0, n)
	for range n {
		ss = append(ss, r.str())
	}
	return ss
}

func (r *reader) bool() bool {
	if len(r.b) == 0 || r.b[0] > 1 {
		r.bad = true
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}
