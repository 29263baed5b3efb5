package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestEveryTableIsClassified keeps the registry of customer data complete:
// every table of the schema is either customer data (erased and exported)
// or listed as holding nothing about a customer, with why. A migration that
// adds a table fails here until its author says which it is.
func TestEveryTableIsClassified(t *testing.T) {
	st := storetest.New(t)
	var tables []string
	if err := st.DB().Select(&tables, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	customer := store.CustomerDataTables()
	other := store.NotCustomerDataTables()
	for _, tbl := range tables {
		_, isOther := other[tbl]
		isCustomer := slices.Contains(customer, tbl)
		switch {
		case !isCustomer && !isOther:
			t.Errorf("table %s is not classified: add it to customerTables (internal/store/customer_data.go) if it can hold anything about a customer, else to notCustomerData with why", tbl)
		case isCustomer && isOther:
			t.Errorf("table %s is classified twice", tbl)
		}
	}
	for _, tbl := range append(customer, slices.Collect(mapsKeys(other))...) {
		if !slices.Contains(tables, tbl) {
			t.Errorf("the registry names table %s, which does not exist", tbl)
		}
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestEraseCustomerDeletesEveryRowAboutThemAndNothingElse: a customer with
// a conversation, messages, a status event, an inbox copy, an agent event
// and an outbox row, next to another customer: export finds each of theirs,
// erasure deletes exactly those, and a second erasure finds nothing.
func TestEraseCustomerDeletesEveryRowAboutThemAndNothingElse(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st) // customer +33612345678
	other := conv
	other.ID, other.CustomerE164, other.WorkflowID = uuid.NewString(), "+33700000000", "conv:other"
	if err := st.SaveConversation(ctx, other); err != nil {
		t.Fatal(err)
	}
	agent := uuid.NewString()
	st.DB().MustExec(`INSERT INTO agents (id, name, email, capacity, token_hash) VALUES ($1, 'A', 'a@example.com', 2, 'h')`, agent)
	label, err := st.CreateLabel(ctx, "vip", "#aa0000", testAudit)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []domain.ConversationRecord{conv, other} {
		st.DB().MustExec(`UPDATE conversations SET agent_id = $1 WHERE id = $2`, agent, c.ID)
		if err := st.AddConversationLabel(ctx, c.ID, label.ID, testAudit); err != nil {
			t.Fatal(err)
		}
		notes := "prefers mornings"
		if _, err := st.UpdateCustomerProfile(ctx, c.AccountID, c.CustomerE164, store.CustomerProfilePatch{Notes: &notes}, testAudit, c.ID); err != nil {
			t.Fatal(err)
		}
		m := outbound(t, st, c)
		sid := newSID()
		if _, err := st.RecordSendResult(ctx, m.ID, sid, domain.StatusQueued); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ApplyStatus(ctx, c.AccountID, sid, domain.StatusDelivered, 0, ""); err != nil { // an agent event too
			t.Fatal(err)
		}
		in := domain.InboundMessage{MessageSID: newSID(), AccountID: c.AccountID, NumberID: c.NumberID, From: c.CustomerE164, To: "+14155550100", Body: "secret words"}
		if _, err := st.InsertInbound(ctx, domain.ConversationWorkflowID(c.NumberID, c.CustomerE164), in); err != nil {
			t.Fatal(err)
		}
		st.DB().MustExec(`INSERT INTO assignment_outbox (conversation_id, workflow_id, agent_id) VALUES ($1, $2, $3)`, c.ID, c.WorkflowID, agent)
		st.DB().MustExec(`INSERT INTO conversation_events (conversation_id, kind, body, dedupe_key) VALUES ($1, 'system', 'escalated', $2)`, c.ID, c.ID+"/k")
		st.DB().MustExec(`INSERT INTO routing_inputs (conversation_id, workstream_id, rules_version, routed_at, customer_e164, message_body)
			VALUES ($1, $2, 1, now(), $3, 'secret words')`, c.ID, uuid.NewString(), c.CustomerE164)
		if err := st.SaveOutboundMedia(ctx, domain.OutboundMedia{ID: uuid.NewString(), ConversationID: c.ID, Filename: "facture.pdf",
			ContentType: "application/pdf", Size: 9, SHA256: "x", Data: []byte("%PDF-1.7 "), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		// A follow-up that outlived the close.
		if err := st.SaveOutlivedFollowup(ctx, domain.OutlivedFollowup{ID: uuid.NewString(), ConversationID: c.ID,
			AccountID: c.AccountID, NumberID: c.NumberID, CustomerE164: c.CustomerE164, WorkflowID: "followup:x",
			Author: "agent:a", SendAt: time.Now().Add(time.Hour), Template: &domain.TemplateUse{Name: "t", Language: "fr"},
			TemplateBody: "Bonjour Marie", ClosedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		st.DB().MustExec(`INSERT INTO contacts (id, e164) VALUES ($1, $2) ON CONFLICT DO NOTHING`, uuid.NewString(), c.CustomerE164)
		// A campaign's message, an opt-out, Twilio's verdict on the number.
		_, _, err := st.CreateCampaign(ctx, store.NewCampaign{ID: uuid.NewString(), AccountID: c.AccountID, NumberID: c.NumberID,
			TemplateID: uuid.NewString(), Name: "c", TemplateName: "t", Language: "fr", Body: "b", RatePerSecond: 1},
			[]domain.CampaignRecipient{{To: c.CustomerE164}}, store.Audit{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.AddOptOut(ctx, store.OptOut{AccountID: c.AccountID, E164: c.CustomerE164, Source: "admin"}, store.Audit{}); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkUndeliverable(ctx, c.AccountID, c.CustomerE164, 63024); err != nil {
			t.Fatal(err)
		}
		// Idempotency-Key answers: a send's (its route names the
		// conversation) and a proactive start's (its body names the customer).
		for _, row := range [][2]string{
			{"POST /api/v1/conversations/:id/messages id=" + c.ID, `{"id":"m"}`},
			{"POST /api/v1/conversations", `{"conversation":{"customer_e164":"` + c.CustomerE164 + `"}}`},
		} {
			st.DB().MustExec(`INSERT INTO idempotency_keys (scope, route, key, request_hash, state, owner, status, body)
				VALUES ('scope', $1, $2, 'h', 'done', $3, 201, convert_to($4, 'UTF8'))`, row[0], uuid.NewString(), uuid.NewString(), row[1])
		}
	}

	export, err := st.ExportCustomer(ctx, conv.CustomerE164)
	if err != nil {
		t.Fatal(err)
	}
	for _, tbl := range store.CustomerDataTables() {
		if len(export[tbl]) == 0 {
			t.Errorf("export has no %s row", tbl)
		}
	}
	erased, err := st.EraseCustomer(ctx, conv.CustomerE164)
	if err != nil {
		t.Fatal(err)
	}
	if len(erased) != len(store.CustomerDataTables()) {
		t.Fatalf("erased %v, want one count per registry table", erased)
	}
	for i, tbl := range store.CustomerDataTables() {
		if erased[i].Table != tbl || int64(len(export[tbl])) != erased[i].Rows {
			t.Errorf("%s: exported %d rows, erased %+v", tbl, len(export[tbl]), erased[i])
		}
	}
	after, err := st.ExportCustomer(ctx, conv.CustomerE164)
	if err != nil {
		t.Fatal(err)
	}
	for tbl, rows := range after {
		if len(rows) != 0 {
			t.Errorf("%s still has %d rows after erasure", tbl, len(rows))
		}
	}
	kept, err := st.ExportCustomer(ctx, other.CustomerE164)
	if err != nil {
		t.Fatal(err)
	}
	for _, tbl := range store.CustomerDataTables() {
		if len(kept[tbl]) == 0 {
			t.Errorf("the other customer lost their %s rows", tbl)
		}
	}
	again, err := st.EraseCustomer(ctx, conv.CustomerE164)
	if err != nil {
		t.Fatalf("second erasure: %v", err)
	}
	for _, r := range again {
		if r.Rows != 0 {
			t.Fatalf("second erasure deleted %+v", again)
		}
	}
	if _, err := st.EraseCustomer(ctx, "33612345678"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("a malformed number: %v", err)
	}
}

func newSID() string {
	return "SM" + uuid.NewString()[:8] + uuid.NewString()[9:13] + uuid.NewString()[14:18] + uuid.NewString()[19:23] + uuid.NewString()[24:36]
}
