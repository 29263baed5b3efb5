package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/logging"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows"
)

// TestForceDeleteOfAnAccountClosesItsConversations: a customer's open
// conversation blocks a plain DELETE; ?force=true closes it through its
// workflow (reason channel_deleted), closes a row whose workflow has already
// ended itself, then removes the account: its webhooks answer 404. Neither
// the auth token nor the new one appears in an answer or a log line.
func TestForceDeleteOfAnAccountClosesItsConversations(t *testing.T) {
	logs := &syncBuffer{}
	logger := logging.New(io.MultiWriter(logs, testLogWriter{t}), logging.Options{Format: "json", Level: "debug"})
	s := newStackWithLogger(t, temporalAddr, logger)
	ctx := context.Background()
	accPath := "/api/v1/whatsapp-accounts/" + s.account.ID

	if _, status, err := s.emu.SendInbound(ctx, emulator.InboundRequest{
		AccountSID: accountSID, From: customerOne, To: ourNumber, Body: "Bonjour", ProfileName: "Marie",
	}); err != nil || status != http.StatusOK {
		t.Fatalf("inbound: %d %v", status, err)
	}
	conv := s.waitConversation(t)
	// A row whose workflow Temporal does not know (it ended long ago).
	orphan := domain.ConversationRecord{ID: uuid.NewString(), WorkflowID: "conv:gone:" + uuid.NewString(), AccountID: s.account.ID,
		NumberID: s.account.Numbers[0].ID, CustomerE164: "+33699999999", State: domain.StateQueued, Mode: domain.ModeSession}
	if err := s.app.Store.SaveConversation(ctx, orphan); err != nil {
		t.Fatal(err)
	}

	// The token can be rotated; answers never carry it.
	const newToken = "00112233445566778899aabbccddeeff"
	var raw json.RawMessage
	s.admin(http.MethodPatch, accPath, map[string]any{"twilio_auth_token": newToken, "name": "Contoso FR"}, http.StatusOK, &raw)
	s.emu.AddAccount(accountSID, newToken)
	s.admin(http.MethodGet, accPath, nil, http.StatusOK, &raw)
	if strings.Contains(string(raw), authToken) || strings.Contains(string(raw), newToken) || strings.Contains(string(raw), "auth_token") {
		t.Fatalf("account answer carries a token: %s", raw)
	}

	var e struct{ Error domain.Error }
	s.admin(http.MethodDelete, accPath, nil, http.StatusConflict, &e)
	if !strings.Contains(e.Error.Message, "2 open conversation(s)") {
		t.Fatalf("409 says %q", e.Error.Message)
	}
	start := time.Now()
	s.admin(http.MethodDelete, accPath+"?force=true", nil, http.StatusNoContent, nil)
	t.Logf("force delete with 2 open conversations answered in %s", time.Since(start).Round(time.Millisecond))

	eventually(t, 15*time.Second, "the conversation to be closed by its workflow", func() bool {
		c, err := s.app.Store.GetConversation(ctx, conv.ID)
		return err == nil && c.State == domain.StateClosed && c.CloseReason != nil && *c.CloseReason == "channel_deleted"
	})
	val, err := s.app.Temporal.QueryWorkflow(ctx, conv.WorkflowID, "", workflows.QueryState)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.ConversationState
	if err := val.Get(&st); err != nil || st.State != domain.StateClosed || st.CloseReason != "channel_deleted" {
		t.Fatalf("workflow state: %+v %v", st, err)
	}
	if c, err := s.app.Store.GetConversation(ctx, orphan.ID); err != nil || c.State != domain.StateClosed || *c.CloseReason != "channel_deleted" {
		t.Fatalf("orphan row: %+v %v", c, err)
	}

	// Gone for Twilio and for admins; the transcript stays.
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	if got := s.postWebhook(path, inboundForm(newMessageSID(), customerOne, "still there?"), newToken, ""); got != http.StatusNotFound {
		t.Fatalf("inbound webhook of a deleted account: %d, want 404", got)
	}
	s.admin(http.MethodGet, accPath, nil, http.StatusNotFound, nil)
	if msgs := s.messages(conv.ID); len(msgs) != 1 {
		t.Fatalf("transcript after delete: %+v", msgs)
	}
	var audit struct{ Data []store.AuditEntry }
	s.admin(http.MethodGet, "/api/v1/audit-log?resource_type=whatsapp_account&resource_id="+s.account.ID, nil, http.StatusOK, &audit)
	if len(audit.Data) != 3 || audit.Data[0].Action != "delete" || !strings.Contains(string(audit.Data[0].Changes), `"closed_conversations":2`) {
		t.Fatalf("audit: %+v", audit.Data)
	}
	for _, a := range audit.Data {
		if strings.Contains(string(a.Changes), authToken) || strings.Contains(string(a.Changes), newToken) {
			t.Fatalf("audit row carries a token: %s", a.Changes)
		}
	}

	if l := logs.String(); strings.Contains(l, authToken) || strings.Contains(l, newToken) {
		t.Fatal("an auth token appears in the logs")
	}
}
