package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

type started struct {
	Conversation domain.Conversation `json:"conversation"`
	Message      domain.Message      `json:"message"`
}

// TestProactiveStartByAgentAndAdmin: an agent starts a conversation with a
// template; it is assigned to the agent and template_only; a second start
// while it runs sends in the same conversation; another agent is refused;
// the admin starts one for an agent. A first message must be a template.
func TestProactiveStartByAgentAndAdmin(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 3, queue)
	bob := s.newAgent("bob", domain.PresenceAvailable, 3, queue)
	away := s.newAgent("cyd", domain.PresenceAway, 3, queue)
	s.admin(http.MethodPost, "/api/v1/templates", plainTemplate("order_ready"), http.StatusCreated, nil)
	number := s.account.Numbers[0].ID
	tmpl := map[string]any{"name": "order_ready", "language": "fr", "variables": []string{"Marie", "#12"}}
	start := func(customer string) map[string]any {
		return map[string]any{"number_id": number, "customer_e164": customer, "template": tmpl}
	}

	// Refusals first: nothing may start.
	s.agentError(ada.Token, http.MethodPost, "/api/v1/agent/conversations", map[string]any{"number_id": number, "customer_e164": customerOne,
		"text": "Bonjour"}, http.StatusUnprocessableEntity, domain.CodeTemplateInvalid)
	s.agentError(ada.Token, http.MethodPost, "/api/v1/agent/conversations", map[string]any{"number_id": number, "customer_e164": "0612",
		"template": tmpl}, http.StatusBadRequest, domain.CodeInvalid)
	s.agentError(ada.Token, http.MethodPost, "/api/v1/agent/conversations", map[string]any{"number_id": queue, "customer_e164": customerOne,
		"template": tmpl}, http.StatusNotFound, domain.CodeNotFound) // an unknown number, for an agent as for any other it cannot reach
	s.agentError(ada.Token, http.MethodPost, "/api/v1/agent/conversations", map[string]any{"number_id": number, "customer_e164": customerOne,
		"template": map[string]any{"name": "order_ready", "variables": []string{"x"}}}, http.StatusUnprocessableEntity, domain.CodeTemplateInvalid)
	s.agentError(ada.Token, http.MethodPost, "/api/v1/agent/conversations", map[string]any{"number_id": number, "customer_e164": customerOne,
		"template": tmpl, "agent_id": bob.ID}, http.StatusBadRequest, domain.CodeInvalid)
	s.agentError(away.Token, http.MethodPost, "/api/v1/agent/conversations", start(customerOne), http.StatusConflict, domain.CodeConflict)
	if n := len(s.conversations()); n != 0 || len(s.emu.Messages()) != 0 {
		t.Fatalf("refused starts left %d conversations, %d messages", n, len(s.emu.Messages()))
	}

	// The agent starts one: assigned to it, template_only, the template sent.
	var first started
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations", start(customerOne), http.StatusCreated, &first)
	c := first.Conversation
	if c.CustomerE164 != customerOne || c.Mode != domain.ModeTemplateOnly || first.Message.TwilioSID == nil ||
		first.Message.Author != "agent:"+ada.ID || first.Message.Body != "Bonjour Marie, votre commande #12 est prête." {
		t.Fatalf("started: %+v", first)
	}
	conv := s.openConversation(customerOne, "the conversation to be ada's", assignedTo(ada.ID))
	if conv.ID != c.ID || conv.Routing == nil || !strings.Contains(conv.Routing.By, "agent:"+ada.ID) {
		t.Fatalf("conversation: %+v", conv)
	}
	s.workflowStateWhen(conv.WorkflowID, "ada, template only", func(st workflows.ConversationState) bool {
		return st.AgentID == ada.ID && st.Mode == domain.ModeTemplateOnly && st.State == domain.StateAssigned
	})
	// Free-form is refused until the customer answers.
	s.agentError(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+c.ID+"/messages", map[string]any{"text": "?"}, http.StatusConflict, domain.CodeWindowClosed)

	// Again while it runs: the same conversation, a second template.
	var second started
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations", start(customerOne), http.StatusCreated, &second)
	if second.Conversation.ID != c.ID || second.Message.ConversationID != c.ID || second.Message.ID == first.Message.ID {
		t.Fatalf("second start: %+v", second)
	}
	// Bob may not write in ada's conversation this way.
	e := s.agentError(bob.Token, http.MethodPost, "/api/v1/agent/conversations", start(customerOne), http.StatusConflict, domain.CodeConflict)
	if !strings.Contains(e.Error.Message, "not yours") {
		t.Fatalf("bob: %s", e.Error.Message)
	}
	if msgs := s.messages(c.ID); len(msgs) != 2 || len(s.emu.Messages()) != 2 {
		t.Fatalf("transcript: %d messages, Twilio %d", len(msgs), len(s.emu.Messages()))
	}

	// The customer answers: the session opens, free-form works.
	s.customerSends(customerOne, "Merci, j'arrive")
	eventually(t, 15*time.Second, "the session to open", func() bool {
		var got domain.Conversation
		s.admin(http.MethodGet, "/api/v1/conversations/"+c.ID, nil, http.StatusOK, &got)
		return got.Mode == domain.ModeSession
	})
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+c.ID+"/messages", map[string]any{"text": "Parfait"}, http.StatusCreated, nil)

	// The admin starts one for bob with another customer; and one routed.
	const customerTwo, customerThree = "+33698765432", "+447700900123"
	adminStart := start(customerTwo)
	adminStart["agent_id"] = bob.ID
	var byAdmin started
	s.admin(http.MethodPost, "/api/v1/conversations", adminStart, http.StatusCreated, &byAdmin)
	if byAdmin.Message.Author != domain.AuthorAdmin || byAdmin.Conversation.CustomerE164 != customerTwo {
		t.Fatalf("admin start: %+v", byAdmin)
	}
	s.openConversation(customerTwo, "the admin's conversation to be bob's", assignedTo(bob.ID))
	var routed started
	s.admin(http.MethodPost, "/api/v1/conversations", start(customerThree), http.StatusCreated, &routed)
	s.openConversation(customerThree, "the admin's unassigned conversation to be routed", func(c domain.Conversation) bool {
		return c.State == domain.StateAssigned && c.QueueID != nil && *c.QueueID == queue
	})
	s.wantError(http.MethodPost, "/api/v1/conversations", map[string]any{"number_id": number, "customer_e164": customerThree,
		"media_urls": []string{"https://93.184.215.14/a.jpg"}}, http.StatusUnprocessableEntity, domain.CodeTemplateInvalid, "template")
	away2 := start("+33611111111")
	away2["agent_id"] = away.ID
	s.wantError(http.MethodPost, "/api/v1/conversations", away2, http.StatusConflict, domain.CodeConflict, "away")
}
