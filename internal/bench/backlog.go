package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// backlogGate holds webhook i back until fewer than max earlier ones wait
// in the inbox for their workflow: the webhook answers once the inbox row
// is stored, so an unbounded load generator measures how fast PostgreSQL
// stores rows, floods the relay, and (on a Temporal server slower than
// that, one on PostgreSQL on a small machine) makes every SignalWithStart
// time out together. Bounded, the rate is the one the whole path sustains.
type backlogGate struct {
	max   int
	count func(context.Context) (int, error)
	seen  atomic.Int64 // recorded, as last counted
	mu    sync.Mutex
	done  chan struct{}
	once  sync.Once
}

// newBacklogGate counts with count (the recorded inbound messages); max 0
// lets every webhook through.
func newBacklogGate(max int, count func(context.Context) (int, error)) *backlogGate {
	return &backlogGate{max: max, count: count, done: make(chan struct{})}
}

func (g *backlogGate) recorded() int { return int(g.seen.Load()) }

// wait returns once webhook i (0-based) may be sent.
func (g *backlogGate) wait(ctx context.Context, i int) error {
	if g.max <= 0 {
		return nil
	}
	pause := 20 * time.Millisecond
	for i-g.recorded() >= g.max {
		// One caller counts at a time; the others read its result.
		if g.mu.TryLock() {
			n, err := g.count(ctx)
			g.mu.Unlock()
			if err == nil && int64(n) > g.seen.Load() {
				g.seen.Store(int64(n))
			}
			if i-g.recorded() < g.max {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-g.done:
			return nil
		case <-time.After(pause):
		}
		pause = min(2*pause, 500*time.Millisecond)
	}
	return nil
}

func (g *backlogGate) stop() { g.once.Do(func() { close(g.done) }) }

// openPaced opens n conversations (customers of series) with webhooks at
// most ScaleConcurrency in flight and ScaleBacklog stored but not yet
// recorded (backlogGate), and returns once every accepted one is recorded,
// with when that was seen.
func (e *env) openPaced(ctx context.Context, s *stack, phase string, series, n int) (loadResult, time.Time, error) {
	o := e.opts
	start := time.Now()
	gate := newBacklogGate(o.ScaleBacklog, s.countInbound)
	defer gate.stop()
	lr := closedLoop(ctx, n, o.ScaleConcurrency, func(ctx context.Context, i int) error {
		if err := gate.wait(ctx, i); err != nil {
			return err
		}
		return s.post(ctx, s.prepareInbound(s.customer(series, i), "Bonjour"))
	}, func(done int) {
		e.progressf(phase, "webhooks %d/%d (%.0f/s), recorded %d (%.0f/s)", done, n, float64(done)/time.Since(start).Seconds(),
			gate.recorded(), float64(gate.recorded())/time.Since(start).Seconds())
	})
	at, err := s.waitInbound(ctx, n-lr.errors, 2*time.Minute, func(k int) {
		e.progressf(phase, "recorded %d/%d (%.0f/s)", k, n, float64(k)/time.Since(start).Seconds())
	})
	if err != nil {
		return lr, at, fmt.Errorf("opening %d conversations: %w", n, err)
	}
	return lr, at, nil
}
