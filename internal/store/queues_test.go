package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

func TestQueueCRUDAndDeleteRefusedWhileReferenced(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	q := mustQueue(t, st, "Billing")
	_, err := st.CreateQueue(ctx, "Billing", 1, testAudit)
	storetest.WantCode(t, err, domain.CodeConflict, "name")

	prio := 5
	up, err := st.UpdateQueue(ctx, q.ID, store.QueuePatch{Priority: &prio}, testAudit)
	if err != nil || up.Priority != 5 || up.Name != "Billing" || !up.UpdatedAt.After(q.UpdatedAt) {
		t.Fatalf("update: %+v %v", up, err)
	}
	other := mustQueue(t, st, "Sales")
	_, err = st.UpdateQueue(ctx, other.ID, store.QueuePatch{Name: &q.Name}, testAudit)
	storetest.WantCode(t, err, domain.CodeConflict, "name")
	_, err = st.UpdateQueue(ctx, uuid.NewString(), store.QueuePatch{}, testAudit)
	storetest.WantCode(t, err, domain.CodeNotFound)

	// Every kind of reference is named in the refusal.
	ws := mustWorkstream(t, st, "Support", &q.ID)
	ws2 := mustWorkstream(t, st, "VIP", nil)
	mustRule(t, st, ws2.ID, "vip", q.ID, 0)
	agentID := uuid.NewString()
	st.DB().MustExec(`INSERT INTO agents (id, name, email, token_hash) VALUES ($1, 'A', 'a@example.com', 'h')`, agentID)
	st.DB().MustExec(`INSERT INTO agent_queues (agent_id, queue_id) VALUES ($1, $2)`, agentID, q.ID)
	err = st.DeleteQueue(ctx, q.ID, testAudit)
	storetest.WantCode(t, err, domain.CodeConflict, `default queue of workstream(s) "Support"`, `routing rules in workstream(s) "VIP"`, "1 agent(s)")

	st.DB().MustExec(`DELETE FROM agent_queues`)
	st.DB().MustExec(`DELETE FROM routing_rules`)
	st.DB().MustExec(`UPDATE workstreams SET default_queue_id = NULL WHERE id = $1`, ws.ID)
	if err := st.DeleteQueue(ctx, q.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetQueue(ctx, q.ID)
	storetest.WantCode(t, err, domain.CodeNotFound)
	qs, err := st.ListQueues(ctx)
	if err != nil || len(qs) != 1 || qs[0].ID != other.ID {
		t.Fatalf("list: %+v %v", qs, err)
	}
	page, err := st.ListAudit(ctx, store.AuditFilter{ResourceType: store.ResourceQueue, ResourceID: q.ID})
	if err != nil || len(page.Data) != 3 || page.Data[0].Action != store.ActionDelete || page.Data[2].Action != store.ActionCreate {
		t.Fatalf("audit: %+v %v", page, err)
	}
}
