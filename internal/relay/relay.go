// Package relay hands stored inbound messages to their conversation
// workflows: at once from the webhook, and later, in order, for whatever
// Temporal could not take at the time (Temporal down, a timeout, a crash).
package relay

import (
	"context"
	"log/slog"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows"
)

// Store is what the relay needs from the store.
type Store interface {
	PendingInbound(ctx context.Context, workflowID string, before time.Time, limit int) ([]store.PendingInbound, error)
	MarkSignalled(ctx context.Context, ids ...int64) error
	MarkAttemptFailed(ctx context.Context, id int64, reason string) error
	UnrecordedInbound(ctx context.Context, after, maxWait time.Duration, limit int) ([]store.PendingInbound, error)
	MarkRedelivered(ctx context.Context, id int64) error
}

// Relay signals inbound messages to Temporal.
type Relay struct {
	store         Store
	temporal      client.Client
	sessionWindow time.Duration
	taskQueue     string
	logger        *slog.Logger
	// SignalTimeout bounds one SignalWithStart. Nobody waits on it since
	// webhooks answer on commit; it trades two measured failures: cut
	// short (5 s), a call to a saturated Temporal is thrown away by the
	// server half done and made again (the bench's scale phase opened
	// conversations at 6–14/s); long (30 s), the rare call the dev server
	// leaves unanswered under the 200/s load test holds its conversation
	// until the timeout (the transcript caught up 63 s after the last
	// webhook instead of 1–9 s).
	SignalTimeout time.Duration
	// Interval between sweeps of the inbox; Grace is how old a row must be
	// before the sweep takes it (younger rows belong to their webhook).
	Interval, Grace time.Duration
	// RedeliverAfter: a message Temporal took but the workflow has not
	// recorded in the transcript this long after is delivered again
	// (redeliver.go); 0 turns the safety net off.
	RedeliverAfter time.Duration
	// OnRedelivery is called for each message delivered again (the
	// switchboard_inbox_redeliveries_total counter).
	OnRedelivery func()

	// ended closes the conversations of workflows that ended without
	// closing them (nil: not swept by this relay); endedSince is where the
	// next look starts (under endedMu).
	ended      EndedStore
	endedMu    sync.Mutex
	endedSince time.Time

	// marks are inbox rows Temporal has, not yet marked in the database
	// (true while the mark is being written): deliveries skip them.
	marksMu sync.Mutex
	marks   map[int64]bool

	// locks keep one deliverer per conversation at a time: a webhook's
	// signal, a flush of older messages, the sweep.
	locks keyedMutex

	handoffs handoffs
}

// New returns a relay.
func New(st Store, tc client.Client, taskQueue string, sessionWindow time.Duration, logger *slog.Logger) *Relay {
	return &Relay{
		store: st, temporal: tc, taskQueue: taskQueue, sessionWindow: sessionWindow, logger: logger,
		SignalTimeout: 10 * time.Second, Interval: time.Second, Grace: 2 * time.Second,
		RedeliverAfter: DefaultRedeliverAfter,
	}
}

// Signal hands one message to its workflow (SignalWithStart) and marks it
// delivered. The caller keeps the error; the sweep will retry.
//
// It holds the conversation's lock, so that a message arriving meanwhile
// (its webhook finds this one still pending and flushes) waits for this
// one instead of signalling it a second time.
func (r *Relay) Signal(ctx context.Context, workflowID string, m domain.InboundMessage) error {
	defer r.locks.lock(workflowID)()
	if r.signalled(m.InboxID) {
		return nil // a newer message's flush delivered it first, in order
	}
	return r.signal(ctx, workflowID, m)
}

func (r *Relay) signal(ctx context.Context, workflowID string, m domain.InboundMessage) error {
	if err := r.signalWithStart(ctx, workflowID, m); err != nil {
		return err
	}
	// The workflow marks the row too when it records the message; this is
	// only so that the sweep does not resend it meanwhile, so it is batched
	// off the webhook's path.
	r.markLater(m.InboxID)
	return nil
}

// signalWithStart hands m to its conversation workflow, starting one if
// none runs.
func (r *Relay) signalWithStart(ctx context.Context, workflowID string, m domain.InboundMessage) error {
	ctx, cancel := context.WithTimeout(ctx, r.SignalTimeout)
	defer cancel()
	in := workflows.ConversationInput{
		AccountID:     m.AccountID,
		NumberID:      m.NumberID,
		NumberE164:    m.To,
		CustomerE164:  m.From,
		SessionWindow: r.sessionWindow,
		Revision:      workflows.CurrentRevision,
	}
	opts := client.StartWorkflowOptions{
		ID:                       workflowID,
		TaskQueue:                r.taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    workflows.CustomerStartSearchAttributes(in, m.ReceivedAt),
	}
	_, err := r.temporal.SignalWithStartWorkflow(ctx, workflowID, workflows.SignalInbound, m, opts, workflows.ConversationWorkflowName, in)
	return err
}

func (r *Relay) markLater(id int64) {
	if id == 0 {
		return
	}
	r.marksMu.Lock()
	if r.marks == nil {
		r.marks = map[int64]bool{}
	}
	r.marks[id] = false
	r.marksMu.Unlock()
}

// signalled reports whether Temporal has the row though the database does
// not say so yet.
func (r *Relay) signalled(id int64) bool {
	r.marksMu.Lock()
	defer r.marksMu.Unlock()
	_, ok := r.marks[id]
	return ok
}

// flushMarks writes the queued "delivered" marks in one statement. Rows
// stay known as signalled until the statement succeeded.
func (r *Relay) flushMarks(ctx context.Context) {
	r.marksMu.Lock()
	var ids []int64
	for id, writing := range r.marks {
		if !writing {
			ids = append(ids, id)
			r.marks[id] = true
		}
	}
	r.marksMu.Unlock()
	if len(ids) == 0 {
		return
	}
	err := r.store.MarkSignalled(context.WithoutCancel(ctx), ids...)
	r.marksMu.Lock()
	for _, id := range ids {
		if err == nil {
			delete(r.marks, id)
		} else {
			r.marks[id] = false // next flush
		}
	}
	r.marksMu.Unlock()
	if err != nil {
		r.logger.Warn("marking inbox rows delivered failed; retried at the next flush", "rows", len(ids), "err", err)
	}
}

// Flush delivers every pending message of one workflow, oldest first,
// stopping at the first failure so that order is kept.
func (r *Relay) Flush(ctx context.Context, workflowID string) error {
	defer r.locks.lock(workflowID)()
	pending, err := r.store.PendingInbound(ctx, workflowID, time.Now().Add(time.Hour), 1000)
	if err != nil {
		return err
	}
	return r.deliver(ctx, pending, false)
}

// sweepParallelism is how many conversations the sweep delivers to at
// once. One at a time, a backlog (Temporal back after an outage, webhooks
// whose signal timed out under load) drained at the pace of one
// SignalWithStart round trip: about 30 messages a second on the 2-core
// development machine under load (docs/reliability.md, load test).
const sweepParallelism = 16

// deliver signals pending rows in order, skipping those Temporal already
// has and, per workflow, everything after a failure. lockEach takes each
// workflow's lock around its signal (the sweep), and then workflows are
// delivered to concurrently, each in its own order; Flush holds its one
// workflow's lock already.
func (r *Relay) deliver(ctx context.Context, pending []store.PendingInbound, lockEach bool) error {
	if !lockEach {
		return r.deliverInOrder(ctx, pending, false)
	}
	var order []string
	groups := map[string][]store.PendingInbound{}
	for _, p := range pending {
		if _, ok := groups[p.WorkflowID]; !ok {
			order = append(order, p.WorkflowID)
		}
		groups[p.WorkflowID] = append(groups[p.WorkflowID], p)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, sweepParallelism)
	for _, wf := range order {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := r.deliverInOrder(ctx, groups[wf], true); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return firstErr
}

// deliverInOrder is deliver for rows delivered one after the other.
func (r *Relay) deliverInOrder(ctx context.Context, pending []store.PendingInbound, lockEach bool) error {
	blocked := map[string]bool{}
	var firstErr error
	for _, p := range pending {
		if blocked[p.WorkflowID] {
			continue
		}
		if lockEach && r.handedOff(p.Message.InboxID) {
			// Its webhook's handoff delivers it (and, in order, what
			// follows): the sweep would only signal it twice.
			blocked[p.WorkflowID] = true
			continue
		}
		unlock := func() {}
		if lockEach {
			unlock = r.locks.lock(p.WorkflowID)
		}
		var err error
		switch {
		case p.Redelivery:
			err = r.redeliver(ctx, p)
		case !r.signalled(p.Message.InboxID): // checked under the lock
			err = r.signal(ctx, p.WorkflowID, p.Message)
		}
		unlock()
		if err != nil {
			blocked[p.WorkflowID] = true
			if firstErr == nil {
				firstErr = err
			}
			if err := r.store.MarkAttemptFailed(context.WithoutCancel(ctx), p.Message.InboxID, err.Error()); err != nil {
				r.logger.Warn("recording a relay failure failed", "err", err)
			}
		}
	}
	return firstErr
}

// keyedMutex is one mutex per key, existing only while someone holds or
// waits for it: conversations never wait for each other.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	sync.Mutex
	refs int
}

// lock locks key and returns its unlock.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.Lock()
	return func() {
		e.Unlock()
		k.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// Run sweeps the inbox until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	marks := time.NewTicker(100 * time.Millisecond)
	defer marks.Stop()
	ended := time.NewTicker(endedEvery)
	defer ended.Stop()
	defer r.flushMarks(ctx)
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-marks.C:
			r.flushMarks(ctx)
			continue
		case <-ended.C:
			if _, err := r.SweepEnded(ctx); err != nil && ctx.Err() == nil {
				r.logger.Warn("looking for ended conversation workflows failed", "err", err)
			}
			continue
		case <-t.C:
		}
		r.flushMarks(ctx)
		n, err := r.Sweep(ctx)
		switch {
		case err != nil && !failing:
			r.logger.Warn("inbox relay: Temporal or PostgreSQL unavailable; messages wait in the inbox", "err", err)
			failing = true
		case err == nil && failing:
			r.logger.Info("inbox relay recovered")
			failing = false
		}
		if n > 0 && err == nil {
			r.logger.Info("inbox relay delivered waiting messages", "count", n)
		}
	}
}

// Sweep delivers what waited longer than Grace, and again what Temporal
// took but the workflow never recorded (RedeliverAfter), each conversation
// in inbox order; it returns how many it tried.
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	pending, err := r.store.PendingInbound(ctx, "", time.Now().Add(-r.Grace), 500)
	if err != nil {
		return 0, err
	}
	if pending, err = r.withRedeliveries(ctx, pending); err != nil || len(pending) == 0 {
		return 0, err
	}
	return len(pending), r.deliver(ctx, pending, true)
}
