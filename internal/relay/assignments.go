package relay

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows"
)

// AssignmentStore is the outbox of the dispatcher.
type AssignmentStore interface {
	PendingAssignments(ctx context.Context, olderThan, redeliverAfter time.Duration, limit int) ([]store.Assignment, error)
	MarkAssignmentSignalled(ctx context.Context, ids ...int64) error
	MarkAssignmentDelivered(ctx context.Context, ids ...int64) error
}

// AssignmentRedeliverAfter is how long an assignment signalled to its
// workflow may stay unapplied before the sweep signals it again. A
// workflow applies a delivered assignment within its next task (seconds);
// one busy for longer (a slow bot, PostgreSQL down) gets a duplicate it
// checks against the dispatcher and dismisses.
const AssignmentRedeliverAfter = 2 * time.Minute

// DeliverAssignments tells each conversation workflow about its
// assignment (signal `assigned`) and marks the outbox rows signalled: a
// row is done only once the workflow has applied it (it acknowledges it in
// the database), so a signal lost inside the workflow is delivered again by
// the sweep. skip is a conversation that learnt of its assignment directly
// (the one whose activity dispatched): its workflow applies the activity's
// answer. Failed signals stay in the outbox for the sweep.
func (r *Relay) DeliverAssignments(ctx context.Context, as []store.Assignment, skip string) error {
	var signalled, gone []int64
	var firstErr error
	for _, asg := range as {
		if asg.ConversationID != skip {
			ctx, cancel := context.WithTimeout(ctx, r.SignalTimeout)
			err := r.temporal.SignalWorkflow(ctx, asg.WorkflowID, "", workflows.SignalAssigned,
				workflows.AssignedSignal{ConversationID: asg.ConversationID, AgentID: asg.AgentID})
			cancel()
			var notFound *serviceerror.NotFound
			if errors.As(err, &notFound) {
				// The conversation's workflow has ended: nobody left to tell.
				if asg.OutboxID != 0 {
					gone = append(gone, asg.OutboxID)
				}
				continue
			}
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			if asg.Redelivery && r.OnAssignmentRedelivery != nil {
				r.OnAssignmentRedelivery()
			}
		}
		if asg.OutboxID != 0 && asg.ConversationID != skip {
			signalled = append(signalled, asg.OutboxID)
		}
	}
	if r.assignments != nil {
		wctx := context.WithoutCancel(ctx)
		if err := r.assignments.MarkAssignmentSignalled(wctx, signalled...); err != nil && firstErr == nil {
			firstErr = err
		}
		if err := r.assignments.MarkAssignmentDelivered(wctx, gone...); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// Reconciler frees capacity leaked by conversations that closed without
// releasing it (a crash at the wrong moment) and dispatches every queue.
type Reconciler interface {
	Reconcile(ctx context.Context, closedFor time.Duration) ([]string, store.Dispatch, error)
}

// A closed conversation may still hold capacity legitimately while the
// wrap-up it was closed in runs out (the customer wrote again and a new
// conversation took over): at most 24h by validation. Past that it is a leak.
const (
	reconcileEvery     = time.Minute
	reconcileClosedFor = 25 * time.Hour
)

// reconcile runs the store's reconciliation and delivers what it assigned.
func (r *Relay) reconcile(ctx context.Context) error {
	rc, ok := r.assignments.(Reconciler)
	if !ok {
		return nil
	}
	freed, disp, err := rc.Reconcile(ctx, reconcileClosedFor)
	if err != nil {
		return err
	}
	if len(freed) > 0 {
		r.logger.Warn("freed agent capacity held by closed conversations", "conversations", len(freed))
	}
	return r.DeliverAssignments(ctx, disp.Assigned, "")
}

// SweepAssignments delivers outbox rows older than Grace.
func (r *Relay) SweepAssignments(ctx context.Context) (int, error) {
	if r.assignments == nil {
		return 0, nil
	}
	pending, err := r.assignments.PendingAssignments(ctx, r.Grace, AssignmentRedeliverAfter, 500)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	return len(pending), r.DeliverAssignments(ctx, pending, "")
}
