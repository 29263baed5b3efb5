package integration

import (
	"net/http"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows"
)

// TestPickAcceptRace: in a pick workstream a waiting conversation is in
// both agents' pick queue, readable by both and writable by neither; when
// both accept at once exactly one wins (200), the other gets 409, and from
// then on only the winner sees it.
func TestPickAcceptRace(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPick, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	bob := s.newAgent("bob", domain.PresenceAvailable, 2, queue)

	s.customerSends(customerOne, "Bonjour")
	conv := s.openConversation(customerOne, "the conversation to wait in the queue", waitingInQueue)
	base := "/api/v1/agent/conversations/" + conv.ID
	for _, ag := range []domain.Agent{ada, bob} {
		var q listResponse[store.AgentConversation]
		s.agentDo(ag.Token, http.MethodGet, "/api/v1/agent/queue", nil, http.StatusOK, &q)
		if len(q.Data) != 1 || q.Data[0].ID != conv.ID || q.Data[0].Routing == nil || q.Data[0].QueuedAt == nil || q.Data[0].Unread != 1 {
			t.Fatalf("%s's pick queue: %+v", ag.Name, q.Data)
		}
		s.agentDo(ag.Token, http.MethodGet, base, nil, http.StatusOK, nil)
		s.agentDo(ag.Token, http.MethodGet, base+"/messages", nil, http.StatusOK, nil)
		// Reading and accepting only: acting on it is "not found".
		s.agentError(ag.Token, http.MethodPost, base+"/messages", map[string]any{"text": "hi"}, http.StatusNotFound, domain.CodeNotFound)
		s.agentError(ag.Token, http.MethodPost, base+"/close", nil, http.StatusNotFound, domain.CodeNotFound)
		s.agentError(ag.Token, http.MethodPost, base+"/transfer", map[string]any{"queue_id": queue}, http.StatusNotFound, domain.CodeNotFound)
		var mine listResponse[store.AgentConversation]
		s.agentDo(ag.Token, http.MethodGet, "/api/v1/agent/conversations", nil, http.StatusOK, &mine)
		if len(mine.Data) != 0 {
			t.Fatalf("%s's own conversations before accepting: %+v", ag.Name, mine.Data)
		}
	}

	type result struct {
		agent  domain.Agent
		status int
		body   string
	}
	results := make([]result, 2)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, ag := range []domain.Agent{ada, bob} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st, _, b := s.agentRaw(ag.Token, http.MethodPost, base+"/accept", nil)
			results[i] = result{ag, st, string(b)}
		}()
	}
	close(start)
	wg.Wait()
	var winner, loser result
	switch {
	case results[0].status == http.StatusOK && results[1].status == http.StatusConflict:
		winner, loser = results[0], results[1]
	case results[1].status == http.StatusOK && results[0].status == http.StatusConflict:
		winner, loser = results[1], results[0]
	default:
		t.Fatalf("accept race: %+v", results)
	}
	t.Logf("%s won, %s got 409: %s", winner.agent.Name, loser.agent.Name, loser.body)

	conv = s.openConversation(customerOne, "the winner to hold the conversation", assignedTo(winner.agent.ID))
	s.workflowStateWhen(conv.WorkflowID, "the winner", func(st workflows.ConversationState) bool {
		return st.AgentID == winner.agent.ID && st.State == domain.StateAssigned
	})
	// A late accept still says someone else took it; then it is gone for the loser.
	s.agentError(loser.agent.Token, http.MethodPost, base+"/accept", nil, http.StatusConflict, domain.CodeConflict)
	s.agentError(loser.agent.Token, http.MethodGet, base, nil, http.StatusNotFound, domain.CodeNotFound)
	s.agentError(winner.agent.Token, http.MethodPost, base+"/accept", nil, http.StatusConflict, domain.CodeConflict)
	var q listResponse[store.AgentConversation]
	s.agentDo(loser.agent.Token, http.MethodGet, "/api/v1/agent/queue", nil, http.StatusOK, &q)
	if len(q.Data) != 0 {
		t.Fatalf("loser's pick queue: %+v", q.Data)
	}
	s.agentDo(winner.agent.Token, http.MethodPost, base+"/messages", map[string]any{"text": "Je prends."}, http.StatusCreated, nil)
	var me agentProfile
	s.agentDo(winner.agent.Token, http.MethodGet, "/api/v1/agent/me", nil, http.StatusOK, &me)
	s.agentDo(loser.agent.Token, http.MethodGet, "/api/v1/agent/me", nil, http.StatusOK, &me)
	if me.Load != 0 {
		t.Fatalf("the loser's load: %d", me.Load)
	}
}
