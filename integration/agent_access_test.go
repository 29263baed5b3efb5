package integration

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/store"
)

// agentRoute is one route of the agent API that names a conversation.
type agentRoute struct {
	method, path string // path after /api/v1/agent/conversations/{id}
	body         any
}

// conversationRoutes are every agent route with a conversation id, with a
// body that would be valid.
func conversationRoutes(messageID, queueID string) []agentRoute {
	return []agentRoute{
		{http.MethodGet, "", nil},
		{http.MethodGet, "/messages", nil},
		{http.MethodPost, "/messages", map[string]any{"text": "hello"}},
		{http.MethodPost, "/messages", map[string]any{"template": map[string]any{"name": "order_ready", "variables": []string{"a", "b"}}}},
		{http.MethodPost, "/accept", nil},
		{http.MethodPost, "/transfer", map[string]any{"queue_id": queueID}},
		{http.MethodPost, "/close", map[string]any{"notes": "done"}},
		{http.MethodGet, "/media/" + messageID + "/0", nil},
	}
}

// TestAgentAccessIsRefusedLikeAnUnknownConversation: on every route that
// names a conversation, another agent's conversation answers exactly what
// an unknown id answers (status, headers that matter, body), so agents
// cannot probe each other's work; the admin still sees everything.
func TestAgentAccessIsRefusedLikeAnUnknownConversation(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	other := s.insertQueue("elsewhere")
	bob := s.newAgent("bob", domain.PresenceAvailable, 2, other)
	s.admin(http.MethodPost, "/api/v1/templates", plainTemplate("order_ready"), http.StatusCreated, nil)

	s.customerSends(customerOne, "Voici la photo", emulator.InboundMedia{ContentType: "image/png", Data: []byte("png")})
	conv := s.openConversation(customerOne, "ada's conversation", assignedTo(ada.ID))
	msgs := s.messages(conv.ID)
	mediaMsg := msgs[0].ID

	unknown := uuid.NewString()
	for _, r := range conversationRoutes(mediaMsg, other) {
		// Bob on ada's conversation, and anyone on an unknown id.
		status, hdr, body := s.agentRaw(bob.Token, r.method, "/api/v1/agent/conversations/"+conv.ID+r.path, r.body)
		uStatus, uHdr, uBody := s.agentRaw(bob.Token, r.method, "/api/v1/agent/conversations/"+unknown+r.path, r.body)
		name := r.method + " …" + r.path
		if status != http.StatusNotFound || uStatus != http.StatusNotFound {
			t.Errorf("%s: bob got %d, unknown id %d: %s", name, status, uStatus, body)
			continue
		}
		if !bytes.Equal(body, bytes.ReplaceAll(uBody, []byte(unknown), []byte(conv.ID))) {
			t.Errorf("%s: bodies differ:\n bob:     %s\n unknown: %s", name, body, uBody)
		}
		for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control", "WWW-Authenticate"} {
			if hdr.Get(h) != uHdr.Get(h) {
				t.Errorf("%s: header %s differs: %q vs %q", name, h, hdr.Get(h), uHdr.Get(h))
			}
		}
		if !strings.Contains(string(body), `"code":"NOT_FOUND"`) {
			t.Errorf("%s: %s", name, body)
		}
		// The owner gets anything but 404 on the same routes (reads work).
		if r.method == http.MethodGet {
			if st, _, b := s.agentRaw(ada.Token, r.method, "/api/v1/agent/conversations/"+conv.ID+r.path, r.body); st != http.StatusOK {
				t.Errorf("%s: ada got %d: %s", name, st, b)
			}
		}
	}
	// A malformed id answers the same way.
	status, _, body := s.agentRaw(bob.Token, http.MethodGet, "/api/v1/agent/conversations/not-a-uuid", nil)
	if status != http.StatusNotFound || string(body) != `{"error":{"code":"NOT_FOUND","message":"conversation not-a-uuid not found"}}` {
		t.Errorf("malformed id: %d %s", status, body)
	}

	// Bob's lists do not show it; nothing happened to it.
	var list listResponse[store.AgentConversation]
	for _, path := range []string{"/api/v1/agent/conversations", "/api/v1/agent/queue", "/api/v1/agent/conversations?state=assigned"} {
		s.agentDo(bob.Token, http.MethodGet, path, nil, http.StatusOK, &list)
		if len(list.Data) != 0 {
			t.Errorf("bob's %s: %+v", path, list.Data)
		}
	}
	if got := s.messages(conv.ID); len(got) != 1 || len(s.emu.Messages()) != 0 {
		t.Fatalf("bob's refused requests changed the conversation: %d messages, %d sent", len(got), len(s.emu.Messages()))
	}
	if c := s.openConversation(customerOne, "ada's conversation, unchanged", assignedTo(ada.ID)); c.ID != conv.ID {
		t.Fatalf("conversation changed: %+v", c)
	}

	// Without a token, or with a wrong one: 401, never a conversation.
	for _, tok := range []string{"", "sbat_" + strings.Repeat("A", 43), s.cfg.AdminKey} {
		if st, _, b := s.agentRaw(tok, http.MethodGet, "/api/v1/agent/conversations/"+conv.ID, nil); st != http.StatusUnauthorized {
			t.Errorf("token %q: %d %s", tok[:min(len(tok), 8)], st, b)
		}
	}
}
