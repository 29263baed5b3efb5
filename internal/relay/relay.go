// Package relay hands stored inbound messages to their conversation
// workflows: at once from the webhook, and later, in order, for whatever
// Temporal could not take at the time (Temporal down, a timeout, a crash).
package relay

import (
	"context"
	"hash/fnv"
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
}

// Relay signals inbound messages to Temporal.
type Relay struct {
	store         Store
	temporal      client.Client
	sessionWindow time.Duration
	taskQueue     string
	logger        *slog.Logger
	// SignalTimeout bounds one SignalWithStart from the webhook path.
	SignalTimeout time.Duration
	// Interval between sweeps of the inbox; Grace is how old a row must be
	// before the sweep takes it (younger rows belong to their webhook).
	Interval, Grace time.Duration

	// assignments is the dispatcher's outbox (nil: not swept by this relay).
	assignments AssignmentStore

	marksMu sync.Mutex
	marks   []int64 // inbox rows signalled, to mark in the next flush

	// locks keep one deliverer per conversation at a time (striped by workflow ID).
	locks [64]sync.Mutex
}

// New returns a relay.
func New(st Store, tc client.Client, taskQueue string, sessionWindow time.Duration, logger *slog.Logger) *Relay {
	return &Relay{
		store: st, temporal: tc, taskQueue: taskQueue, sessionWindow: sessionWindow, logger: logger,
		SignalTimeout: 5 * time.Second, Interval: time.Second, Grace: 2 * time.Second,
	}
}

// WithAssignments makes the relay deliver the dispatcher's outbox too.
func (r *Relay) WithAssignments(st AssignmentStore) *Relay {
	r.assignments = st
	return r
}

// Signal hands one message to its workflow (SignalWithStart) and marks it
// delivered. The caller keeps the error; the sweep will retry.
func (r *Relay) Signal(ctx context.Context, workflowID string, m domain.InboundMessage) error {
	ctx, cancel := context.WithTimeout(ctx, r.SignalTimeout)
	defer cancel()
	in := workflows.ConversationInput{
		AccountID:     m.AccountID,
		NumberID:      m.NumberID,
		NumberE164:    m.To,
		CustomerE164:  m.From,
		SessionWindow: r.sessionWindow,
	}
	opts := client.StartWorkflowOptions{
		ID:                       workflowID,
		TaskQueue:                r.taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    workflows.StartSearchAttributes(in),
	}
	if _, err := r.temporal.SignalWithStartWorkflow(ctx, workflowID, workflows.SignalInbound, m, opts, workflows.ConversationWorkflowName, in); err != nil {
		return err
	}
	// The workflow marks the row too when it records the message; this is
	// only so that the sweep does not resend it meanwhile, so it is batched
	// off the webhook's path.
	r.markLater(m.InboxID)
	return nil
}

func (r *Relay) markLater(id int64) {
	if id == 0 {
		return
	}
	r.marksMu.Lock()
	r.marks = append(r.marks, id)
	r.marksMu.Unlock()
}

// flushMarks writes the queued "delivered" marks in one statement.
func (r *Relay) flushMarks(ctx context.Context) {
	r.marksMu.Lock()
	ids := r.marks
	r.marks = nil
	r.marksMu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := r.store.MarkSignalled(context.WithoutCancel(ctx), ids...); err != nil {
		r.logger.Warn("marking inbox rows delivered failed; the sweep may deliver them again (harmless)", "rows", len(ids), "err", err)
	}
}

// Flush delivers every pending message of one workflow, oldest first,
// stopping at the first failure so that order is kept.
func (r *Relay) Flush(ctx context.Context, workflowID string) error {
	mu := r.lock(workflowID)
	mu.Lock()
	defer mu.Unlock()
	pending, err := r.store.PendingInbound(ctx, workflowID, time.Now().Add(time.Hour), 1000)
	if err != nil {
		return err
	}
	return r.deliver(ctx, pending)
}

func (r *Relay) deliver(ctx context.Context, pending []store.PendingInbound) error {
	blocked := map[string]bool{}
	var firstErr error
	for _, p := range pending {
		if blocked[p.WorkflowID] {
			continue
		}
		if err := r.Signal(ctx, p.WorkflowID, p.Message); err != nil {
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

func (r *Relay) lock(workflowID string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(workflowID))
	return &r.locks[h.Sum32()%uint32(len(r.locks))]
}

// Run sweeps the inbox until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	marks := time.NewTicker(100 * time.Millisecond)
	defer marks.Stop()
	defer r.flushMarks(ctx)
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-marks.C:
			r.flushMarks(ctx)
			continue
		case <-t.C:
		}
		r.flushMarks(ctx)
		n, err := r.Sweep(ctx)
		if _, aerr := r.SweepAssignments(ctx); aerr != nil && err == nil {
			err = aerr
		}
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

// Sweep delivers what waited longer than Grace and returns how many it tried.
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	pending, err := r.store.PendingInbound(ctx, "", time.Now().Add(-r.Grace), 500)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	return len(pending), r.deliver(ctx, pending)
}
