package bridge

import (
	"log/slog"
	"net/netip"
	"sync"
	"time"
)

// Limits on calls, kept in memory: they bound this instance's share of the
// media ports, CPU and the users' clients, and a flood from one address
// or at one number. Voicemail's caps are kept in Redis (see voicemail.go),
// because recordings are shared by every instance.

// Names of the limits, as the [calls] keys that set them: the logs and
// the users' errors name them.
const (
	limitTotal      = "max_calls"
	limitPerNumber  = "max_calls_per_number"
	limitPerSource  = "max_calls_per_source"
	limitRate       = "calls_per_minute_per_source"
	limitPerUser    = "max_calls_per_user"
	limitVoicemail  = "voicemail_per_hour"
	limitVMBudget   = "voicemail_budget"
	refusalLogEvery = time.Minute // at most one log line per limit this often
)

// limiter counts live calls by source address, called number and user,
// and new calls by source address.
type limiter struct {
	maxTotal, maxNumber, maxSource, maxUser int
	perMinute                               float64 // new calls a minute from one address
	now                                     func() time.Time

	mu       sync.Mutex
	total    int
	bySource map[netip.Addr]int
	byNumber map[string]int
	byUser   map[string]int
	buckets  map[netip.Addr]*bucket
	pruned   time.Time
	refused  map[string]*refusals // by limit
}

// bucket is a token bucket: perMinute tokens, refilled evenly, so a
// source may call in a burst of perMinute and then perMinute a minute.
type bucket struct {
	tokens float64
	at     time.Time
}

// refusals are what a limit refused since it last logged.
type refusals struct {
	logged time.Time
	count  int
}

func newLimiter(s *Settings) *limiter {
	return &limiter{
		maxTotal: s.MaxCalls, maxNumber: s.MaxCallsPerNumber, maxSource: s.MaxCallsPerSource,
		maxUser: s.MaxCallsPerUser, perMinute: float64(s.CallsPerMinutePerSource), now: time.Now,
		bySource: map[netip.Addr]int{}, byNumber: map[string]int{}, byUser: map[string]int{},
		buckets: map[netip.Addr]*bucket{}, refused: map[string]*refusals{},
	}
}

// slot is one admitted call's share of the counts; release gives it back,
// once.
type slot struct {
	l            *limiter
	source       netip.Addr
	number, user string
	once         sync.Once
}

func (s *slot) release() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		l := s.l
		l.mu.Lock()
		defer l.mu.Unlock()
		l.total--
		dec(l.bySource, s.source)
		dec(l.byNumber, s.number)
		dec(l.byUser, s.user)
	})
}

func dec[K comparable](m map[K]int, k K) {
	var zero K
	if k == zero {
		return
	}
	if m[k] <= 1 {
		delete(m, k)
		return
	}
	m[k]--
}

// admitIncoming admits a call from source (invalid when the phone side
// has no network address, as the sandbox page) to number, or names the
// limit it is over. Every call counts against the source's rate, admitted
// or not: a source over its rate must stop, not retry faster.
func (l *limiter) admitIncoming(source netip.Addr, number string) (*slot, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	source = source.Unmap()
	if source.IsValid() && !l.take(source) {
		return nil, limitRate
	}
	switch {
	case source.IsValid() && l.bySource[source] >= l.maxSource:
		return nil, limitPerSource
	case l.byNumber[number] >= l.maxNumber:
		return nil, limitPerNumber
	case l.total >= l.maxTotal:
		return nil, limitTotal
	}
	l.total++
	if source.IsValid() {
		l.bySource[source]++
	}
	l.byNumber[number]++
	return &slot{l: l, source: source, number: number}, ""
}

// admitOutbound admits a call from the user with bare JID user.
func (l *limiter) admitOutbound(user string) (*slot, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.byUser[user] >= l.maxUser:
		return nil, limitPerUser
	case l.total >= l.maxTotal:
		return nil, limitTotal
	}
	l.total++
	l.byUser[user]++
	return &slot{l: l, user: user}, ""
}

// take spends one of source's tokens; l.mu is held.
func (l *limiter) take(source netip.Addr) bool {
	now := l.now()
	if now.Sub(l.pruned) > time.Minute {
		// Forget sources whose bucket is full again, so that calls from
		// many (spoofed) addresses cannot grow the map for good.
		for a, b := range l.buckets {
			if l.refill(b, now) >= l.perMinute {
				delete(l.buckets, a)
			}
		}
		l.pruned = now
	}
	b := l.buckets[source]
	if b == nil {
		b = &bucket{tokens: l.perMinute, at: now}
		l.buckets[source] = b
	}
	b.tokens = l.refill(b, now)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *limiter) refill(b *bucket, now time.Time) float64 {
	return min(l.perMinute, b.tokens+now.Sub(b.at).Minutes()*l.perMinute)
}

// logRefusal logs calls refused over limit at most once a refusalLogEvery
// per limit, with how many there were: a flood must not become a flood of
// log lines.
func (l *limiter) logRefusal(log *slog.Logger, limit string, attrs ...any) {
	l.mu.Lock()
	r := l.refused[limit]
	if r == nil {
		r = &refusals{}
		l.refused[limit] = r
	}
	r.count++
	now := l.now()
	if !r.logged.IsZero() && now.Sub(r.logged) < refusalLogEvery {
		l.mu.Unlock()
		return
	}
	n := r.count
	r.count, r.logged = 0, now
	l.mu.Unlock()
	// refused: how many since the limit's previous line.
	log.Warn("bridge: calls refused over a limit", append([]any{"limit", limit, "refused", n}, attrs...)...)
}
