package integration

import (
	"net/http"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
)

// TestAgentActsOnlyWhereItsQueuesReach: an agent starts conversations only
// on numbers whose workstream routes to one of its queues, and transfers
// only to queues of the conversation's workstream; anything else answers
// the 404 of an unknown id. A conversation handed to an agent outside those
// queues (a transfer by name) stays theirs to work.
func TestAgentActsOnlyWhereItsQueuesReach(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 3, queue)
	elsewhere := s.insertQueue("elsewhere")
	eve := s.newAgent("eve", domain.PresenceAvailable, 3, elsewhere)
	s.admin(http.MethodPost, "/api/v1/templates", plainTemplate("order_ready"), http.StatusCreated, nil)
	number := s.account.Numbers[0].ID
	start := map[string]any{"number_id": number, "customer_e164": customerOne,
		"template": map[string]any{"name": "order_ready", "language": "fr", "variables": []string{"Marie", "#12"}}}

	// Eve's queue is not the number's workstream's: the number does not exist for her.
	e := s.agentError(eve.Token, http.MethodPost, "/api/v1/agent/conversations", start, http.StatusNotFound, domain.CodeNotFound)
	unknown := map[string]any{"number_id": "b7d3290d-ff0d-49a7-8000-000000000000", "customer_e164": customerOne, "template": start["template"]}
	u := s.agentError(eve.Token, http.MethodPost, "/api/v1/agent/conversations", unknown, http.StatusNotFound, domain.CodeNotFound)
	if want := "number " + number + " not found"; e.Error.Message != want || u.Error.Message != "number b7d3290d-ff0d-49a7-8000-000000000000 not found" {
		t.Errorf("refusals differ from an unknown number's: %q / %q", e.Error.Message, u.Error.Message)
	}
	if n := len(s.conversations()); n != 0 {
		t.Fatalf("eve's refused start left %d conversations", n)
	}

	// Ada reaches it; she cannot send the conversation to a queue outside the workstream.
	var started struct {
		Conversation domain.Conversation `json:"conversation"`
	}
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations", start, http.StatusCreated, &started)
	base := "/api/v1/agent/conversations/" + started.Conversation.ID
	s.agentError(ada.Token, http.MethodPost, base+"/transfer", map[string]any{"queue_id": elsewhere}, http.StatusNotFound, domain.CodeNotFound)
	if st := s.workflowState(started.Conversation.WorkflowID); st.AgentID != ada.ID || st.QueueID == elsewhere {
		t.Fatalf("the refused transfer moved it: agent %s queue %s", st.AgentID, st.QueueID)
	}

	// Handed to eve by name (outside her queues): she works it, sends, closes.
	s.agentDo(ada.Token, http.MethodPost, base+"/transfer", map[string]any{"agent_id": eve.ID}, http.StatusOK, nil)
	s.openConversation(customerOne, "the conversation to reach eve", assignedTo(eve.ID))
	s.agentDo(eve.Token, http.MethodGet, base, nil, http.StatusOK, nil)
	s.agentDo(eve.Token, http.MethodPost, base+"/messages", map[string]any{"template": start["template"]}, http.StatusCreated, nil)
	s.agentDo(eve.Token, http.MethodPost, base+"/close", map[string]any{"notes": "done"}, http.StatusAccepted, nil)
}
