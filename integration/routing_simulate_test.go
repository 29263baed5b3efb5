package integration

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

type simulateAnswer struct {
	domain.RoutingSimulationResult
}

// TestRoutingWhatIfReplaysRealRoutings drives conversations through the
// real stack (webhook, workflow, rules, dispatcher), then asks what a
// changed rule set would have done, with a known answer: a billing rule put
// first takes the three billing messages, two of them from the default
// queue and one from the UK queue.
func TestRoutingWhatIfReplaysRealRoutings(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	start := time.Now().UTC().Add(-time.Minute)
	general := s.workstreamWith(domain.DistributionPush, nil) // no agent: conversations wait
	var uk, billing domain.Queue
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "UK"}, http.StatusCreated, &uk)
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "Billing"}, http.StatusCreated, &billing)
	var n domain.Number
	s.admin(http.MethodGet, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID, nil, http.StatusOK, &n)
	ws := *n.WorkstreamID
	rules := "/api/v1/workstreams/" + ws + "/routing-rules"
	s.admin(http.MethodPost, rules, map[string]any{"name": "UK", "queue_id": uk.ID,
		"conditions": []map[string]string{{"field": "customer.country_code", "op": "eq", "value": "44"}}}, http.StatusCreated, nil)

	script := []struct{ customer, body, queue string }{
		{"+33612345601", "Ma facture est fausse", general},
		{"+33612345602", "Bonjour", general},
		{"+447700900003", "Invoice missing", uk.ID},
		{"+447700900004", "Hello", uk.ID},
		{"+14155550105", "facture 42", general},
	}
	convs := map[string]string{}
	for _, m := range script {
		s.customerSends(m.customer, m.body)
	}
	for _, m := range script {
		c := s.openConversation(m.customer, "the conversation of "+m.customer+" to wait in its queue", waitingInQueue)
		if *c.QueueID != m.queue {
			t.Fatalf("%s was routed to %s, want %s", m.customer, *c.QueueID, m.queue)
		}
		convs[c.ID] = m.body
	}
	end := time.Now().UTC().Add(time.Minute)
	var live struct{ Data []map[string]any }
	s.admin(http.MethodGet, rules, nil, http.StatusOK, &live)
	period := func(draft []map[string]any) map[string]any {
		return map[string]any{"from": start.Format(time.RFC3339Nano), "to": end.Format(time.RFC3339Nano), "rules": draft}
	}
	auditBefore := s.auditLog()

	// The rules of the time, replayed, do what they did.
	var same simulateAnswer
	s.admin(http.MethodPost, rules+"/simulate", period(live.Data), http.StatusOK, &same)
	if same.Conversations != 5 || same.Moved != 0 || same.DefaultQueue != 3 {
		t.Fatalf("the live rules replayed: %+v", same.RoutingSimulationResult)
	}

	draft := []map[string]any{{"name": "Billing", "queue_id": billing.ID,
		"conditions": []map[string]string{{"field": "message.body", "op": "matches", "value": "(?i)factur|invoice"}}}}
	draft = append(draft, live.Data...) // the UK rule, as GET lists it, second
	var res simulateAnswer
	s.admin(http.MethodPost, rules+"/simulate", period(draft), http.StatusOK, &res)
	if res.Conversations != 5 || res.Moved != 3 || res.DefaultQueue != 1 {
		t.Fatalf("totals: %+v", res.RoutingSimulationResult)
	}
	want := map[string][3]int{general: {3, 1, -2}, uk.ID: {2, 1, -1}, billing.ID: {0, 3, 3}}
	if len(res.Queues) != len(want) {
		t.Fatalf("queues: %+v", res.Queues)
	}
	for _, q := range res.Queues {
		if got := [3]int{q.Actual, q.Simulated, q.Change}; got != want[q.QueueID] {
			t.Errorf("queue %s (%s): actual/simulated/change %v, want %v", q.QueueName, q.QueueID, got, want[q.QueueID])
		}
	}
	if len(res.Rules) != 2 || res.Rules[0].Matched != 3 || res.Rules[1].Matched != 1 || res.Rules[1].Name != "UK" {
		t.Errorf("draft rule hits: %+v", res.Rules)
	}
	moved := map[string]domain.MovedConversation{}
	for _, m := range res.MovedConversations {
		moved[convs[m.ConversationID]] = m
	}
	for body, from := range map[string]string{"Ma facture est fausse": general, "Invoice missing": uk.ID, "facture 42": general} {
		m, ok := moved[body]
		if !ok || m.FromQueueID != from || m.ToQueueID != billing.ID || m.ToRule == nil || m.ToRule.Name != "Billing" {
			t.Errorf("%q moved: %+v (ok %v)", body, m, ok)
		}
	}
	if m := moved["Invoice missing"]; m.FromRule == nil || m.FromRule.Name != "UK" {
		t.Errorf("the UK conversation's rule of the time: %+v", m.FromRule)
	}

	// Nothing changed: the conversations wait where they were, no rule
	// was added, nothing was audited.
	for _, m := range script {
		c := s.openConversation(m.customer, "the conversation to still wait", waitingInQueue)
		if *c.QueueID != m.queue {
			t.Errorf("%s moved to %s after the simulation", m.customer, *c.QueueID)
		}
	}
	var after struct{ Data []map[string]any }
	s.admin(http.MethodGet, rules, nil, http.StatusOK, &after)
	if len(after.Data) != 1 {
		t.Errorf("rules after the simulation: %+v", after.Data)
	}
	if got := s.auditLog(); !bytes.Equal(got, auditBefore) {
		t.Errorf("the simulation was audited:\nbefore %s\nafter  %s", auditBefore, got)
	}
}

// auditLog is the first page of the audit log, as the API answers it.
func (s *stack) auditLog() []byte {
	s.t.Helper()
	status, _, raw := s.adminRaw(http.MethodGet, "/api/v1/audit-log?limit=100", nil)
	if status != http.StatusOK {
		s.t.Fatalf("audit log: %d %s", status, raw)
	}
	return raw
}
