package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// slaPolicy creates a service-level policy and returns its id.
func (s *stack) slaPolicy(body map[string]any) string {
	s.t.Helper()
	var p domain.SLAPolicy
	s.admin(http.MethodPost, "/api/v1/sla-policies", body, http.StatusCreated, &p)
	return p.ID
}

// useSLAPolicy names the policy of the workstream of the stack's number
// (conversations opened from now on keep it).
func (s *stack) useSLAPolicy(policyID string) {
	s.t.Helper()
	var n domain.Number
	s.admin(http.MethodGet, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID, nil, http.StatusOK, &n)
	if n.WorkstreamID == nil {
		s.t.Fatal("the number has no workstream")
	}
	s.admin(http.MethodPatch, "/api/v1/workstreams/"+*n.WorkstreamID, map[string]any{"sla_policy_id": policyID}, http.StatusOK, nil)
}

// conversationEvents lists the conversation's transcript events (admin).
func (s *stack) conversationEvents(convID string) []domain.ConversationEvent {
	s.t.Helper()
	var page listResponse[domain.ConversationEvent]
	s.admin(http.MethodGet, "/api/v1/conversations/"+convID+"/events", nil, http.StatusOK, &page)
	return page.Data
}

// countEvents counts the events whose body starts with prefix.
func countEvents(evs []domain.ConversationEvent, prefix string) int {
	n := 0
	for _, e := range evs {
		if strings.HasPrefix(e.Body, prefix) {
			n++
		}
	}
	return n
}

// slaOf reads the conversation's service levels from the admin API.
func (s *stack) slaOf(convID string) *domain.ConversationSLA {
	s.t.Helper()
	var c domain.Conversation
	s.admin(http.MethodGet, "/api/v1/conversations/"+convID, nil, http.StatusOK, &c)
	return c.SLA
}

// agentEventCount counts the agent's events of type typ for a conversation.
func (s *stack) agentEventCount(agentID, convID, typ string) int {
	s.t.Helper()
	var n int
	if err := s.app.Store.DB().QueryRow(`SELECT count(*) FROM agent_events WHERE agent_id = $1 AND conversation_id = $2 AND type = $3`,
		agentID, convID, typ).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// TestServiceLevelsThroughTheStack: a policy with a first response due in
// seconds; the agent does not answer: the target is warned then breached
// (admin API `sla`), the breach's escalation step is recorded once as a
// transcript event and the agent gets `sla_breach`. A second conversation,
// under a policy the agent can keep, is answered in time: met.
func TestServiceLevelsThroughTheStack(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	tight := s.slaPolicy(map[string]any{
		"name": "Tight", "first_response": "4s", "warning_percent": 50,
		"escalations": []map[string]any{{"on": "breach", "target": "first_response", "action": "notify"}},
	})
	s.useSLAPolicy(tight)

	const late = "+33611600001"
	s.customerSends(late, "bonjour, personne ?")
	conv := s.openConversation(late, "the conversation assigned to ada", assignedTo(ada.ID))
	eventually(t, 20*time.Second, "the first response target to start", func() bool {
		sla := s.slaOf(conv.ID)
		return sla != nil && sla.FirstResponse != nil
	})
	if sla := s.slaOf(conv.ID); sla.PolicyID != tight || sla.FirstResponse.Status == domain.SLABreached {
		t.Fatalf("at the start: %+v %+v", sla, sla.FirstResponse)
	}
	eventually(t, 30*time.Second, "the warning event", func() bool {
		return countEvents(s.conversationEvents(conv.ID), "Service level: first_response is about to be missed") == 1
	})
	eventually(t, 30*time.Second, "the breach", func() bool {
		fr := s.slaOf(conv.ID).FirstResponse
		return fr.Status == domain.SLABreached && fr.MetAt == nil
	})
	eventually(t, 20*time.Second, "the breach event and its escalation step", func() bool {
		evs := s.conversationEvents(conv.ID)
		return countEvents(evs, "Service level: first_response was missed") == 1 &&
			countEvents(evs, "Escalation (first_response, breach): agent "+ada.ID+" and the queue's supervisors notified") == 1
	})
	eventually(t, 10*time.Second, "sla_breach for ada", func() bool {
		return s.agentEventCount(ada.ID, conv.ID, domain.EventSLABreach) == 1
	})
	// Nothing runs twice: the timer has nothing left to do, and a late
	// reply records met_at without taking the breach back.
	s.agentSend(ada.Token, conv.ID, "Pardon pour l'attente.")
	eventually(t, 20*time.Second, "met_at on the breached target", func() bool {
		fr := s.slaOf(conv.ID).FirstResponse
		return fr.MetAt != nil && fr.Status == domain.SLABreached
	})
	evs := s.conversationEvents(conv.ID)
	if n := countEvents(evs, "Escalation (first_response"); n != 1 {
		t.Fatalf("%d escalation steps recorded, want 1: %+v", n, evs)
	}
	if n := s.agentEventCount(ada.ID, conv.ID, domain.EventSLABreach); n != 1 {
		t.Fatalf("%d sla_breach events, want 1", n)
	}

	// A second conversation, under a policy the agent keeps.
	s.useSLAPolicy(s.slaPolicy(map[string]any{"name": "Kept", "first_response": "10m"}))
	const onTime = "+33611600002"
	s.customerSends(onTime, "bonjour")
	conv2 := s.openConversation(onTime, "the second conversation assigned to ada", assignedTo(ada.ID))
	eventually(t, 20*time.Second, "its first response target to start", func() bool {
		sla := s.slaOf(conv2.ID)
		return sla != nil && sla.FirstResponse != nil
	})
	s.agentSend(ada.Token, conv2.ID, "Bonjour, je vous écoute.")
	eventually(t, 20*time.Second, "the first response met", func() bool {
		fr := s.slaOf(conv2.ID).FirstResponse
		return fr.Status == domain.SLAMet && fr.MetAt != nil && !fr.MetAt.After(fr.DueAt)
	})
	if n := countEvents(s.conversationEvents(conv2.ID), "Service level:"); n != 0 {
		t.Fatalf("%d service-level events on a conversation answered in time", n)
	}
}
