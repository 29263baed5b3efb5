// Package ratelimit keeps one token bucket per client (an admin key, an
// agent, a source address) so that one client cannot starve the others.
package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a sustained rate (requests per second) and a burst. A zero Rate
// means no limit.
type Limit struct {
	Rate  float64
	Burst int
}

// Off reports whether the limit lets everything through.
func (l Limit) Off() bool { return l.Rate <= 0 }

// String is the RATE:BURST form ParseLimit reads.
func (l Limit) String() string {
	if l.Off() {
		return "0"
	}
	return strconv.FormatFloat(l.Rate, 'f', -1, 64) + ":" + strconv.Itoa(l.Burst)
}

// ParseLimit reads "RATE" or "RATE:BURST" (requests per second, then how
// many may come at once; the burst defaults to twice the rate, at least 1).
// "0" turns the limit off.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	r, b, hasBurst := strings.Cut(s, ":")
	var l Limit
	var err error
	if l.Rate, err = strconv.ParseFloat(strings.TrimSpace(r), 64); err != nil || l.Rate < 0 {
		return Limit{}, fmt.Errorf("%q: want RATE or RATE:BURST (requests per second, burst), e.g. 100:200; 0 turns it off", s)
	}
	if l.Rate == 0 {
		return Limit{}, nil
	}
	l.Burst = max(1, int(2*l.Rate))
	if hasBurst {
		if l.Burst, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || l.Burst < 1 {
			return Limit{}, fmt.Errorf("%q: the burst must be a whole number of at least 1", s)
		}
	}
	return l, nil
}

// Limiter holds the buckets of one class of clients. It is safe for
// concurrent use; its memory is bounded by MaxKeys (a full bucket holds no
// state and is dropped first).
type Limiter struct {
	limit   Limit
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// DefaultMaxKeys bounds the clients a Limiter remembers.
const DefaultMaxKeys = 100_000

// New returns a limiter for l.
func New(l Limit) *Limiter {
	return &Limiter{limit: l, maxKeys: DefaultMaxKeys, now: time.Now, buckets: map[string]*rate.Limiter{}}
}

// Allow takes one token from key's bucket. When there is none it takes
// nothing and says how long until one is there.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l == nil || l.limit.Off() {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Exhausted reports, without taking a token, whether key has none left.
func (l *Limiter) Exhausted(key string) (bool, time.Duration) {
	if l == nil || l.limit.Off() {
		return false, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return false, 0
	}
	if tokens := b.TokensAt(now); tokens < 1 {
		return true, time.Duration((1 - tokens) / l.limit.Rate * float64(time.Second))
	}
	return false, 0
}

// bucket returns key's bucket, creating it; l.mu is held.
func (l *Limiter) bucket(key string, now time.Time) *rate.Limiter {
	if b, ok := l.buckets[key]; ok {
		return b
	}
	if len(l.buckets) >= l.maxKeys {
		l.forget(now)
	}
	b := rate.NewLimiter(rate.Limit(l.limit.Rate), l.limit.Burst)
	l.buckets[key] = b
	return b
}

// forget drops the buckets that are full again (they would be created the
// same), and, if that is not enough, half of the others: past MaxKeys
// clients, memory wins over precision.
func (l *Limiter) forget(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.limit.Burst) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.maxKeys/2 {
			break
		}
		delete(l.buckets, k)
	}
}

// RetryAfterSeconds is the Retry-After header value for d: whole seconds,
// rounded up, at least 1.
func RetryAfterSeconds(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	return strconv.Itoa(max(1, s))
}
