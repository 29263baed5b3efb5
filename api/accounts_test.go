package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/store"
)

const (
	chanSID      = "AC0123456789abcdef0123456789abcdef"
	chanToken    = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
	chanNewToken = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
)

func TestAccountsAndNumbersAPI(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	var ws domain.Workstream
	a.do(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Support", "language": "fr"}, http.StatusCreated, &ws)
	var acc domain.Account
	a.do(http.MethodPost, "/api/v1/whatsapp-accounts", map[string]any{
		"name": "Contoso", "twilio_account_sid": chanSID, "twilio_auth_token": chanToken,
		"numbers": []map[string]any{{"name": "Support", "e164": "+33 1 80 00 00 00", "workstream_id": ws.ID}},
	}, http.StatusCreated, &acc)
	if n := acc.Numbers[0]; n.E164 != "+33180000000" || n.WorkstreamID == nil || *n.WorkstreamID != ws.ID {
		t.Fatalf("created %+v", acc)
	}
	a.fails(http.MethodPost, "/api/v1/whatsapp-accounts", map[string]any{
		"name": "X", "twilio_account_sid": chanSID, "twilio_auth_token": chanToken,
		"numbers": []map[string]any{{"e164": "+14155550100", "workstream_id": uuid.NewString()}},
	}, http.StatusBadRequest, "workstream_id: no such workstream")

	// PATCH: name, sandbox, token; the SID and numbers are not changed here.
	var got domain.Account
	a.do(http.MethodPatch, "/api/v1/whatsapp-accounts/"+acc.ID, map[string]any{"name": "Contoso FR", "sandbox": true, "twilio_auth_token": chanNewToken}, http.StatusOK, &got)
	if got.Name != "Contoso FR" || !got.Sandbox || got.TwilioAccountSID != chanSID || len(got.Numbers) != 1 || got.InboundURL == "" {
		t.Fatalf("patched %+v", got)
	}
	a.fails(http.MethodPatch, "/api/v1/whatsapp-accounts/"+acc.ID, map[string]any{"twilio_account_sid": chanSID}, http.StatusBadRequest, "cannot change")
	a.fails(http.MethodPatch, "/api/v1/whatsapp-accounts/"+acc.ID, map[string]any{"twilio_auth_token": "short"}, http.StatusBadRequest, "twilio_auth_token")
	a.fails(http.MethodPatch, "/api/v1/whatsapp-accounts/"+acc.ID, map[string]any{"numbers": []any{}}, http.StatusBadRequest, "/numbers")
	a.fails(http.MethodPatch, "/api/v1/whatsapp-accounts/"+uuid.NewString(), map[string]any{"name": "x"}, http.StatusNotFound, "not found")
	// The new token is the one webhooks are checked with, at once.
	if code := a.webhook(acc.ID, "+33180000000", chanToken); code != http.StatusForbidden {
		t.Fatalf("webhook signed with the old token: %d", code)
	}

	// Numbers: add, rename, move, detach, remove, reconnect.
	numbers := "/api/v1/whatsapp-accounts/" + acc.ID + "/numbers"
	var n domain.Number
	a.do(http.MethodPost, numbers, map[string]any{"name": "Sales", "e164": "+14155550101"}, http.StatusCreated, &n)
	a.fails(http.MethodPost, numbers, map[string]any{"e164": "+14155550101"}, http.StatusConflict, "already connected")
	a.fails(http.MethodPost, numbers, map[string]any{"e164": "12"}, http.StatusBadRequest, "e164")
	a.do(http.MethodPatch, numbers+"/"+n.ID, map[string]any{"name": "Ventes", "workstream_id": ws.ID}, http.StatusOK, &n)
	if n.Name != "Ventes" || n.WorkstreamID == nil {
		t.Fatalf("moved %+v", n)
	}
	a.do(http.MethodPatch, numbers+"/"+n.ID, map[string]any{"name": "Sales"}, http.StatusOK, &n)
	if n.WorkstreamID == nil {
		t.Fatalf("a rename detached the number: %+v", n)
	}
	n = domain.Number{}
	a.do(http.MethodPatch, numbers+"/"+n.ID+uuid.NewString(), map[string]any{"name": "x"}, http.StatusNotFound, nil)
	var lst list[domain.Number]
	a.do(http.MethodGet, numbers, nil, http.StatusOK, &lst)
	n = lst.Data[1]
	a.do(http.MethodPatch, numbers+"/"+n.ID, map[string]any{"workstream_id": nil}, http.StatusOK, &n)
	if n.WorkstreamID != nil {
		t.Fatalf("detach: %+v", n)
	}
	a.fails(http.MethodPatch, numbers+"/"+n.ID, map[string]any{"e164": "+14155550102"}, http.StatusBadRequest, "e164 cannot change")
	a.do(http.MethodGet, numbers+"/"+n.ID, nil, http.StatusOK, &n)
	a.do(http.MethodDelete, numbers+"/"+n.ID, nil, http.StatusNoContent, nil)
	a.fails(http.MethodGet, numbers+"/"+n.ID, nil, http.StatusNotFound, "not found")
	a.do(http.MethodPost, numbers, map[string]any{"name": "Sales again", "e164": "+14155550101"}, http.StatusCreated, &n)

	// An open conversation blocks a plain DELETE, of the number and of the account.
	conv := domain.ConversationRecord{ID: uuid.NewString(), WorkflowID: "conv:" + n.ID + ":+33612345678", AccountID: acc.ID,
		NumberID: n.ID, CustomerE164: "+33612345678", State: domain.StateQueued, Mode: domain.ModeSession}
	if err := a.store.SaveConversation(context.Background(), conv); err != nil {
		t.Fatal(err)
	}
	a.fails(http.MethodDelete, numbers+"/"+n.ID, nil, http.StatusConflict, "1 open conversation", "force=true")
	a.fails(http.MethodDelete, "/api/v1/whatsapp-accounts/"+acc.ID, nil, http.StatusConflict, "1 open conversation")
	if err := a.store.CloseConversationRow(context.Background(), conv.ID, "resolved"); err != nil {
		t.Fatal(err)
	}
	a.do(http.MethodDelete, "/api/v1/whatsapp-accounts/"+acc.ID, nil, http.StatusNoContent, nil)
	a.fails(http.MethodGet, "/api/v1/whatsapp-accounts/"+acc.ID, nil, http.StatusNotFound, "not found")
	a.fails(http.MethodDelete, "/api/v1/whatsapp-accounts/"+acc.ID, nil, http.StatusNotFound, "not found")
	if code := a.webhook(acc.ID, "+33180000000", chanNewToken); code != http.StatusNotFound {
		t.Fatalf("webhook of a deleted account: %d, want 404", code)
	}
	var accs list[domain.Account]
	a.do(http.MethodGet, "/api/v1/whatsapp-accounts", nil, http.StatusOK, &accs)
	if len(accs.Data) != 0 {
		t.Fatalf("deleted account listed: %+v", accs.Data)
	}

	// The audit log has every change, by who made it, without the tokens.
	a.doKey(chanOpsKey, http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"wrap_up": "1m"}, http.StatusOK, nil)
	var audit list[store.AuditEntry]
	a.do(http.MethodGet, "/api/v1/audit-log?resource_type=whatsapp_account&resource_id="+acc.ID, nil, http.StatusOK, &audit)
	if len(audit.Data) != 3 || audit.Data[0].Action != "delete" || audit.Data[1].Action != "update" || audit.Data[2].Action != "create" ||
		!strings.Contains(string(audit.Data[1].Changes), `"twilio_auth_token":"[redacted]"`) || audit.Data[2].Actor != "admin" {
		t.Fatalf("account audit: %+v", audit.Data)
	}
	a.do(http.MethodGet, "/api/v1/audit-log?limit=1", nil, http.StatusOK, &audit)
	if len(audit.Data) != 1 || audit.Data[0].Actor != "ops" || audit.Data[0].ResourceType != "workstream" || audit.NextCursor == "" {
		t.Fatalf("newest audit row: %+v", audit)
	}
	a.do(http.MethodGet, "/api/v1/audit-log?limit=500&cursor="+audit.NextCursor, nil, http.StatusOK, &audit)
	if len(audit.Data) < 10 || audit.NextCursor != "" {
		t.Fatalf("rest of the audit log: %d rows, cursor %q", len(audit.Data), audit.NextCursor)
	}
	a.fails(http.MethodGet, "/api/v1/audit-log?limit=0", nil, http.StatusBadRequest, "limit")
	a.fails(http.MethodGet, "/api/v1/audit-log?cursor=zzz", nil, http.StatusBadRequest, "cursor")

	for _, secret := range []string{chanToken, chanNewToken} {
		if a.seen(secret) {
			t.Fatalf("an auth token appeared in a response body or a log line")
		}
	}
}

func TestAdminKeysAllAcceptedOthersRefused(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	a.doKey(chanAdminKey, http.MethodGet, "/api/v1/queues", nil, http.StatusOK, nil)
	a.doKey(chanOpsKey, http.MethodGet, "/api/v1/queues", nil, http.StatusOK, nil)
	a.doKey("ops:"+chanOpsKey, http.MethodGet, "/api/v1/queues", nil, http.StatusUnauthorized, nil)
	a.doKey(chanOpsKey+"x", http.MethodGet, "/api/v1/queues", nil, http.StatusUnauthorized, nil)
	a.doKey("", http.MethodGet, "/api/v1/queues", nil, http.StatusUnauthorized, nil)
}

// webhook posts a signed inbound message and returns the status.
func (a *chanAPI) webhook(accountID, to, token string) int {
	a.t.Helper()
	path := "/twilio/whatsapp/" + accountID + "/inbound"
	form := url.Values{"MessageSid": {"SM" + strings.ReplaceAll(uuid.NewString(), "-", "")}, "AccountSid": {chanSID},
		"From": {"whatsapp:+33612345678"}, "To": {"whatsapp:" + to}, "Body": {"hi"}, "NumMedia": {"0"}}
	req, _ := http.NewRequest(http.MethodPost, a.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", emulator.Sign(token, a.cfg.PublicURL(path), form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
