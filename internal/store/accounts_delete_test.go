package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

func TestDeletedAccountIsInvisibleAndItsNumbersReusable(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	acc, err := st.GetAccount(ctx, conv.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	open, err := st.OpenConversations(ctx, acc.ID, "")
	if err != nil || len(open) != 1 {
		t.Fatalf("open conversations: %+v %v", open, err)
	}
	if err := st.CloseConversationRow(ctx, conv.ID, "channel_deleted"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteAccount(ctx, acc.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	storetest.WantCode(t, st.DeleteAccount(ctx, acc.ID, testAudit), domain.CodeNotFound)

	e164 := acc.Numbers[0].E164
	_, err = st.GetAccount(ctx, acc.ID)
	storetest.WantCode(t, err, domain.CodeNotFound)
	_, err = st.AccountSecret(ctx, acc.ID)
	storetest.WantCode(t, err, domain.CodeNotFound)
	_, err = st.WebhookTarget(ctx, acc.ID, e164)
	storetest.WantCode(t, err, domain.CodeNotFound)
	_, err = st.GetNumber(ctx, acc.Numbers[0].ID)
	storetest.WantCode(t, err, domain.CodeNotFound)
	_, err = st.NumberByE164(ctx, acc.ID, e164)
	storetest.WantCode(t, err, domain.CodeNotFound)
	if accs, err := st.ListAccounts(ctx); err != nil || len(accs) != 0 {
		t.Fatalf("list: %+v %v", accs, err)
	}
	_, err = st.UpdateAccount(ctx, acc.ID, store.AccountPatch{Name: ptr("x")}, testAudit)
	storetest.WantCode(t, err, domain.CodeNotFound)
	_, err = st.AddNumber(ctx, acc.ID, store.NewNumber{Name: "n", E164: "+14155550199"}, testAudit)
	storetest.WantCode(t, err, domain.CodeNotFound)

	// The transcript stays, closed; the number can be connected again.
	c, err := st.GetConversation(ctx, conv.ID)
	if err != nil || c.State != domain.StateClosed || *c.CloseReason != "channel_deleted" || c.ClosedAt == nil {
		t.Fatalf("conversation after delete: %+v %v", c, err)
	}
	again, err := st.CreateAccount(ctx, store.NewAccount{Name: "B", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: e164}}})
	if err != nil || again.Numbers[0].E164 != e164 {
		t.Fatalf("reconnect: %+v %v", again, err)
	}
	if tgt, err := st.WebhookTarget(ctx, again.ID, e164); err != nil || tgt.NumberID == nil || *tgt.NumberID != again.Numbers[0].ID {
		t.Fatalf("webhook target of the reconnected number: %+v %v", tgt, err)
	}
}

func TestNumbersAddMoveAndRelease(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	ws := mustWorkstream(t, st, "W", nil)
	n, err := st.AddNumber(ctx, conv.AccountID, store.NewNumber{Name: "Sales", E164: "+14155550101", WorkstreamID: &ws.ID}, testAudit)
	if err != nil || n.WorkstreamID == nil || *n.WorkstreamID != ws.ID {
		t.Fatalf("add: %+v %v", n, err)
	}
	_, err = st.AddNumber(ctx, conv.AccountID, store.NewNumber{Name: "dup", E164: "+14155550101"}, testAudit)
	storetest.WantCode(t, err, domain.CodeConflict, "+14155550101")
	_, err = st.AddNumber(ctx, conv.AccountID, store.NewNumber{Name: "x", E164: "+14155550102", WorkstreamID: ptr(uuid.NewString())}, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "workstream_id")

	n, err = st.UpdateNumber(ctx, conv.AccountID, n.ID, store.NumberPatch{Name: ptr("Ventes")}, testAudit)
	if err != nil || n.Name != "Ventes" || n.WorkstreamID == nil {
		t.Fatalf("rename keeps the workstream: %+v %v", n, err)
	}
	n, err = st.UpdateNumber(ctx, conv.AccountID, n.ID, store.NumberPatch{SetWorkstream: true}, testAudit)
	if err != nil || n.WorkstreamID != nil {
		t.Fatalf("detach: %+v %v", n, err)
	}
	_, err = st.UpdateNumber(ctx, conv.AccountID, n.ID, store.NumberPatch{SetWorkstream: true, WorkstreamID: ptr(uuid.NewString())}, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "workstream_id")
	_, err = st.UpdateNumber(ctx, uuid.NewString(), n.ID, store.NumberPatch{Name: ptr("x")}, testAudit)
	storetest.WantCode(t, err, domain.CodeNotFound)

	open, err := st.OpenConversations(ctx, conv.AccountID, n.ID)
	if err != nil || len(open) != 0 {
		t.Fatalf("open conversations of the new number: %+v %v", open, err)
	}
	if err := st.DeleteNumber(ctx, conv.AccountID, n.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	acc, _ := st.GetAccount(ctx, conv.AccountID)
	if len(acc.Numbers) != 1 {
		t.Fatalf("numbers after release: %+v", acc.Numbers)
	}
	if _, err := st.AddNumber(ctx, conv.AccountID, store.NewNumber{Name: "back", E164: "+14155550101"}, testAudit); err != nil {
		t.Fatalf("reconnect a released number: %v", err)
	}
}

func TestAuditRowsAreRedactedAndPaged(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	const token = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
	body := `{"name":"A","twilio_auth_token":"` + token + `","nested":[{"Token":"` + token + `","client_secret":{"x":1}}],"n":12345678901234567890}`
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}},
		Audit:   store.Audit{Actor: "ops", Changes: json.RawMessage(body)}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := st.UpdateAccount(ctx, acc.ID, store.AccountPatch{Name: ptr(strings.Repeat("b", i+1))}, testAudit); err != nil {
			t.Fatal(err)
		}
	}
	var all []store.AuditEntry
	cur := ""
	for range 10 {
		page, err := st.ListAudit(ctx, store.AuditFilter{ResourceType: store.ResourceAccount, ResourceID: acc.ID, Limit: 3, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Data...)
		if cur = page.NextCursor; cur == "" {
			break
		}
	}
	if len(all) != 4 || all[0].Action != store.ActionUpdate || all[3].Action != store.ActionCreate || all[3].Actor != "ops" {
		t.Fatalf("audit pages: %+v", all)
	}
	created := string(all[3].Changes)
	if strings.Contains(created, token) || strings.Count(created, store.Redacted) != 3 || !strings.Contains(created, "12345678901234567890") {
		t.Fatalf("changes not redacted as expected: %s", created)
	}
	_, err = st.ListAudit(ctx, store.AuditFilter{Cursor: "nonsense"})
	storetest.WantCode(t, err, domain.CodeInvalid, "cursor")
	if page, err := st.ListAudit(ctx, store.AuditFilter{ResourceID: uuid.NewString()}); err != nil || len(page.Data) != 0 {
		t.Fatalf("filter: %+v %v", page, err)
	}
}
