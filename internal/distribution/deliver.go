package distribution

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/switchboard/switchboard/workflows"
)

// AssignmentRedeliverAfter is how long an assignment signalled to its
// workflow may stay unapplied before the sweep signals it again. A
// workflow applies a delivered assignment within its next task (seconds);
// one busy for longer (a slow bot, PostgreSQL down) gets a duplicate it
// checks against the dispatcher and dismisses.
const AssignmentRedeliverAfter = 2 * time.Minute

// deliver tells each conversation workflow about its assignment (signal
// `assigned`) and marks the outbox rows signalled: a row is done only once
// the workflow has applied it (it acknowledges it in the database), so a
// signal lost inside the workflow is delivered again by the sweep. skip is
// a conversation that learnt of its assignment directly (the one whose
// activity dispatched): its workflow applies the activity's answer. Failed
// signals stay in the outbox for the sweep.
func (s *Service) deliver(ctx context.Context, as []Assignment, skip string) error {
	var signalled, gone []int64
	var firstErr error
	for _, asg := range as {
		if asg.ConversationID != skip {
			ctx, cancel := context.WithTimeout(ctx, s.SignalTimeout)
			err := s.temporal.SignalWorkflow(ctx, asg.WorkflowID, "", workflows.SignalAssigned,
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
			if asg.Redelivery && s.OnRedelivery != nil {
				s.OnRedelivery()
			}
		}
		if asg.OutboxID != 0 && asg.ConversationID != skip {
			signalled = append(signalled, asg.OutboxID)
		}
	}
	wctx := context.WithoutCancel(ctx)
	if err := s.d.MarkAssignmentSignalled(wctx, signalled...); err != nil && firstErr == nil {
		firstErr = err
	}
	if err := s.d.MarkAssignmentDelivered(wctx, gone...); err != nil && firstErr == nil {
		firstErr = err
	}
	return firstErr
}

// deliverNow delivers what a decision assigned to other conversations than
// self; what fails waits in the outbox for the sweep.
func (s *Service) deliverNow(ctx context.Context, disp Dispatch, self string, attrs ...any) {
	if len(disp.Assigned) == 0 {
		return
	}
	if err := s.deliver(ctx, disp.Assigned, self); err != nil {
		s.logger.Warn("some assignments wait in the outbox", append(attrs, "err", err)...)
	}
}

// A closed conversation may still hold capacity legitimately while the
// wrap-up it was closed in runs out (the customer wrote again and a new
// conversation took over): at most 24h by validation. Past that it is a leak.
const (
	reconcileEvery     = time.Minute
	reconcileClosedFor = 25 * time.Hour
)

// reconcile runs the dispatcher's reconciliation and delivers what it
// assigned.
func (s *Service) reconcile(ctx context.Context) error {
	freed, disp, err := s.d.Reconcile(ctx, reconcileClosedFor)
	if err != nil {
		return err
	}
	if len(freed) > 0 {
		s.logger.Warn("freed agent capacity held by closed conversations", "conversations", len(freed))
	}
	return s.deliver(ctx, disp.Assigned, "")
}

// Sweep delivers outbox rows older than Grace, and again those signalled
// AssignmentRedeliverAfter ago that their workflow has not applied; it
// returns how many it tried.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	pending, err := s.d.PendingAssignments(ctx, s.Grace, AssignmentRedeliverAfter, 500)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	return len(pending), s.deliver(ctx, pending, "")
}

// Run sweeps the outbox every Interval and reconciles every minute, until
// ctx ends. One process runs it: the API's (internal/app).
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	reconcile := time.NewTicker(reconcileEvery)
	defer reconcile.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-reconcile.C:
			if err := s.reconcile(ctx); err != nil {
				s.logger.Warn("reconciling agent capacity failed", "err", err)
			}
			continue
		case <-t.C:
		}
		_, err := s.Sweep(ctx)
		switch {
		case err != nil && !failing:
			s.logger.Warn("assignment outbox: Temporal or PostgreSQL unavailable; assignments wait in the outbox", "err", err)
			failing = true
		case err == nil && failing:
			s.logger.Info("assignment outbox recovered")
			failing = false
		}
	}
}
