package integration

import (
	"net/http"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// TestPresenceDispatchesAWaitingConversation: a conversation waits while
// its queue's only agent is away; the agent turns available and gets it in
// the same request (load 1 in the answer), and the workflow hears of it.
func TestPresenceDispatchesAWaitingConversation(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAway, 1, queue)

	s.customerSends(customerOne, "Il y a quelqu'un ?")
	conv := s.openConversation(customerOne, "the conversation to wait", waitingInQueue)
	s.agentError(ada.Token, http.MethodPut, "/api/v1/agent/me/presence", map[string]any{"presence": "lunch"}, http.StatusBadRequest, domain.CodeInvalid)
	s.agentError(ada.Token, http.MethodPut, "/api/v1/agent/me/presence", map[string]any{}, http.StatusBadRequest, domain.CodeInvalid)
	var me agentProfile
	s.agentDo(ada.Token, http.MethodPut, "/api/v1/agent/me/presence", map[string]any{"presence": "busy"}, http.StatusOK, &me)
	if me.Presence != domain.PresenceBusy || me.Load != 0 {
		t.Fatalf("busy: %+v", me)
	}
	s.agentDo(ada.Token, http.MethodPut, "/api/v1/agent/me/presence", map[string]any{"presence": "available"}, http.StatusOK, &me)
	if me.Presence != domain.PresenceAvailable || me.Load != 1 {
		t.Fatalf("available: %+v", me)
	}
	got := s.openConversation(customerOne, "the workflow to take the assignment", assignedTo(ada.ID))
	if got.ID != conv.ID {
		t.Fatalf("another conversation: %s", got.ID)
	}
	s.workflowStateWhen(conv.WorkflowID, "ada", func(st workflows.ConversationState) bool {
		return st.AgentID == ada.ID && st.State == domain.StateAssigned
	})
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/messages", map[string]any{"text": "Oui !"}, http.StatusCreated, nil)
}
