package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// Terminate and cancel from the Temporal UI leave nothing behind: within a
// minute the conversation is closed with a reason naming the action, the
// agent's capacity is released, the agent's console is told, and the
// customer's next message opens a working conversation.
func TestOperatorTerminateAndCancelLeaveNothingBehind(t *testing.T) {
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, queue)
	ctx := context.Background()

	for _, tc := range []struct {
		customer, reason string
		end              func(workflowID string) error
		status           enumspb.WorkflowExecutionStatus
	}{
		{"+33611100001", "terminated", func(id string) error {
			return s.app.Temporal.TerminateWorkflow(ctx, id, "", "operator test")
		}, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED},
		{"+33611100002", workflows.ReasonCancelled, func(id string) error {
			return s.app.Temporal.CancelWorkflow(ctx, id, "")
		}, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			s.t = t
			s.customerSends(tc.customer, "bonjour")
			conv := s.openConversation(tc.customer, "the conversation assigned to ada", assignedTo(ada.ID))
			if load := agentLoad(t, s, ada.ID); load != 1 {
				t.Fatalf("ada's load %d, want 1", load)
			}
			if err := tc.end(conv.WorkflowID); err != nil {
				t.Fatal(err)
			}
			ended := time.Now()
			var closed domain.Conversation
			eventually(t, time.Minute, "the conversation closed with reason "+tc.reason, func() bool {
				s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &closed)
				return closed.State == domain.StateClosed
			})
			if closed.CloseReason == nil || *closed.CloseReason != tc.reason {
				t.Errorf("closed with reason %v, want %s", closed.CloseReason, tc.reason)
			}
			eventually(t, 10*time.Second, "ada's capacity released", func() bool { return agentLoad(t, s, ada.ID) == 0 })
			if n := closedEvents(t, s, ada.ID, conv.ID); n == 0 {
				t.Error("ada's console was not told the conversation closed")
			}
			t.Logf("%s: conversation closed and capacity released %s after the operator's action",
				tc.reason, time.Since(ended).Round(time.Millisecond))
			// The row is closed by the closing sequence; the run itself
			// ends a workflow task later (cancellation) or already has.
			var status enumspb.WorkflowExecutionStatus
			eventually(t, 10*time.Second, "the run to end "+tc.status.String(), func() bool {
				desc, err := s.app.Temporal.DescribeWorkflow(ctx, conv.WorkflowID, "")
				if err != nil {
					t.Fatal(err)
				}
				status = desc.RawResponse.GetWorkflowExecutionInfo().GetStatus()
				return status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
			})
			if status != tc.status {
				t.Errorf("run ended %s, want %s", status, tc.status)
			}

			// The customer writes again: a new conversation, routed and assigned.
			s.customerSends(tc.customer, "vous êtes là ?")
			next := s.openConversation(tc.customer, "a new conversation assigned to ada", assignedTo(ada.ID))
			if next.ID == conv.ID {
				t.Fatal("the closed conversation was reused")
			}
			s.admin(http.MethodPost, "/api/v1/conversations/"+next.ID+"/close", map[string]any{}, http.StatusAccepted, nil)
			eventually(t, 20*time.Second, "ada free again", func() bool { return agentLoad(t, s, ada.ID) == 0 })
		})
	}
}

func agentLoad(t *testing.T, s *stack, agentID string) int {
	t.Helper()
	load, _, err := s.app.Distribution().AgentLoad(context.Background(), agentID)
	if err != nil {
		t.Fatal(err)
	}
	return load
}

// closedEvents counts the agent's conversation_closed events for a conversation.
func closedEvents(t *testing.T, s *stack, agentID, conversationID string) int {
	t.Helper()
	var n int
	if err := s.app.Store.DB().QueryRow(`SELECT count(*) FROM agent_events WHERE agent_id = $1 AND conversation_id = $2 AND type = $3`,
		agentID, conversationID, domain.EventConversationClosed).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
