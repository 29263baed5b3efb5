package integration

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// agentQuickReplyView is GET /api/v1/agent/quick-replies's item.
type agentQuickReplyView struct {
	domain.QuickReply
	Template string `json:"template"`
	Rendered bool   `json:"rendered"`
}

// customerViewBody is GET|PATCH .../customer's answer.
type customerViewBody struct {
	domain.CustomerProfile
	Conversations []domain.CustomerConversation `json:"conversations"`
}

// TestQuickRepliesThroughTheAgentAPI: an admin's quick replies reach the
// agents of their workstream, rendered for the conversation, and one sent
// goes out as the agent's text; an unknown placeholder is a 422.
func TestQuickRepliesThroughTheAgentAPI(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("Ada", domain.PresenceAvailable, 1, queue)
	var other domain.Queue
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "elsewhere"}, http.StatusCreated, &other)
	var otherWS domain.Workstream
	s.admin(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Elsewhere", "language": "fr",
		"distribution": domain.DistributionPush, "default_queue_id": other.ID}, http.StatusCreated, &otherWS)

	status, _, raw := s.adminRaw(http.MethodPost, "/api/v1/quick-replies", map[string]any{
		"title": "Bad", "shortcut": "bad", "text": "Hello {{customer.nickname}}"})
	var e apiError
	_ = json.Unmarshal(raw, &e)
	if status != http.StatusUnprocessableEntity || e.Error.Code != string(domain.CodeUnknownPlaceholder) || !strings.Contains(string(e.Error.Details), "customer.nickname") {
		t.Fatalf("unknown placeholder: %d %s", status, raw)
	}
	var hello, scoped domain.QuickReply
	s.admin(http.MethodPost, "/api/v1/quick-replies", map[string]any{"title": "Greeting", "shortcut": "/hello",
		"text": "Bonjour {{ customer.name }}, ici {{agent.first_name}}."}, http.StatusCreated, &hello)
	s.admin(http.MethodPost, "/api/v1/quick-replies", map[string]any{"title": "Elsewhere", "shortcut": "elsewhere",
		"text": "not for ada", "workstream_id": otherWS.ID}, http.StatusCreated, &scoped)
	if hello.Shortcut != "hello" {
		t.Fatalf("the shortcut keeps its slash: %+v", hello)
	}
	s.admin(http.MethodPost, "/api/v1/quick-replies", map[string]any{"title": "Dup", "shortcut": "HELLO", "text": "x"}, http.StatusConflict, nil)
	s.admin(http.MethodPatch, "/api/v1/quick-replies/"+hello.ID, map[string]any{"text": "{{agent.nope}}"}, http.StatusUnprocessableEntity, nil)

	s.customerSends(customerOne, "Bonjour")
	conv := s.openConversation(customerOne, "ada's conversation", assignedTo(ada.ID))

	var list struct {
		Data []agentQuickReplyView `json:"data"`
	}
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/quick-replies", nil, http.StatusOK, &list)
	if len(list.Data) != 1 || list.Data[0].ID != hello.ID || list.Data[0].Rendered || list.Data[0].Text != hello.Text {
		t.Fatalf("ada's quick replies: %+v", list.Data)
	}
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/quick-replies?conversation_id="+conv.ID, nil, http.StatusOK, &list)
	want := "Bonjour Marie, ici Ada."
	if len(list.Data) != 1 || list.Data[0].Text != want || !list.Data[0].Rendered || list.Data[0].Template != hello.Text {
		t.Fatalf("rendered quick replies: %+v", list.Data)
	}
	bob := s.newAgent("bob", domain.PresenceAvailable, 1, other.ID)
	s.agentError(bob.Token, http.MethodGet, "/api/v1/agent/quick-replies?conversation_id="+conv.ID, nil, http.StatusNotFound, domain.CodeNotFound)
	s.agentDo(bob.Token, http.MethodGet, "/api/v1/agent/quick-replies", nil, http.StatusOK, &list)
	if len(list.Data) != 2 {
		t.Fatalf("bob's quick replies (the global one and his workstream's): %+v", list.Data)
	}

	msg := s.agentSend(ada.Token, conv.ID, want)
	if msg.Body != want {
		t.Fatalf("sent %+v", msg)
	}
	eventually(t, 15*time.Second, "Twilio to get the quick reply", func() bool {
		for _, m := range s.emu.Messages() {
			if m.Body == want {
				return true
			}
		}
		return false
	})
	s.admin(http.MethodDelete, "/api/v1/quick-replies/"+hello.ID, nil, http.StatusNoContent, nil)
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/quick-replies", nil, http.StatusOK, &list)
	if len(list.Data) != 0 {
		t.Fatalf("after delete: %+v", list.Data)
	}
}

// TestLabelsOnConversations: agents label the conversations they may see
// (audited), lists filter by label, and a routing rule's labels are put on
// the conversations it routes.
func TestLabelsOnConversations(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	bob := s.newAgent("bob", domain.PresenceAway, 1)
	var vip, urgent domain.Label
	s.admin(http.MethodPost, "/api/v1/labels", map[string]any{"name": "VIP", "color": "#AA0000"}, http.StatusCreated, &vip)
	s.admin(http.MethodPost, "/api/v1/labels", map[string]any{"name": "Urgent", "color": "#ff8800"}, http.StatusCreated, &urgent)
	if vip.Color != "#aa0000" {
		t.Fatalf("color: %+v", vip)
	}
	s.admin(http.MethodPost, "/api/v1/labels", map[string]any{"name": "x", "color": "red"}, http.StatusBadRequest, nil)
	s.admin(http.MethodPost, "/api/v1/labels", map[string]any{"name": "vip", "color": "#000000"}, http.StatusConflict, nil)

	// A rule that labels what it routes.
	var n domain.Number
	s.admin(http.MethodGet, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID, nil, http.StatusOK, &n)
	var rule domain.RoutingRule
	s.admin(http.MethodPost, "/api/v1/workstreams/"+*n.WorkstreamID+"/routing-rules", map[string]any{
		"name": "urgent", "queue_id": queue, "label_ids": []string{urgent.ID},
		"conditions": []map[string]string{{"field": "message.body", "op": "contains", "value": "urgent"}},
	}, http.StatusCreated, &rule)
	if len(rule.LabelIDs) != 1 || rule.LabelIDs[0] != urgent.ID {
		t.Fatalf("rule: %+v", rule)
	}

	s.customerSends(customerOne, "Bonjour")
	s.customerSends(customerTwo, "C'est urgent")
	one := s.openConversation(customerOne, "customer one with ada", assignedTo(ada.ID))
	two := s.openConversation(customerTwo, "customer two labelled by its rule", func(c domain.Conversation) bool {
		return assignedTo(ada.ID)(c) && len(c.Labels) == 1 && c.Labels[0].ID == urgent.ID
	})

	base := "/api/v1/agent/conversations/" + one.ID + "/labels"
	var labels struct {
		Labels []domain.LabelRef `json:"labels"`
	}
	s.agentDo(ada.Token, http.MethodPost, base, map[string]any{"label_id": vip.ID}, http.StatusOK, &labels)
	if len(labels.Labels) != 1 || labels.Labels[0].Name != "VIP" {
		t.Fatalf("labels: %+v", labels)
	}
	s.agentError(ada.Token, http.MethodPost, base, map[string]any{"label_id": "nope"}, http.StatusBadRequest, domain.CodeInvalid)
	s.agentError(bob.Token, http.MethodPost, base, map[string]any{"label_id": vip.ID}, http.StatusNotFound, domain.CodeNotFound)

	var agentConv domain.Conversation
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations/"+one.ID, nil, http.StatusOK, &agentConv)
	if len(agentConv.Labels) != 1 || agentConv.Labels[0].Color != "#aa0000" {
		t.Fatalf("agent's conversation: %+v", agentConv.Labels)
	}
	for _, q := range []string{"label=vip", "label=" + vip.ID} {
		var page listResponse[domain.Conversation]
		s.admin(http.MethodGet, "/api/v1/conversations?"+q, nil, http.StatusOK, &page)
		if len(page.Data) != 1 || page.Data[0].ID != one.ID {
			t.Fatalf("admin ?%s: %+v", q, page.Data)
		}
		s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations?"+q, nil, http.StatusOK, &page)
		if len(page.Data) != 1 || page.Data[0].ID != one.ID {
			t.Fatalf("agent ?%s: %+v", q, page.Data)
		}
	}
	var page listResponse[domain.Conversation]
	s.admin(http.MethodGet, "/api/v1/conversations?label=Urgent", nil, http.StatusOK, &page)
	if len(page.Data) != 1 || page.Data[0].ID != two.ID {
		t.Fatalf("admin ?label=Urgent: %+v", page.Data)
	}
	s.admin(http.MethodGet, "/api/v1/conversations?label=nosuch", nil, http.StatusBadRequest, nil)

	s.agentDo(ada.Token, http.MethodDelete, base+"/"+vip.ID, nil, http.StatusOK, &labels)
	if len(labels.Labels) != 0 {
		t.Fatalf("after removal: %+v", labels)
	}
	s.agentError(ada.Token, http.MethodDelete, base+"/"+vip.ID, nil, http.StatusNotFound, domain.CodeNotFound)

	var audit struct {
		Data []struct {
			Actor  string `json:"actor"`
			Action string `json:"action"`
		} `json:"data"`
	}
	s.admin(http.MethodGet, "/api/v1/audit-log?resource_type=conversation_label&resource_id="+one.ID, nil, http.StatusOK, &audit)
	if len(audit.Data) != 2 || audit.Data[0].Actor != "agent:"+ada.ID {
		t.Fatalf("audit: %+v", audit.Data)
	}
}

// TestCustomerProfileAndHistory: the agent reads and describes the
// customer, sees their earlier conversation with its outcome and agent and
// reads its transcript; admins search customers; export and erasure
// include the profile.
func TestCustomerProfileAndHistory(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, queue)

	s.customerSends(customerOne, "Première fois")
	first := s.openConversation(customerOne, "the first conversation", assignedTo(ada.ID))
	path := "/api/v1/agent/conversations/" + first.ID + "/customer"
	var view customerViewBody
	s.agentDo(ada.Token, http.MethodGet, path, nil, http.StatusOK, &view)
	if view.ProfileName != "Marie" || view.E164 != customerOne || view.DisplayName != "" || len(view.Conversations) != 0 || string(view.Attributes) != "{}" {
		t.Fatalf("first profile: %+v", view)
	}
	s.agentError(ada.Token, http.MethodPatch, path, map[string]any{"attributes": []int{1}}, http.StatusBadRequest, domain.CodeInvalid)
	s.agentError(ada.Token, http.MethodPatch, path, map[string]any{}, http.StatusBadRequest, domain.CodeInvalid)
	s.agentDo(ada.Token, http.MethodPatch, path, map[string]any{"display_name": "Marie Curie", "external_id": "CRM-1867",
		"attributes": map[string]any{"tier": "gold"}, "notes": "Prefers mornings"}, http.StatusOK, &view)
	if view.DisplayName != "Marie Curie" || view.ExternalID != "CRM-1867" || view.Notes != "Prefers mornings" || !strings.Contains(string(view.Attributes), "gold") {
		t.Fatalf("patched profile: %+v", view)
	}
	var audit struct {
		Data []struct {
			Changes json.RawMessage `json:"changes"`
		} `json:"data"`
	}
	s.admin(http.MethodGet, "/api/v1/audit-log?resource_type=customer_profile&resource_id="+first.ID, nil, http.StatusOK, &audit)
	if len(audit.Data) != 1 || strings.Contains(string(audit.Data[0].Changes), "Curie") || !strings.Contains(string(audit.Data[0].Changes), "display_name") {
		t.Fatalf("audit of a profile change names fields, not values: %+v", audit.Data)
	}

	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+first.ID+"/close", map[string]any{"notes": "done"}, http.StatusAccepted, nil)
	eventually(t, 20*time.Second, "the first conversation to close", func() bool {
		var c domain.Conversation
		s.admin(http.MethodGet, "/api/v1/conversations/"+first.ID, nil, http.StatusOK, &c)
		return c.State == domain.StateClosed
	})
	s.customerSends(customerOne, "Me revoilà")
	second := s.openConversation(customerOne, "the second conversation", func(c domain.Conversation) bool {
		return c.ID != first.ID && assignedTo(ada.ID)(c)
	})
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations/"+second.ID+"/customer", nil, http.StatusOK, &view)
	if view.DisplayName != "Marie Curie" || len(view.Conversations) != 1 {
		t.Fatalf("second profile: %+v", view)
	}
	h := view.Conversations[0]
	if h.ID != first.ID || h.State != domain.StateClosed || h.CloseReason == nil || *h.CloseReason != "closed_by_agent" ||
		h.AgentName == nil || *h.AgentName != "ada" || h.NumberE164 != ourNumber {
		t.Fatalf("history: %+v", h)
	}
	var transcript struct {
		Conversation domain.Conversation `json:"conversation"`
		Data         []domain.Message    `json:"data"`
	}
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations/"+second.ID+"/customer/conversations/"+first.ID+"/messages", nil, http.StatusOK, &transcript)
	if transcript.Conversation.ID != first.ID || len(transcript.Data) == 0 || transcript.Data[0].Body != "Première fois" {
		t.Fatalf("earlier transcript: %+v", transcript)
	}
	// Rendering uses the name the business gave.
	var qr domain.QuickReply
	s.admin(http.MethodPost, "/api/v1/quick-replies", map[string]any{"title": "Hi", "shortcut": "hi", "text": "Hi {{customer.first_name}} ({{customer.external_id}})"}, http.StatusCreated, &qr)
	var list struct {
		Data []agentQuickReplyView `json:"data"`
	}
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/quick-replies?conversation_id="+second.ID, nil, http.StatusOK, &list)
	if len(list.Data) != 1 || list.Data[0].Text != "Hi Marie (CRM-1867)" {
		t.Fatalf("rendered with the profile: %+v", list.Data)
	}

	var found struct {
		Data []struct {
			domain.CustomerProfile
			Conversations int `json:"conversations"`
		} `json:"data"`
		NextCursor string `json:"next_cursor"`
	}
	for _, q := range []string{"curie", "CRM-18", customerOne[3:], "Marie"} {
		s.admin(http.MethodGet, "/api/v1/customers?q="+url.QueryEscape(q), nil, http.StatusOK, &found)
		if len(found.Data) != 1 || found.Data[0].E164 != customerOne || found.Data[0].Conversations != 2 {
			t.Fatalf("search %q: %+v", q, found)
		}
	}
	s.admin(http.MethodGet, "/api/v1/customers?q=nobody", nil, http.StatusOK, &found)
	if len(found.Data) != 0 {
		t.Fatalf("search nobody: %+v", found)
	}
	var export struct {
		Postgres map[string][]json.RawMessage `json:"postgres"`
	}
	s.admin(http.MethodGet, "/api/v1/customers/"+url.PathEscape(customerOne)+"/export", nil, http.StatusOK, &export)
	if len(export.Postgres["customer_profiles"]) != 1 || !strings.Contains(string(export.Postgres["customer_profiles"][0]), "Prefers mornings") {
		t.Fatalf("export: %s", export.Postgres["customer_profiles"])
	}
}
