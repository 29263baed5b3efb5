package relay

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/store"
)

// DefaultRedeliverAfter (SWITCHBOARD_INBOX_REDELIVER_AFTER) is how long a
// message Temporal took may stay out of the transcript before the relay
// delivers it again. The workflow
// records a message within milliseconds of its signal; what can hold it
// longer without loss is a worker restart or deploy (WorkerStopTimeout,
// 15 s, then a new poller) or a short PostgreSQL outage (the workflow
// retries the write with backoff up to 10 s). Two minutes is well past
// those, so a redelivery means the message was lost, and short enough for
// a customer's message to reach an agent while the customer still waits.
// A redelivery of a message that was only late is harmless: the workflow
// drops MessageSids it has seen, and the transcript stores each once.
const DefaultRedeliverAfter = config.DefaultInboxRedeliverAfter

// maxRedeliveryWait caps the doubling wait between redeliveries of one
// message (RedeliverAfter, 2×, 4×, ... at most an hour).
const maxRedeliveryWait = time.Hour

// withRedeliveries adds the unrecorded rows due for another delivery to
// pending, in inbox order (the sweep delivers each conversation in order).
func (r *Relay) withRedeliveries(ctx context.Context, pending []store.PendingInbound) ([]store.PendingInbound, error) {
	if r.RedeliverAfter <= 0 {
		return pending, nil
	}
	due, err := r.store.UnrecordedInbound(ctx, r.RedeliverAfter, maxRedeliveryWait, 500)
	if err != nil || len(due) == 0 {
		return pending, err
	}
	all := append(pending, due...)
	slices.SortStableFunc(all, func(a, b store.PendingInbound) int {
		return cmp.Compare(a.Message.InboxID, b.Message.InboxID)
	})
	return all, nil
}

// redeliver signals an unrecorded message again and notes it; the
// conversation's lock is held.
func (r *Relay) redeliver(ctx context.Context, p store.PendingInbound) error {
	if err := r.signalWithStart(ctx, p.WorkflowID, p.Message); err != nil {
		return err
	}
	if r.OnRedelivery != nil {
		r.OnRedelivery()
	}
	r.logger.Warn("an inbound message Temporal took never reached the transcript; delivered again",
		"inbox_id", p.Message.InboxID, "workflow_id", p.WorkflowID, "after", r.RedeliverAfter.String())
	return r.store.MarkRedelivered(context.WithoutCancel(ctx), p.Message.InboxID)
}
