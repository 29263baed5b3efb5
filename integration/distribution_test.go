package integration

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// TestPushDistributionEndToEnd drives the distribution guarantees through
// the real path: webhooks, workflows, the dispatcher, the outbox and the
// relay. Two agents (capacity 1, then 2 once available); 6 customers write;
// closing conversations frees capacity for the next in line, in arrival
// order; no agent is ever over capacity and nobody is assigned twice.
func TestPushDistributionEndToEnd(t *testing.T) {
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ana := s.newAgent("ana", domain.PresenceAvailable, 1, queue)
	bob := s.newAgent("bob", domain.PresenceOffline, 2, queue)
	capacity := map[string]int{ana.ID: 1, bob.ID: 2}

	var stop = make(chan struct{})
	overflow := make(chan string, 1)
	go func() { // watches loads for the whole test
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			rows, err := s.app.Store.DB().Query(`SELECT agent_id::text, count(*) FROM conversations WHERE holds_capacity GROUP BY agent_id`)
			if err != nil {
				continue
			}
			for rows.Next() {
				var id string
				var n int
				if rows.Scan(&id, &n) == nil && n > capacity[id] {
					select {
					case overflow <- fmt.Sprintf("agent %s holds %d conversations", id, n):
					default:
					}
				}
			}
			rows.Close()
		}
	}()
	defer close(stop)

	customers := []string{"+33600000001", "+33600000002", "+33600000003", "+33600000004", "+33600000005", "+33600000006"}
	// Each customer is in line before the next writes, so that the line's
	// order (FIFO by the time a conversation is queued) is the order below.
	for _, c := range customers {
		s.customerSends(c, "bonjour")
		s.openConversation(c, "customer "+c+" to be queued", func(c domain.Conversation) bool {
			return c.QueueID != nil && (c.State == domain.StateQueued || c.State == domain.StateAssigned)
		})
	}
	first := s.openConversation(customers[0], "the first customer to be assigned to ana", assignedTo(ana.ID))
	for _, c := range customers[1:] {
		s.openConversation(c, "customer "+c+" to wait", waitingInQueue)
	}

	// Bob comes online: the next two in line are his, in order.
	s.admin(http.MethodPatch, "/api/v1/agents/"+bob.ID, map[string]any{"presence": domain.PresenceAvailable}, http.StatusOK, nil)
	s.openConversation(customers[1], "customer 2 to go to bob", assignedTo(bob.ID))
	s.openConversation(customers[2], "customer 3 to go to bob", assignedTo(bob.ID))
	s.openConversation(customers[3], "customer 4 to keep waiting", waitingInQueue)

	// Ana finishes: the head of the line (customer 4) is hers.
	s.admin(http.MethodPost, "/api/v1/conversations/"+first.ID+"/close", map[string]any{"reason": "resolved"}, http.StatusAccepted, nil)
	s.openConversation(customers[3], "customer 4 to go to ana", assignedTo(ana.ID))
	s.openConversation(customers[4], "customer 5 to keep waiting", waitingInQueue)

	// Every assignment was delivered once: the outbox has one row per
	// assignment and none left undelivered.
	eventually(t, 10*time.Second, "the outbox to be delivered", func() bool {
		var pending int
		_ = s.app.Store.DB().Get(&pending, `SELECT count(*) FROM assignment_outbox WHERE delivered_at IS NULL`)
		return pending == 0
	})
	var dup int
	if err := s.app.Store.DB().Get(&dup, `SELECT count(*) FROM (SELECT conversation_id FROM assignment_outbox
		GROUP BY conversation_id HAVING count(*) > 1) d`); err != nil || dup != 0 {
		t.Fatalf("conversations assigned more than once: %d (%v)", dup, err)
	}
	st := s.workflowState(first.WorkflowID)
	if st.State != domain.StateClosed && st.ConversationID == first.ID {
		t.Errorf("closed conversation's workflow says %s", st.State)
	}
	select {
	case msg := <-overflow:
		t.Fatal(msg)
	default:
	}
}
