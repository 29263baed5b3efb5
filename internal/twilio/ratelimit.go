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
// coming back as a storm of retries. Sends leave evenly spaced, never more
// than the rate in any second: with Config.Slots, across every process
// that shares them (several workers); without, one token bucket per pair
// with a burst of one, in this process only.
type senderLimiter struct {
	limit rate.Limit
	slots SlotSource
	mu    sync.Mutex
	m     map[senderKey]*rate.Limiter
}

// SlotSource hands out send slots shared by every process (PostgreSQL's
// sender_slots): TakeSenderSlot takes the next free slot of a sender,
// slots interval apart, and says how long to wait for it, or reports false
// when that slot is more than maxWait away (nothing taken).
type SlotSource interface {
	TakeSenderSlot(ctx context.Context, account, sender string, interval, maxWait time.Duration) (time.Duration, bool, error)
}

// noDeadlineWait bounds a wait for a slot when the context has no deadline.
const noDeadlineWait = time.Hour

type senderKey struct{ account, from string }

// newSenderLimiter returns nil (no pacing) when perSecond is not positive.
func newSenderLimiter(perSecond float64, slots SlotSource) *senderLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &senderLimiter{limit: rate.Limit(perSecond), slots: slots, m: map[senderKey]*rate.Limiter{}}
}

func senderOf(from string) string { return strings.TrimPrefix(strings.TrimSpace(from), "whatsapp:") }

func (l *senderLimiter) bucket(account, from string) *rate.Limiter {
	k := senderKey{account, senderOf(from)}
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
	if l.slots != nil {
		return l.waitShared(ctx, account, from)
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
	if err := sleepUntilSlot(ctx, delay); err != nil {
		r.Cancel()
		return err
	}
	return nil
}

// waitShared takes a slot shared with every other process and waits for it.
func (l *senderLimiter) waitShared(ctx context.Context, account, from string) error {
	maxWait := noDeadlineWait
	if dl, ok := ctx.Deadline(); ok {
		maxWait = time.Until(dl)
	}
	interval := time.Duration(float64(time.Second) / float64(l.limit))
	delay, ok, err := l.slots.TakeSenderSlot(ctx, account, senderOf(from), interval, maxWait)
	if err != nil {
		return &Error{Kind: Retryable, Message: "sender rate limit: taking a send slot: " + err.Error(), cause: err}
	}
	if !ok {
		return &Error{Kind: Retryable, Message: "sender rate limit: the next free slot is after this attempt's deadline"}
	}
	return sleepUntilSlot(ctx, delay)
}

// sleepUntilSlot waits delay for the send's slot, or fails Retryable when
// ctx ends first.
func sleepUntilSlot(ctx context.Context, delay time.Duration) error {
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return &Error{Kind: Retryable, Message: "sender rate limit: " + ctx.Err().Error(), cause: ctx.Err()}
	}
}
