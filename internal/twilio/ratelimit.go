package twilio

import (
	"context"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// senderLimiter paces sends per (account, sender): Twilio accepts a fixed
// number of WhatsApp messages per second per sender and queues the rest (up
// to 4 hours) or, when its queue is full, answers 429. Pacing at the
// sender's rate keeps a burst of replies from hammering Twilio and from
// coming back as a storm of retries. One token bucket per pair, with a
// burst of one: sends leave evenly spaced, never more than the rate in any
// second. Buckets live in the process: with several workers, give each its
// share of the sender's rate.
type senderLimiter struct {
	limit rate.Limit
	mu    sync.Mutex
	m     map[senderKey]*rate.Limiter
}

type senderKey struct{ account, from string }

// newSenderLimiter returns nil (no pacing) when perSecond is not positive.
func newSenderLimiter(perSecond float64) *senderLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &senderLimiter{limit: rate.Limit(perSecond), m: map[senderKey]*rate.Limiter{}}
}

func (l *senderLimiter) bucket(account, from string) *rate.Limiter {
	k := senderKey{account, strings.TrimPrefix(strings.TrimSpace(from), "whatsapp:")}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.m[k]
	if !ok {
		b = rate.NewLimiter(l.limit, 1)
		l.m[k] = b
	}
	return b
}

// wait blocks until the sender may send. It fails at once, with a
// Retryable error, when the wait would outlast ctx: the send is retried
// later rather than holding its worker slot until it times out.
func (l *senderLimiter) wait(ctx context.Context, account, from string) error {
	if l == nil {
		return nil
	}
	r := l.bucket(account, from).Reserve()
	delay := r.Delay()
	if delay == 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
		r.Cancel()
		return &Error{Kind: Retryable, Message: "sender rate limit: the next free slot is " + delay.Round(time.Millisecond).String() + " away, after this attempt's deadline"}
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return &Error{Kind: Retryable, Message: "sender rate limit: " + ctx.Err().Error(), cause: ctx.Err()}
	}
}
