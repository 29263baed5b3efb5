package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

func TestSLAPolicyCRUDAndReferences(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	q := mustQueue(t, st, "Escalated")
	p := domain.SLAPolicy{Name: "Gold", FirstResponse: domain.Duration(5 * time.Minute), Resolution: domain.Duration(8 * time.Hour),
		BusinessHours: true, Escalations: []domain.SLAEscalation{{On: domain.SLAOnBreach, Action: domain.SLAMoveQueue, QueueID: q.ID}}}
	if err := domain.NormalizeSLAPolicy(&p); err != nil {
		t.Fatal(err)
	}
	created, err := st.CreateSLAPolicy(ctx, p, testAudit)
	if err != nil || created.ID == "" || created.FirstResponse != p.FirstResponse || created.NextResponse != 0 ||
		created.WarningPercent != 80 || !created.BusinessHours || len(created.Escalations) != 1 || created.Escalations[0].QueueID != q.ID {
		t.Fatalf("create: %+v %v", created, err)
	}
	_, err = st.CreateSLAPolicy(ctx, p, testAudit)
	storetest.WantCode(t, err, domain.CodeConflict, "name")
	bad := p
	bad.Name = "Bad queue"
	bad.Escalations = []domain.SLAEscalation{{On: domain.SLAOnBreach, Action: domain.SLAMoveQueue, QueueID: uuid.NewString()}}
	_, err = st.CreateSLAPolicy(ctx, bad, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "queue_id")

	p.NextResponse = domain.Duration(10 * time.Minute)
	up, err := st.UpdateSLAPolicy(ctx, created.ID, p, testAudit)
	if err != nil || up.NextResponse != p.NextResponse {
		t.Fatalf("update: %+v %v", up, err)
	}
	list, err := st.ListSLAPolicies(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}

	// A workstream and a routing rule name it; deleting it is then refused.
	ws := mustWorkstream(t, st, "Support", &q.ID)
	ws.SLAPolicyID = &created.ID
	ws, err = st.UpdateWorkstream(ctx, ws.ID, 0, ws, testAudit)
	if err != nil || ws.SLAPolicyID == nil || *ws.SLAPolicyID != created.ID {
		t.Fatalf("workstream: %+v %v", ws.SLAPolicyID, err)
	}
	r, err := st.CreateRoutingRule(ctx, ws.ID, domain.RoutingRule{Name: "vip", QueueID: q.ID, SLAPolicyID: &created.ID}, testAudit)
	if err != nil || r.SLAPolicyID == nil || *r.SLAPolicyID != created.ID {
		t.Fatalf("rule: %+v %v", r, err)
	}
	missing := uuid.NewString()
	ws.SLAPolicyID = &missing
	_, err = st.UpdateWorkstream(ctx, ws.ID, 0, ws, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "sla_policy_id")
	err = st.DeleteSLAPolicy(ctx, created.ID, testAudit)
	storetest.WantCode(t, err, domain.CodeConflict, "workstream Support", "routing rule vip")

	if err := st.DeleteRoutingRule(ctx, ws.ID, r.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	ws.SLAPolicyID = nil
	if _, err := st.UpdateWorkstream(ctx, ws.ID, 0, ws, testAudit); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSLAPolicy(ctx, created.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetSLAPolicy(ctx, created.ID)
	storetest.WantCode(t, err, domain.CodeNotFound)
}

// The workflow's service levels land on the conversation row (read by the
// admin and agent APIs); a transcript event is recorded once per key.
func TestConversationKeepsSLAAndTranscriptEvents(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	due := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	conv.SLA = &domain.ConversationSLA{PolicyID: uuid.NewString(),
		FirstResponse: &domain.SLATarget{Status: domain.SLABreached, StartedAt: due.Add(-time.Hour), DueAt: due, WarnAt: due.Add(-10 * time.Minute)}}
	conv.Note, conv.NoteKey = "Escalation (first_response, breach): agent notified", conv.ID+"/sla/k1"
	for range 2 { // the activity run twice
		if err := st.SaveConversation(ctx, conv); err != nil {
			t.Fatal(err)
		}
	}
	conv.SLA, conv.Note = nil, "" // a later save without them keeps them
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetConversation(ctx, conv.ID)
	if err != nil || got.SLA == nil || got.SLA.FirstResponse == nil || got.SLA.FirstResponse.Status != domain.SLABreached || !got.SLA.FirstResponse.DueAt.Equal(due) {
		t.Fatalf("conversation sla %+v %v", got.SLA, err)
	}
	evs, err := st.ListConversationEvents(ctx, conv.ID)
	if err != nil || len(evs) != 1 || evs[0].Body != "Escalation (first_response, breach): agent notified" || evs[0].Kind != "system" {
		t.Fatalf("transcript events %+v (%v), want the one", evs, err)
	}
}
