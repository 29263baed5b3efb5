package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

type agentProfile struct {
	domain.Agent
	Load int `json:"load"`
}

// TestAgentWorksAConversation: a customer's conversation is pushed to an
// available agent, who reads it, answers with text, media and a template
// (each answered after Twilio accepted it), sees unread counts move,
// transfers it to a colleague's queue, who hands it to another agent by
// name, who closes it with notes.
func TestAgentWorksAConversation(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	s.admin(http.MethodPost, "/api/v1/templates", plainTemplate("order_ready"), http.StatusCreated, nil)

	s.customerSends(customerOne, "Bonjour, ma commande ?")
	conv := s.openConversation(customerOne, "the conversation to be assigned to ada", assignedTo(ada.ID))
	base := "/api/v1/agent/conversations/" + conv.ID

	var me agentProfile
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/me", nil, http.StatusOK, &me)
	if me.ID != ada.ID || me.Load != 1 || me.Capacity != 2 || me.Token != "" || me.Presence != domain.PresenceAvailable {
		t.Fatalf("me: %+v", me)
	}
	if _, _, raw := s.agentRaw(ada.Token, http.MethodGet, "/api/v1/agent/me", nil); strings.Contains(string(raw), "token") {
		t.Fatalf("me carries a token: %s", raw)
	}

	var list listResponse[store.AgentConversation]
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations", nil, http.StatusOK, &list)
	if len(list.Data) != 1 || list.Data[0].ID != conv.ID || list.Data[0].Unread != 1 || list.Data[0].State != domain.StateAssigned ||
		list.Data[0].QueueID == nil || *list.Data[0].QueueID != queue || list.Data[0].QueueName == nil || list.Data[0].Routing == nil ||
		list.Data[0].Routing.Reason == "" || list.Data[0].WindowExpiresAt == nil || list.Data[0].Mode != domain.ModeSession {
		t.Fatalf("ada's conversations: %+v", list.Data)
	}
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations?state=closed", nil, http.StatusOK, &list)
	if len(list.Data) != 0 {
		t.Fatalf("closed filter: %+v", list.Data)
	}
	s.agentError(ada.Token, http.MethodGet, "/api/v1/agent/conversations?state=done", nil, http.StatusBadRequest, domain.CodeInvalid)

	var one store.AgentConversation
	s.agentDo(ada.Token, http.MethodGet, base, nil, http.StatusOK, &one)
	if one.ID != conv.ID || one.CustomerE164 != customerOne {
		t.Fatalf("conversation: %+v", one)
	}

	// Text: answered once Twilio accepted it.
	start := time.Now()
	var msg domain.Message
	s.agentDo(ada.Token, http.MethodPost, base+"/messages", map[string]any{"text": "Bonjour Marie, je regarde."}, http.StatusCreated, &msg)
	t.Logf("agent send → Twilio accepted → answer: %s", time.Since(start).Round(time.Millisecond))
	if msg.Author != "agent:"+ada.ID || msg.TwilioSID == nil || msg.Status.IsFailure() || msg.ConversationID != conv.ID {
		t.Fatalf("sent: %+v", msg)
	}
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations", nil, http.StatusOK, &list)
	if list.Data[0].Unread != 0 {
		t.Fatalf("unread after ada answered: %d", list.Data[0].Unread)
	}
	s.customerSends(customerOne, "Merci !")
	eventually(t, 15*time.Second, "the customer's answer to count as unread", func() bool {
		s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations", nil, http.StatusOK, &list)
		return len(list.Data) == 1 && list.Data[0].Unread == 1
	})

	// Text with media (a public address), and a template.
	s.agentDo(ada.Token, http.MethodPost, base+"/messages", map[string]any{"text": "Votre facture",
		"media_urls": []string{"https://93.184.215.14/facture.pdf"}}, http.StatusCreated, &msg)
	if len(msg.Media) != 1 || msg.Media[0].URL != "https://93.184.215.14/facture.pdf" || msg.TwilioSID == nil {
		t.Fatalf("media message: %+v", msg)
	}
	s.agentDo(ada.Token, http.MethodPost, base+"/messages", map[string]any{"template": map[string]any{
		"name": "order_ready", "language": "fr", "variables": []string{"Marie", "#42"}}}, http.StatusCreated, &msg)
	if msg.Body != "Bonjour Marie, votre commande #42 est prête." || msg.Template == nil || msg.TwilioSID == nil {
		t.Fatalf("template message: %+v", msg)
	}
	s.agentError(ada.Token, http.MethodPost, base+"/messages", map[string]any{"template": map[string]any{
		"name": "order_ready", "variables": []string{"Marie"}}}, http.StatusUnprocessableEntity, domain.CodeTemplateInvalid)
	sent := s.emu.Messages()
	if len(sent) != 3 || sent[1].MediaURLs[0] != "https://93.184.215.14/facture.pdf" || sent[2].Body != "Bonjour Marie, votre commande #42 est prête." {
		t.Fatalf("Twilio got %+v", sent)
	}

	// The transcript, with delivery statuses moving on.
	eventually(t, 15*time.Second, "the statuses to reach read", func() bool {
		var msgs listResponse[domain.Message]
		s.agentDo(ada.Token, http.MethodGet, base+"/messages", nil, http.StatusOK, &msgs)
		read := 0
		for _, m := range msgs.Data {
			if m.Direction == domain.Outbound && m.Status == domain.StatusRead {
				read++
			}
		}
		return len(msgs.Data) == 5 && read == 3
	})

	// Transfer to bob's queue: bob gets it, ada no longer sees it.
	other := s.insertQueue("billing")
	s.routeAlsoTo(other) // a queue of the workstream: agents transfer only there
	bob := s.newAgent("bob", domain.PresenceAvailable, 1, other)
	s.agentError(ada.Token, http.MethodPost, base+"/transfer", map[string]any{}, http.StatusBadRequest, domain.CodeInvalid)
	s.agentError(ada.Token, http.MethodPost, base+"/transfer", map[string]any{"queue_id": other, "agent_id": bob.ID}, http.StatusBadRequest, domain.CodeInvalid)
	s.agentError(ada.Token, http.MethodPost, base+"/transfer", map[string]any{"queue_id": "b7d3290d-ff0d-09a7-0000-000000000000"}, http.StatusNotFound, domain.CodeNotFound)
	var moved domain.Conversation
	s.agentDo(ada.Token, http.MethodPost, base+"/transfer", map[string]any{"queue_id": other, "reason": "billing question"}, http.StatusOK, &moved)
	conv = s.openConversation(customerOne, "the conversation to reach bob", assignedTo(bob.ID))
	if conv.Routing == nil || !strings.Contains(conv.Routing.Reason, "agent:"+ada.ID) || conv.Routing.QueueID != other {
		t.Fatalf("routing after transfer: %+v", conv.Routing)
	}
	s.agentError(ada.Token, http.MethodGet, base, nil, http.StatusNotFound, domain.CodeNotFound)
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/me", nil, http.StatusOK, &me)
	if me.Load != 0 {
		t.Fatalf("ada's load after the transfer: %d", me.Load)
	}

	// Bob hands it to cyd by name (not a member of any queue: a person chose her).
	cyd := s.newAgent("cyd", domain.PresenceAvailable, 1)
	s.agentError(bob.Token, http.MethodPost, base+"/transfer", map[string]any{"agent_id": bob.ID}, http.StatusConflict, domain.CodeConflict)
	s.agentDo(bob.Token, http.MethodPost, base+"/transfer", map[string]any{"agent_id": cyd.ID}, http.StatusOK, &moved)
	conv = s.openConversation(customerOne, "the conversation to reach cyd", assignedTo(cyd.ID))
	s.agentError(bob.Token, http.MethodGet, base, nil, http.StatusNotFound, domain.CodeNotFound)
	// Ada cannot act on it any more; an away agent cannot be given it (409 with the reason).
	s.agentError(ada.Token, http.MethodPost, base+"/transfer", map[string]any{"agent_id": cyd.ID}, http.StatusNotFound, domain.CodeNotFound)
	dan := s.newAgent("dan", domain.PresenceAway, 1)
	e := s.agentError(cyd.Token, http.MethodPost, base+"/transfer", map[string]any{"agent_id": dan.ID}, http.StatusConflict, domain.CodeConflict)
	if !strings.Contains(e.Error.Message, "not available") {
		t.Fatalf("transfer to an away agent: %s", e.Error.Message)
	}

	// Cyd closes it with notes.
	s.agentError(cyd.Token, http.MethodPost, base+"/close", map[string]any{"notes": strings.Repeat("x", 4001)}, http.StatusBadRequest, domain.CodeInvalid)
	var closing map[string]string
	s.agentDo(cyd.Token, http.MethodPost, base+"/close", map[string]any{"notes": "invoice resent"}, http.StatusAccepted, &closing)
	if closing["status"] != "closing" {
		t.Fatalf("close: %+v", closing)
	}
	eventually(t, 15*time.Second, "the conversation to close", func() bool {
		var c domain.Conversation
		s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &c)
		return c.State == domain.StateClosed
	})
	s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &conv)
	if conv.CloseReason == nil || *conv.CloseReason != "closed_by_agent" || conv.ClosedBy == nil || *conv.ClosedBy != "agent:"+cyd.ID ||
		conv.CloseNotes == nil || *conv.CloseNotes != "invoice resent" {
		t.Fatalf("closed: %+v", conv)
	}
	// Closed: still readable by its agent, no longer actionable.
	s.agentDo(cyd.Token, http.MethodGet, "/api/v1/agent/conversations?state=closed", nil, http.StatusOK, &list)
	if len(list.Data) != 1 {
		t.Fatalf("cyd's closed conversations: %+v", list.Data)
	}
	s.agentError(cyd.Token, http.MethodPost, base+"/messages", map[string]any{"text": "encore ?"}, http.StatusConflict, domain.CodeConversationClosed)
	s.agentError(cyd.Token, http.MethodPost, base+"/close", nil, http.StatusConflict, domain.CodeConversationClosed)
}
