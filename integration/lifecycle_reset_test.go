package integration

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/switchboard/switchboard/internal/domain"
)

// `temporal workflow reset` of a conversation to its first workflow task:
// the reset run continues as the same conversation (same id, one row), the
// transcript has each message once, the assignment stands, and nothing the
// conversation had sent goes to the customer a second time.
func TestResetKeepsTheConversation(t *testing.T) {
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	const customer = "+33611200001"
	ctx := context.Background()

	s.customerSends(customer, "bonjour")
	conv := s.openConversation(customer, "the conversation assigned to ada", assignedTo(ada.ID))
	var reply domain.Message
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/messages", map[string]any{"text": "Bonjour, je regarde."}, http.StatusCreated, &reply)
	s.customerSends(customer, "merci")
	eventually(t, 20*time.Second, "both customer messages in the transcript", func() bool {
		return countDirection(s.messages(conv.ID), domain.Inbound) == 2
	})
	sentBefore := sentTo(s.emu, customer)

	first := firstWorkflowTaskCompleted(t, s, conv.WorkflowID)
	resp, err := s.app.Temporal.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 s.cfg.TemporalNamespace,
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: conv.WorkflowID},
		Reason:                    "operator test: reset to the first workflow task",
		WorkflowTaskFinishEventId: first,
		RequestId:                 uuid.NewString(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reset to event %d: new run %s", first, resp.GetRunId())

	// The reset run gets to where the conversation was, then takes new work.
	eventually(t, 30*time.Second, "the reset run to record a new message", func() bool {
		st := s.workflowState(conv.WorkflowID)
		return st.InboundCount >= 2 && st.State == "assigned"
	})
	s.customerSends(customer, "encore une question")
	eventually(t, 20*time.Second, "the new message in the same conversation", func() bool {
		return countDirection(s.messages(conv.ID), domain.Inbound) == 3
	})

	st := s.workflowState(conv.WorkflowID)
	if st.ConversationID != conv.ID || st.AgentID != ada.ID {
		t.Errorf("after the reset the workflow is conversation %s with agent %s, want %s with %s", st.ConversationID, st.AgentID, conv.ID, ada.ID)
	}
	if n := len(s.conversations()); n != 1 {
		t.Errorf("%d conversations after the reset, want 1", n)
	}
	if got := agentLoad(t, s, ada.ID); got != 1 {
		t.Errorf("ada's load %d after the reset, want 1", got)
	}
	// The run the reset terminated is not an abandoned conversation: the
	// relay's look for ended workflows leaves it open.
	eventually(t, 10*time.Second, "visibility to list the run the reset terminated", func() bool {
		resp, err := s.app.Temporal.ListWorkflow(ctx, listRequest(fmt.Sprintf("WorkflowId = '%s' AND ExecutionStatus = 'Terminated'", conv.WorkflowID)))
		return err == nil && len(resp.GetExecutions()) == 1
	})
	if n, err := s.app.Relay().SweepEnded(ctx); err != nil || n != 0 {
		t.Errorf("the look for ended workflows closed %d conversations (%v), want none", n, err)
	}
	var row domain.Conversation
	s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &row)
	if row.State == domain.StateClosed || row.ClosedAt != nil {
		t.Errorf("the reset conversation was closed: %+v", row)
	}
	// Give a resent message time to show, then compare.
	time.Sleep(2 * time.Second)
	if got := sentTo(s.emu, customer); got != sentBefore {
		t.Errorf("the customer got %d messages after the reset, %d before: something was sent twice", got, sentBefore)
	}
	for _, m := range s.messages(conv.ID) {
		if m.Direction == domain.Outbound && (m.TwilioSID == nil || m.Status.IsFailure()) {
			t.Errorf("outbound message %s (%s) after the reset: %s", m.ID, m.Author, m.Status)
		}
	}
}

func countDirection(msgs []domain.Message, dir string) int {
	n := 0
	for _, m := range msgs {
		if m.Direction == dir {
			n++
		}
	}
	return n
}

// firstWorkflowTaskCompleted is the event id of the first completed
// workflow task of the workflow's current run.
func firstWorkflowTaskCompleted(t *testing.T, s *stack, workflowID string) int64 {
	t.Helper()
	it := s.app.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			return ev.GetEventId()
		}
	}
	t.Fatal("no completed workflow task")
	return 0
}
