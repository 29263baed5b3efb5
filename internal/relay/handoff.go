package relay

import (
	"context"
	"sync"

	"github.com/switchboard/switchboard/internal/domain"
)

// HandoffLimit bounds the deliveries running behind webhooks that already
// answered. Past it a message is left to the sweep (Grace later), so a slow
// or absent Temporal never grows goroutines without end.
const HandoffLimit = 512

// handoffs tracks the deliveries Handoff started.
type handoffs struct {
	once  sync.Once
	slots chan struct{}
	wg    sync.WaitGroup
}

// Handoff delivers a message the webhook has just stored, in the
// background: Twilio's 200 waits only for PostgreSQL, not for Temporal.
// olderPending says the conversation has older undelivered rows, which go
// first (Flush). Order per conversation is kept by the conversation's lock
// and the inbox order, exactly as when the webhook signalled in line.
// It reports false when the message was left to the sweep.
func (r *Relay) Handoff(workflowID string, m domain.InboundMessage, olderPending bool) bool {
	h := &r.handoffs
	h.once.Do(func() { h.slots = make(chan struct{}, HandoffLimit) })
	select {
	case h.slots <- struct{}{}:
	default:
		return false
	}
	h.wg.Go(func() {
		defer func() { <-h.slots }()
		ctx := context.Background()
		var err error
		if olderPending {
			err = r.Flush(ctx, workflowID)
		} else {
			err = r.Signal(ctx, workflowID, m)
		}
		if err != nil {
			r.logger.Warn("Temporal did not take an inbound message; it waits in the inbox", "inbox_id", m.InboxID, "err", err)
		}
	})
	return true
}

// WaitHandoffs waits for the background deliveries until ctx ends; any
// still running then stay in the inbox for the next sweep (of this
// process or another), so stopping early loses nothing.
func (r *Relay) WaitHandoffs(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		r.handoffs.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
