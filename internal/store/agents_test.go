package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

var adminAudit = store.Audit{Actor: "admin:test"}

func insertQueue(t *testing.T, st *store.Store, name string) string {
	t.Helper()
	id := uuid.NewString()
	if _, err := st.DB().Exec(`INSERT INTO queues (id, name) VALUES ($1, $2)`, id, name); err != nil {
		t.Fatal(err)
	}
	return id
}

func newAgent(t *testing.T, st *store.Store, a domain.Agent) (domain.Agent, string) {
	t.Helper()
	if err := domain.NormalizeAgent(&a); err != nil {
		t.Fatal(err)
	}
	token, hash := secret.NewAgentToken()
	created, err := st.CreateAgent(context.Background(), a, hash, adminAudit)
	if err != nil {
		t.Fatal(err)
	}
	return created, token
}

func TestAgentCRUD(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	q1, q2 := insertQueue(t, st, "billing"), insertQueue(t, st, "sales")

	ada, token := newAgent(t, st, domain.Agent{Name: "Ada", Email: "Ada@Example.com", Capacity: 3,
		Skills: map[string]int{"French": 8}, QueueIDs: []string{q2, q1}})
	if ada.Email != "ada@example.com" || ada.Presence != domain.PresenceOffline || ada.Skills["french"] != 8 ||
		len(ada.QueueIDs) != 2 || ada.Token != "" {
		t.Fatalf("created: %+v", ada)
	}
	got, err := st.GetAgent(ctx, ada.ID)
	if err != nil || got.Name != "Ada" || len(got.QueueIDs) != 2 || got.QueueIDs[0] != ada.QueueIDs[0] {
		t.Fatalf("get: %+v, %v", got, err)
	}

	// The database keeps the hash, never the token.
	var stored string
	if err := st.DB().Get(&stored, `SELECT token_hash FROM agents WHERE id = $1`, ada.ID); err != nil {
		t.Fatal(err)
	}
	if stored != secret.HashAgentToken(token) || strings.Contains(stored, strings.TrimPrefix(token, "sbat_")) {
		t.Fatalf("token_hash = %q", stored)
	}
	if byTok, err := st.AgentByToken(ctx, token); err != nil || byTok.ID != ada.ID {
		t.Fatalf("AgentByToken: %+v, %v", byTok, err)
	}
	for _, bad := range []string{"", "sbat_", token[:len(token)-1] + "x", stored} {
		if _, err := st.AgentByToken(ctx, bad); domain.ErrorCode(err) != domain.CodeUnauthorized {
			t.Errorf("AgentByToken(%q) err = %v, want UNAUTHORIZED", bad, err)
		}
	}

	// Rotation: the old token stops working at once.
	newToken, newHash := secret.NewAgentToken()
	if _, err := st.RotateAgentToken(ctx, ada.ID, newHash, adminAudit); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AgentByToken(ctx, token); domain.ErrorCode(err) != domain.CodeUnauthorized {
		t.Fatalf("old token after rotation: %v", err)
	}
	if byTok, err := st.AgentByToken(ctx, newToken); err != nil || byTok.ID != ada.ID {
		t.Fatalf("new token: %+v, %v", byTok, err)
	}

	// Update: queues replaced in the same transaction, presence time moves
	// only when the presence does.
	before := got.PresenceChangedAt
	upd, err := st.UpdateAgent(ctx, ada.ID, func(a *domain.Agent) error {
		a.Capacity, a.QueueIDs = 5, []string{q1}
		return domain.NormalizeAgent(a)
	}, adminAudit)
	if err != nil || upd.Capacity != 5 || len(upd.QueueIDs) != 1 || upd.QueueIDs[0] != q1 || !upd.PresenceChangedAt.Equal(before) {
		t.Fatalf("update: %+v, %v", upd, err)
	}
	time.Sleep(5 * time.Millisecond)
	upd, err = st.UpdateAgent(ctx, ada.ID, func(a *domain.Agent) error { a.Presence = domain.PresenceAvailable; return nil }, adminAudit)
	if err != nil || upd.Presence != domain.PresenceAvailable || !upd.PresenceChangedAt.After(before) {
		t.Fatalf("presence update: %+v, %v", upd, err)
	}
	if p, err := st.SetPresence(ctx, ada.ID, domain.PresenceAway); err != nil || p.Presence != domain.PresenceAway {
		t.Fatalf("SetPresence: %+v, %v", p, err)
	}
	if _, err := st.SetPresence(ctx, ada.ID, "lunch"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("SetPresence(lunch): %v", err)
	}

	// A missing queue is named; nothing is written.
	missing := uuid.NewString()
	_, err = st.UpdateAgent(ctx, ada.ID, func(a *domain.Agent) error { a.Name, a.QueueIDs = "Changed", []string{q1, missing}; return nil }, adminAudit)
	if domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing queue: %v", err)
	}
	if got, _ := st.GetAgent(ctx, ada.ID); got.Name != "Ada" {
		t.Fatalf("half-written update: %+v", got)
	}

	// E-mail addresses are unique.
	bob, _ := newAgent(t, st, domain.Agent{Name: "Bob", Email: "bob@example.com", QueueIDs: []string{q2}})
	a := domain.Agent{Name: "Ada 2", Email: "ADA@example.com"}
	_ = domain.NormalizeAgent(&a)
	if _, err := st.CreateAgent(ctx, a, "x", adminAudit); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("duplicate email on create: %v", err)
	}
	if _, err := st.UpdateAgent(ctx, bob.ID, func(a *domain.Agent) error { a.Email = "ada@example.com"; return nil }, adminAudit); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("duplicate email on update: %v", err)
	}

	all, err := st.ListAgents(ctx, store.AgentFilter{})
	if err != nil || len(all) != 2 || all[0].Name != "Ada" || all[1].Name != "Bob" {
		t.Fatalf("list: %+v, %v", all, err)
	}
	inSales, _ := st.ListAgents(ctx, store.AgentFilter{QueueID: q2})
	away, _ := st.ListAgents(ctx, store.AgentFilter{Presence: domain.PresenceAway})
	if len(inSales) != 1 || inSales[0].ID != bob.ID || len(away) != 1 || away[0].ID != ada.ID {
		t.Fatalf("filters: sales %+v, away %+v", inSales, away)
	}

	if err := st.DeleteAgent(ctx, ada.ID, adminAudit); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetAgent(ctx, ada.ID); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("deleted agent: %v", err)
	}
	var links int
	_ = st.DB().Get(&links, `SELECT count(*) FROM agent_queues WHERE agent_id = $1`, ada.ID)
	if err := st.DeleteAgent(ctx, ada.ID, adminAudit); domain.ErrorCode(err) != domain.CodeNotFound || links != 0 {
		t.Fatalf("delete twice: %v; %d queue links left", err, links)
	}

	var audited int
	_ = st.DB().Get(&audited, `SELECT count(*) FROM audit_log WHERE resource_type = 'agent' AND actor = 'admin:test'`)
	if audited < 6 {
		t.Fatalf("%d audit rows for agents", audited)
	}
}

func TestDeleteAgentWithOpenConversation(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	ada, _ := newAgent(t, st, domain.Agent{Name: "Ada", Email: "ada@example.com"})
	acc, num, contact, conv := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO accounts (id, name, twilio_account_sid, auth_token_enc) VALUES ($1, 'a', 'AC00000000000000000000000000000000', 'x')`, []any{acc}},
		{`INSERT INTO numbers (id, account_id, name, e164) VALUES ($1, $2, 'n', '+15550100001')`, []any{num, acc}},
		{`INSERT INTO contacts (id, e164) VALUES ($1, '+33612345678')`, []any{contact}},
		{`INSERT INTO conversations (id, workflow_id, account_id, number_id, contact_id, customer_e164, agent_id, state, mode)
		  VALUES ($1, 'wf', $2, $3, $4, '+33612345678', $5, 'assigned', 'session')`, []any{conv, acc, num, contact, ada.ID}},
	} {
		if _, err := st.DB().Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteAgent(ctx, ada.ID, adminAudit); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("delete with an open conversation: %v", err)
	}
	if _, err := st.DB().Exec(`UPDATE conversations SET state = 'closed' WHERE id = $1`, conv); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteAgent(ctx, ada.ID, adminAudit); err != nil {
		t.Fatalf("delete once closed: %v", err)
	}
}
