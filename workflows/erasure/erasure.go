// Package erasure erases one customer on request (GDPR article 17): their
// open conversations are closed on every number, then everything
// PostgreSQL holds about them is deleted, then their workflow executions
// in Temporal. It is a workflow so that the erasure finishes even when the
// API that asked for it, or a worker, goes away half way: conversations
// take a moment to close, and a running execution is only deleted once
// closed.
//
// Follow-ups that outlived a conversation's close wait in Followup
// workflows (workflows/followup_outlive.go) that carry SbCustomer: the
// erasure finds them with the customer's running executions, signals
// them close (they end at once, unsent; terminated like a conversation
// if one does not within CloseTimeout) and deletes them with the
// customer's other executions; their rows (scheduled_followups) go with
// the registry of customer data. A conversation closed by the erasure
// (reason customer_erased) hands no follow-up over.
package erasure

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows/retry"
)

// WorkflowName is the registered name of EraseCustomer.
const WorkflowName = "EraseCustomer"

// DefaultCloseTimeout is how long open conversations get to close (a
// closing conversation finishes its current send) before they are
// terminated.
const DefaultCloseTimeout = 2 * time.Minute

// pollEvery is how often the erasure looks at what is still running or
// still listed.
const pollEvery = time.Second

// maxVisibilityPolls bounds the wait for Temporal's visibility to forget
// the deleted executions (it does so asynchronously).
const maxVisibilityPolls = 30

// Input names the customer. The workflow's id holds a fingerprint of the
// number, never the number; the input is encrypted by the payload codec.
type Input struct {
	CustomerE164 string        `json:"customer_e164"`
	CloseTimeout time.Duration `json:"close_timeout,omitempty"`
}

// Result says what the erasure did.
type Result struct {
	// ConversationsClosed were open and were asked to close (reason
	// customer_erased: nothing more is sent to the customer).
	ConversationsClosed int `json:"conversations_closed"`
	// ConversationsTerminated did not close within CloseTimeout.
	ConversationsTerminated int `json:"conversations_terminated"`
	// RowsDeleted per PostgreSQL table (the registry of customer data).
	RowsDeleted domain.ErasureCounts `json:"rows_deleted"`
	// WorkflowsDeleted are the workflow executions deleted from Temporal.
	WorkflowsDeleted int `json:"workflows_deleted"`
	// WorkflowsRemaining are still listed by Temporal's visibility when the
	// erasure ended (0 normally; its deletion is asynchronous).
	WorkflowsRemaining int `json:"workflows_remaining"`
}

// a is the nil receiver through which the workflow names its activities.
var a *Activities

// EraseCustomer closes, waits, erases PostgreSQL, deletes from Temporal,
// erases again what closing conversations wrote meanwhile, and waits
// (bounded) until Temporal lists nothing for the customer.
func EraseCustomer(ctx workflow.Context, in Input) (Result, error) {
	if in.CloseTimeout <= 0 {
		in.CloseTimeout = DefaultCloseTimeout
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            retry.Background(),
	})
	res := Result{RowsDeleted: domain.ErasureCounts{}}
	var open []string
	if err := workflow.ExecuteActivity(ctx, a.EraseCloseConversations, in.CustomerE164).Get(ctx, &open); err != nil {
		return res, err
	}
	res.ConversationsClosed = len(open)
	deadline := workflow.Now(ctx).Add(in.CloseTimeout)
	for len(open) > 0 {
		if !workflow.Now(ctx).Before(deadline) {
			if err := workflow.ExecuteActivity(ctx, a.EraseTerminate, open).Get(ctx, &res.ConversationsTerminated); err != nil {
				return res, err
			}
			break
		}
		if err := workflow.Sleep(ctx, pollEvery); err != nil {
			return res, err
		}
		if err := workflow.ExecuteActivity(ctx, a.EraseStillRunning, open).Get(ctx, &open); err != nil {
			return res, err
		}
	}
	var rows int64
	if err := erasePostgres(ctx, in.CustomerE164, &res, &rows); err != nil {
		return res, err
	}
	remaining := 1
	deletedRuns := map[string]bool{} // membership only: never iterated
	for i := 0; remaining > 0 && i < maxVisibilityPolls; i++ {
		var deleted []string
		if err := workflow.ExecuteActivity(ctx, a.EraseHistories, in.CustomerE164).Get(ctx, &deleted); err != nil {
			return res, err
		}
		fresh := 0
		for _, run := range deleted {
			if !deletedRuns[run] {
				deletedRuns[run] = true
				fresh++
			}
		}
		res.WorkflowsDeleted += fresh
		if fresh > 0 {
			// A conversation that closed meanwhile may have written last rows.
			var rows int64
			if err := erasePostgres(ctx, in.CustomerE164, &res, &rows); err != nil {
				return res, err
			}
		}
		if err := workflow.Sleep(ctx, pollEvery); err != nil {
			return res, err
		}
		if err := workflow.ExecuteActivity(ctx, a.EraseRemaining, in.CustomerE164).Get(ctx, &remaining); err != nil {
			return res, err
		}
	}
	res.WorkflowsRemaining = remaining
	workflow.GetLogger(ctx).Info("customer erased", "conversations_closed", res.ConversationsClosed,
		"terminated", res.ConversationsTerminated, "rows", rows,
		"workflows_deleted", res.WorkflowsDeleted, "workflows_remaining", res.WorkflowsRemaining)
	return res, nil
}

// erasePostgres runs the PostgreSQL erasure and adds its counts to res
// and to *rows.
func erasePostgres(ctx workflow.Context, e164 string, res *Result, rows *int64) error {
	var counts []domain.TableRows
	if err := workflow.ExecuteActivity(ctx, a.ErasePostgres, e164).Get(ctx, &counts); err != nil {
		return err
	}
	for _, c := range counts {
		res.RowsDeleted[c.Table] += c.Rows
		*rows += c.Rows
	}
	return nil
}
