package outbox

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// Sentinel errors.
var (
	// ErrGaveUp: the carrier stayed unavailable (or pacing held the job)
	// past the configured age.
	ErrGaveUp = errors.New("outbox: gave up")
	// ErrNoCarrier: the job names a carrier the Handler does not know.
	ErrNoCarrier = errors.New("outbox: no such carrier")
	// ErrInDoubt: the gateway stopped while this job's send was under way,
	// and the carrier cannot say whether it took it. It is not sent again:
	// at most once.
	ErrInDoubt = errors.New("outbox: send interrupted; the message may or may not have gone out")
)

// Reconciler is implemented by Handlers that can ask the carrier whether a
// job whose send was interrupted reached it (Twilio: list the number's
// recent messages).
type Reconciler interface {
	Reconcile(ctx context.Context, j *Job) (id string, found bool, err error)
}

// Queue is the durable storage of jobs (internal/store).
type Queue interface {
	OutboxAdd(ctx context.Context, job []byte) error
	OutboxRead(ctx context.Context, consumer, after string, n int, block time.Duration) ([]store.OutboxEntry, error)
	OutboxClaim(ctx context.Context, consumer string, minIdle time.Duration, n int) ([]store.OutboxEntry, error)
	OutboxBegin(ctx context.Context, key string, ttl time.Duration, from string, tos []string) (state, carrierID, optedOut string, err error)
	OutboxDone(ctx context.Context, entry, key, carrierID string, ttl time.Duration, after *store.AfterSend) error
	OutboxRetry(ctx context.Context, entry, key string, job []byte, due time.Time) error
	OutboxDue(ctx context.Context, now time.Time, n int) (moved int, next time.Time, err error)
	// Pace books the next send of each key for every instance sharing the
	// queue ([outbox] shared_pacing), and says how long from now it may go.
	Pace(ctx context.Context, keys []string, every []time.Duration) (time.Duration, error)
}

// Handler sends jobs and hears their outcome.
type Handler interface {
	// Send submits the job's message to its carrier and returns the
	// carrier's id. An error wrapping carriers.ErrUnavailable is retried;
	// any other is final.
	Send(ctx context.Context, j *Job) (id string, err error)
	// Limits returns the limits of the named carrier, for pacing.
	Limits(carrier string) (carriers.Limits, bool)
	// Sent is told of a job the carrier took (also when a redelivered job
	// turns out to have been sent before), once its After is written.
	Sent(ctx context.Context, j *Job, id string)
	// Failed is told of a job that will not be sent: rejected by the
	// carrier, or given up (ErrGaveUp).
	Failed(ctx context.Context, j *Job, err error)
}

// sentTTL is how long a job's "sent" marker outlives it: longer than any
// redelivery can come (a dead instance's jobs are claimed within minutes).
const sentTTL = 48 * time.Hour

// Outbox runs the queue.
type Outbox struct {
	cfg   Config
	q     Queue
	h     Handler
	log   *slog.Logger
	now   func() time.Time
	pace  pacer
	wake  chan struct{} // a retry was scheduled: the due loop may need to look sooner
	batch int
	// recording: sends being recorded after the carrier took them (see
	// send); Run waits for them.
	recording sync.WaitGroup
}

// New returns an outbox over q whose jobs h sends; cfg must be checked.
func New(cfg Config, q Queue, h Handler, log *slog.Logger) *Outbox {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{cfg: cfg, q: q, h: h, log: log, now: time.Now, wake: make(chan struct{}, 1), batch: 256}
}

// Add puts j in the queue. Once it returns nil the message is the queue's:
// it will be sent or its failure reported.
func (o *Outbox) Add(ctx context.Context, j *Job) error {
	if j.Key == "" {
		j.Key = NewKey()
	}
	if j.Accepted.IsZero() {
		j.Accepted = o.now()
	}
	return o.q.OutboxAdd(ctx, j.encode(nil))
}

type task struct {
	entry string
	job   *Job
}

// Run sends queued jobs until ctx ends, then waits for the sends under way.
func (o *Outbox) Run(ctx context.Context) {
	// One channel per worker; a conversation always goes to the same
	// worker, so its messages leave in the order they were accepted.
	lanes := make([]chan task, o.cfg.Workers)
	var wg sync.WaitGroup
	for i := range lanes {
		lanes[i] = make(chan task, 16)
		wg.Add(1)
		go func(in <-chan task) {
			defer wg.Done()
			for t := range in {
				if ctx.Err() != nil {
					continue // left pending: this consumer resumes it at its next start
				}
				o.process(ctx, t.entry, t.job)
			}
		}(lanes[i])
	}
	var feeders sync.WaitGroup
	feeders.Add(2)
	go func() { defer feeders.Done(); o.claimLoop(ctx, lanes) }()
	go func() { defer feeders.Done(); o.readLoop(ctx, lanes) }()
	wg.Add(1)
	go func() { defer wg.Done(); o.dueLoop(ctx) }()
	feeders.Wait()
	for _, l := range lanes {
		close(l)
	}
	wg.Wait()
	o.recording.Wait()
}

func (o *Outbox) readLoop(ctx context.Context, lanes []chan task) {
	backoff := 100 * time.Millisecond
	// First the jobs this consumer was given before a restart and never
	// finished, then new ones.
	after := "0"
	for ctx.Err() == nil {
		es, err := o.q.OutboxRead(ctx, o.cfg.Consumer, after, o.batch, time.Second)
		if err != nil {
			if ctx.Err() == nil {
				o.log.Warn("outbox: cannot read the queue", "err", err)
			}
			sleep(ctx, backoff)
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		if after != "" {
			after = ""
			if len(es) == o.batch {
				after = es[len(es)-1].ID
			}
		}
		o.dispatch(ctx, es, lanes)
	}
}

func (o *Outbox) dispatch(ctx context.Context, es []store.OutboxEntry, lanes []chan task) {
	for _, e := range es {
		j := new(Job)
		if err := j.decode(e.Job); err != nil {
			// Nothing can send it; keeping it would jam the queue.
			o.log.Error("outbox: dropping an unreadable job", "entry", e.ID, "err", err)
			o.finish(ctx, e.ID, nil, "")
			continue
		}
		// One conversation (sender and recipients) always goes to the same
		// lane, so its messages leave in order; pacing per number is the
		// pacer's, across lanes.
		h := fnv.New32a()
		h.Write([]byte(j.Message.From))
		for _, to := range j.Message.Recipients() {
			h.Write([]byte{0})
			h.Write([]byte(to))
		}
		select {
		case lanes[h.Sum32()%uint32(len(lanes))] <- task{e.ID, j}:
		case <-ctx.Done():
			return
		}
	}
}

// process takes one job to its carrier, or schedules its retry.
func (o *Outbox) process(ctx context.Context, entry string, j *Job) {
	log := o.log.With("key", j.Key, "carrier", j.Message.Carrier)
	now := o.now()
	if now.Sub(j.Accepted) > o.cfg.MaxAge {
		o.fail(ctx, entry, j, fmt.Errorf("%w: not sent within %s", ErrGaveUp, o.cfg.MaxAge))
		return
	}
	if !j.Paced {
		if at := o.turn(ctx, j, now); at.After(now) {
			j.Paced = true
			o.retry(ctx, entry, j, at, false)
			return
		}
	}
	var state, id, optedOut string
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		var err error
		if state, id, optedOut, err = o.q.OutboxBegin(ctx, j.Key, sentTTL, j.Message.From, j.Message.Recipients()); err == nil {
			break
		}
		log.Warn("outbox: cannot mark a job in flight; retrying", "err", err)
		if !sleep(ctx, backoff) {
			return // still pending: this consumer resumes it at its next start
		}
	}
	switch state {
	case store.OutboxSent:
		log.Info("outbox: job was sent before a restart; not sending again")
		o.finish(ctx, entry, j, id)
		o.h.Sent(ctx, j, id)
		return
	case store.OutboxInDoubt:
		o.inDoubt(ctx, log, entry, j)
		return
	}
	if optedOut != "" {
		// The carrier said so before: it is not asked again.
		o.fail(ctx, entry, j, &carriers.Error{Kind: carriers.ErrRejected, Reason: carriers.ReasonOptedOut,
			Message: "the recipient opted out"})
		return
	}
	j.Paced = false
	o.send(ctx, log, entry, j)
}

// send hands the job, marked in flight, to the carrier.
func (o *Outbox) send(ctx context.Context, log *slog.Logger, entry string, j *Job) {
	now := o.now()
	// A send under way finishes even at shutdown (the Handler bounds it):
	// cut short, the carrier might take it without the gateway knowing.
	id, err := o.h.Send(context.WithoutCancel(ctx), j)
	j.Attempt++
	switch {
	case err == nil:
		// The lane does not wait for the record: the conversation's next
		// message may go to the carrier meanwhile (its order is the order
		// the carrier took them in), and its in-flight mark shares Redis's
		// round trip with this record. A crash before the record leaves
		// this job's mark, so a restart asks the carrier (inDoubt) rather
		// than send it again.
		o.recording.Go(func() {
			o.finish(ctx, entry, j, id)
			o.h.Sent(ctx, j, id)
		})
	case errors.Is(err, carriers.ErrUnavailable):
		delay := min(o.cfg.RetryMin<<min(j.Attempt-1, 20), o.cfg.RetryMax)
		var ce *carriers.Error
		if errors.As(err, &ce) && ce.RetryAfter > delay {
			delay = ce.RetryAfter
		}
		due := now.Add(delay)
		if due.Sub(j.Accepted) > o.cfg.MaxAge {
			o.fail(ctx, entry, j, fmt.Errorf("%w: the carrier stayed unavailable for %s: %w", ErrGaveUp, o.cfg.MaxAge, err))
			return
		}
		log.Info("outbox: carrier unavailable; will retry", "attempt", j.Attempt, "in", delay, "err", err)
		o.retry(ctx, entry, j, due, true)
	default:
		o.fail(ctx, entry, j, err)
	}
}

// inDoubt settles a job whose earlier send was cut short: the carrier is
// asked where it can be, and otherwise the user is told it may not have
// gone out. Sending it again could deliver it twice.
func (o *Outbox) inDoubt(ctx context.Context, log *slog.Logger, entry string, j *Job) {
	if r, ok := o.h.(Reconciler); ok {
		id, found, err := r.Reconcile(context.WithoutCancel(ctx), j)
		switch {
		case err != nil:
			// Ask again later (its in-flight mark stays), until max_age.
			log.Warn("outbox: cannot ask the carrier about an interrupted send; will ask again", "err", err)
			o.retry(ctx, entry, j, o.now().Add(o.cfg.RetryMin), false)
			return
		case found:
			log.Info("outbox: an interrupted send had reached the carrier")
			o.finish(ctx, entry, j, id)
			o.h.Sent(ctx, j, id)
			return
		default:
			// The carrier never saw it: sending now is the first time.
			log.Info("outbox: an interrupted send had not reached the carrier; sending")
			o.send(ctx, log, entry, j)
			return
		}
	}
	o.fail(ctx, entry, j, ErrInDoubt)
}

// turn is when the job's sending number and carrier may send next: by
// this instance's own pacer, or with shared_pacing by the queue's, which
// every instance books in. When the queue cannot be asked, this
// instance's pacer decides: a send is not held up by pacing's absence.
func (o *Outbox) turn(ctx context.Context, j *Job, now time.Time) time.Time {
	lim, _ := o.h.Limits(j.Message.Carrier)
	rate := lim.PerNumber
	if o.cfg.NumberRate > 0 {
		rate = o.cfg.NumberRate
	}
	// The paced keys: the sending number's, and the carrier's.
	var keys []string
	var every []time.Duration
	if e := interval(rate); e > 0 {
		keys, every = append(keys, "n:"+j.Message.Carrier+":"+j.Message.From), append(every, e)
	}
	if e := interval(o.cfg.CarrierRate); e > 0 {
		keys, every = append(keys, "c:"+j.Message.Carrier), append(every, e)
	}
	if len(keys) == 0 {
		return now
	}
	if o.cfg.SharedPacing {
		wait, err := o.q.Pace(ctx, keys, every)
		if err == nil {
			return now.Add(wait)
		}
		o.log.Warn("outbox: cannot book a send with the shared pacer; pacing on this instance alone", "err", err)
	}
	at := now
	for i, k := range keys {
		if t := o.pace.reserve(k, every[i], now); t.After(at) {
			at = t
		}
	}
	return at
}

func (o *Outbox) fail(ctx context.Context, entry string, j *Job, err error) {
	o.finish(ctx, entry, j, "")
	o.h.Failed(ctx, j, err)
}

// finish records the carrier's id (if any) with the job's After, and
// removes the entry. It insists while Redis is away: giving up here would
// leave an entry that a restart sends a second time. j is nil for an entry
// that could not be read.
func (o *Outbox) finish(ctx context.Context, entry string, j *Job, carrierID string) {
	key, after := "", (*store.AfterSend)(nil)
	if j != nil {
		key, after = j.Key, j.After
	}
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		err := o.q.OutboxDone(context.WithoutCancel(ctx), entry, key, carrierID, sentTTL, after)
		if err == nil {
			return
		}
		o.log.Warn("outbox: cannot record a finished job; retrying", "entry", entry, "err", err)
		if !sleep(ctx, backoff) {
			return // shutting down: a restart finds the marker or resends
		}
	}
}

// retry queues j again at due; tried says a send was refused as
// unavailable, so its in-flight mark goes: the carrier did not take it.
func (o *Outbox) retry(ctx context.Context, entry string, j *Job, due time.Time, tried bool) {
	key := ""
	if tried {
		key = j.Key
	}
	b := j.encode(nil)
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		err := o.q.OutboxRetry(context.WithoutCancel(ctx), entry, key, b, due)
		if err == nil {
			break
		}
		o.log.Warn("outbox: cannot schedule a retry; retrying", "err", err)
		if !sleep(ctx, backoff) {
			return // the entry stays pending and is read again
		}
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// dueLoop puts retries back in the queue when their time comes.
func (o *Outbox) dueLoop(ctx context.Context) {
	for ctx.Err() == nil {
		wait := time.Second
		moved, next, err := o.q.OutboxDue(ctx, o.now(), o.batch)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				o.log.Warn("outbox: cannot move due retries", "err", err)
			}
		case moved == o.batch:
			wait = 0
		case !next.IsZero():
			wait = min(max(time.Until(next), 5*time.Millisecond), time.Second)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-o.wake:
		}
		t.Stop()
	}
}

// claimLoop takes over jobs a dead instance left unfinished.
func (o *Outbox) claimLoop(ctx context.Context, lanes []chan task) {
	for sleep(ctx, o.cfg.ClaimIdle/2) {
		es, err := o.q.OutboxClaim(ctx, o.cfg.Consumer, o.cfg.ClaimIdle, o.batch)
		if err != nil {
			if ctx.Err() == nil {
				o.log.Warn("outbox: cannot claim abandoned jobs", "err", err)
			}
			continue
		}
		if len(es) > 0 {
			o.log.Info("outbox: took over jobs an instance left unfinished", "count", len(es))
		}
		o.dispatch(ctx, es, lanes)
	}
}

// sleep waits d or until ctx ends; it reports whether the full d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
