package relay

import (
	"context"
	"sync"

	"github.com/switchboard/switchboard/internal/domain"
)

const (
	// HandoffWorkers bounds the SignalWithStart calls the handoffs make at
	// once. Unbounded, a burst of webhooks (they answer in milliseconds
	// now) sent hundreds of calls together: each waited past its timeout
	// on a saturated Temporal, which then threw the work away.
	HandoffWorkers = 64
	// HandoffLimit bounds the messages handed off and not yet delivered.
	// Past it a message is left to the sweep (Grace later), so a slow or
	// absent Temporal never grows memory without end.
	HandoffLimit = 4096
)

// handoff is one stored message waiting for its signal.
type handoff struct {
	workflowID   string
	msg          domain.InboundMessage
	olderPending bool
}

// handoffs is a FIFO served by at most HandoffWorkers goroutines (fewer
// while Temporal is overloaded: handoffLimit), started when there is work
// and gone when there is none.
type handoffs struct {
	mu      sync.Mutex
	queue   []handoff
	workers int
	limit   handoffLimit  // how many workers may run (handoff_limit.go)
	n       int           // handed off, not yet delivered (or given up)
	idle    chan struct{} // closed when n falls to 0
	// rows are the inbox rows handed off and not yet delivered: the sweep
	// leaves their conversations to the handoff instead of signalling the
	// same rows a second time while they wait in the queue.
	rows map[int64]struct{}
}

// handedOff reports whether inbox row id waits in (or is being delivered
// from) the handoff queue.
func (r *Relay) handedOff(id int64) bool {
	h := &r.handoffs
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.rows[id]
	return ok
}

// Handoff delivers a message the webhook has just stored, in the
// background: Twilio's 200 waits only for PostgreSQL, not for Temporal.
// olderPending says the conversation has older undelivered rows, which go
// first (Flush). Order per conversation is kept by the conversation's lock
// and the inbox order, exactly as when the webhook signalled in line.
// It reports false when the message was left to the sweep.
func (r *Relay) Handoff(workflowID string, m domain.InboundMessage, olderPending bool) bool {
	h := &r.handoffs
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n >= HandoffLimit {
		return false
	}
	if h.n == 0 {
		h.idle = make(chan struct{})
	}
	h.n++
	if h.rows == nil {
		h.rows = map[int64]struct{}{}
	}
	h.rows[m.InboxID] = struct{}{}
	h.queue = append(h.queue, handoff{workflowID: workflowID, msg: m, olderPending: olderPending})
	if h.workers < h.limit.allowed() {
		h.workers++
		go r.deliverHandoffs()
	}
	return true
}

// deliverHandoffs serves the queue until it is empty.
func (r *Relay) deliverHandoffs() {
	h := &r.handoffs
	for {
		h.mu.Lock()
		if len(h.queue) == 0 {
			h.workers--
			h.queue = nil // let a drained burst's array go
			h.mu.Unlock()
			return
		}
		if h.workers > h.limit.allowed() {
			h.workers-- // Temporal is overloaded: fewer calls at once
			h.mu.Unlock()
			return
		}
		it := h.queue[0]
		h.queue = h.queue[1:]
		h.mu.Unlock()

		ctx := context.Background()
		var err error
		if it.olderPending {
			err = r.Flush(ctx, it.workflowID)
		} else {
			err = r.Signal(ctx, it.workflowID, it.msg)
		}
		if err != nil {
			r.logger.Warn("Temporal did not take an inbound message; it waits in the inbox", "inbox_id", it.msg.InboxID, "err", err)
		}
		h.mu.Lock()
		h.limit.record(err)
		if h.workers < h.limit.allowed() && len(h.queue) > 0 {
			h.workers++ // the limit grew back: serve the backlog wider
			go r.deliverHandoffs()
		}
		delete(h.rows, it.msg.InboxID)
		if h.n--; h.n == 0 {
			close(h.idle)
		}
		h.mu.Unlock()
	}
}

// WaitHandoffs waits for the background deliveries until ctx ends; any
// still queued or running then stay in the inbox for the next sweep (of
// this process or another), so stopping early loses nothing.
func (r *Relay) WaitHandoffs(ctx context.Context) {
	h := &r.handoffs
	h.mu.Lock()
	idle := h.idle
	busy := h.n > 0
	h.mu.Unlock()
	if !busy {
		return
	}
	select {
	case <-idle:
	case <-ctx.Done():
	}
}
