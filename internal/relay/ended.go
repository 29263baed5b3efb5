package relay

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/switchboard/switchboard/workflows"
)

// EndedStore closes the conversations of workflows that ended without
// closing them, freeing their agents' capacity (and delivering what that
// room is given: internal/distribution).
type EndedStore interface {
	CloseAbandoned(ctx context.Context, workflowID string, endedAt time.Time, reason string) ([]string, error)
}

// Close reasons of conversations whose workflow ended without them, by the
// run's final status. A cancelled run closes its conversation itself (the
// closing sequence): its row is only caught here if that was cut short.
var endedReasons = map[enumspb.WorkflowExecutionStatus]string{
	enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED: "terminated",
	enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:  "timed_out",
	enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:     "workflow_failed",
	enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:   workflows.ReasonCancelled,
}

const (
	// endedEvery is how often the relay looks for ended workflows: a
	// terminated conversation is closed, and its agent's slot freed, within
	// about that long (Temporal's visibility store lags by a second or so).
	endedEvery = 15 * time.Second
	// endedLookBack is how far back the first look goes (a serve process
	// down for days catches up), then each look overlaps the last by
	// endedOverlap so that visibility's lag loses nothing.
	endedLookBack = 7 * 24 * time.Hour
	endedOverlap  = 2 * time.Minute
)

// SweepEnded finds conversation workflows on this task queue that ended
// without closing their conversation (an operator's terminate in the
// Temporal UI, say) and closes those conversations in PostgreSQL: reason
// named after how the run ended, the agent told, its capacity released. It
// returns how many conversations it closed.
func (r *Relay) SweepEnded(ctx context.Context) (int, error) {
	if r.ended == nil {
		return 0, nil
	}
	// One look at a time: Run's and a caller's (an operator's tool, a
	// test) share endedSince.
	r.endedMu.Lock()
	defer r.endedMu.Unlock()
	since := r.endedSince
	if since.IsZero() {
		since = time.Now().Add(-endedLookBack)
	}
	started := time.Now()
	query := fmt.Sprintf("WorkflowType = '%s' AND TaskQueue = '%s' AND CloseTime > '%s' AND "+
		"(ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Failed' OR ExecutionStatus = 'Canceled')",
		workflows.ConversationWorkflowName, r.taskQueue, since.UTC().Format(time.RFC3339Nano))
	closed := 0
	var token []byte
	for {
		resp, err := r.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, PageSize: 200, NextPageToken: token,
		})
		if err != nil {
			return closed, err
		}
		for _, ex := range resp.GetExecutions() {
			if ex.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
				reset, err := r.wasReset(ctx, ex.GetExecution().GetWorkflowId(), ex.GetExecution().GetRunId())
				if err != nil {
					return closed, err
				}
				if reset {
					continue // the reset run carries the same conversation on
				}
			}
			reason := endedReasons[ex.GetStatus()]
			ids, err := r.ended.CloseAbandoned(ctx, ex.GetExecution().GetWorkflowId(), ex.GetCloseTime().AsTime(), reason)
			if err != nil {
				return closed, err
			}
			if len(ids) > 0 {
				r.logger.Warn("closed conversations whose workflow ended without closing them",
					"workflow_id", ex.GetExecution().GetWorkflowId(), "run_id", ex.GetExecution().GetRunId(), "reason", reason, "conversations", len(ids))
				closed += len(ids)
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	r.endedSince = started.Add(-endedOverlap)
	return closed, nil
}

// wasReset reports whether a terminated run was terminated by a reset
// (`temporal workflow reset`): a new run then continues its conversation.
func (r *Relay) wasReset(ctx context.Context, workflowID, runID string) (bool, error) {
	desc, err := r.temporal.DescribeWorkflow(ctx, workflowID, runID)
	if err != nil {
		return false, err
	}
	return desc.RawResponse.GetWorkflowExtendedInfo().GetResetRunId() != "", nil
}

// WithEnded makes the relay close the conversations of ended workflows.
func (r *Relay) WithEnded(st EndedStore) *Relay {
	r.ended = st
	return r
}
