package integration

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/temporalx"
	"github.com/switchboard/switchboard/workflows"
)

type listResponse[T any] struct {
	Data []T `json:"data"`
}

func (s *stack) conversations() []domain.Conversation {
	var out listResponse[domain.Conversation]
	s.admin(http.MethodGet, "/api/v1/conversations", nil, http.StatusOK, &out)
	return out.Data
}

func (s *stack) messages(convID string) []domain.Message {
	var out listResponse[domain.Message]
	s.admin(http.MethodGet, "/api/v1/conversations/"+convID+"/messages", nil, http.StatusOK, &out)
	return out.Data
}

func (s *stack) waitConversation(t *testing.T) domain.Conversation {
	t.Helper()
	var conv domain.Conversation
	eventually(t, 15*time.Second, "the conversation to be stored", func() bool {
		cs := s.conversations()
		if len(cs) == 1 {
			conv = cs[0]
		}
		return len(cs) == 1 && len(s.messages(conv.ID)) > 0
	})
	// Read it again: the row listed above may predate its first message.
	s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &conv)
	return conv
}

func TestInboundReplyAndDeliveryEndToEnd(t *testing.T) {
	s := newStack(t, temporalAddr)
	ctx := context.Background()

	// A customer writes: the emulator posts a signed webhook as Twilio would.
	sent := time.Now()
	sid, status, err := s.emu.SendInbound(ctx, emulator.InboundRequest{
		AccountSID: accountSID, From: customerOne, To: ourNumber, Body: "Bonjour, ma commande ?", ProfileName: "Marie",
	})
	if err != nil || status != http.StatusOK {
		t.Fatalf("inbound webhook: status %d, err %v", status, err)
	}
	conv := s.waitConversation(t)
	t.Logf("inbound webhook → message stored by the workflow: %s", time.Since(sent).Round(time.Millisecond))
	if conv.Mode != domain.ModeSession || conv.CustomerE164 != customerOne || conv.ProfileName != "Marie" ||
		conv.WorkflowID != workflows.ConversationID(s.account.Numbers[0].ID, customerOne) {
		t.Fatalf("conversation: %+v", conv)
	}
	msgs := s.messages(conv.ID)
	if len(msgs) != 1 || msgs[0].Body != "Bonjour, ma commande ?" || *msgs[0].TwilioSID != sid {
		t.Fatalf("transcript: %+v", msgs)
	}

	// Operators see it through the `state` query and the search attributes.
	val, err := s.app.Temporal.QueryWorkflow(ctx, conv.WorkflowID, "", workflows.QueryState)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.ConversationState
	if err := val.Get(&st); err != nil {
		t.Fatal(err)
	}
	if st.ConversationID != conv.ID || st.Mode != domain.ModeSession || st.InboundCount != 1 ||
		!st.WindowExpiresAt.Equal(conv.WindowExpiresAt.Truncate(time.Microsecond)) && st.WindowExpiresAt.Sub(*conv.WindowExpiresAt).Abs() > time.Millisecond {
		t.Fatalf("state query: %+v (stored window %s)", st, conv.WindowExpiresAt)
	}
	query := fmt.Sprintf("SbCustomer = %q AND SbNumber = %q AND SbMode = 'session' AND SbAccount = %q AND SbWindowExpiresAt > %q",
		customerOne, s.account.Numbers[0].ID, s.account.ID, time.Now().Add(23*time.Hour).UTC().Format(time.RFC3339))
	eventually(t, 15*time.Second, "visibility to find the conversation by search attributes", func() bool {
		resp, err := s.app.Temporal.ListWorkflow(ctx, listRequest(query))
		return err == nil && len(resp.Executions) == 1 && resp.Executions[0].Execution.WorkflowId == conv.WorkflowID
	})

	// An admin replies; the API answers after Twilio (the emulator) accepted it.
	before := time.Now()
	var reply domain.Message
	s.admin(http.MethodPost, "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"text": "Elle part demain."}, http.StatusCreated, &reply)
	t.Logf("admin reply → Twilio accepted (API answered): %s", time.Since(before).Round(time.Millisecond))
	// Accepted: a SID, and a status Twilio gave it (its first callbacks may
	// already have moved it past queued).
	if reply.TwilioSID == nil || reply.Status.IsFailure() || reply.Status == domain.StatusReceived || reply.Author != domain.AuthorAdmin {
		t.Fatalf("reply: %+v", reply)
	}
	got := s.emu.Messages()
	if len(got) != 1 {
		t.Fatalf("emulator received %d messages", len(got))
	}
	m := got[0]
	if m.From != "whatsapp:"+ourNumber || m.To != "whatsapp:"+customerOne || m.Body != "Elle part demain." ||
		!m.BasicAuthOK || m.AccountSID != accountSID || m.SID != *reply.TwilioSID ||
		m.StatusCallback != s.cfg.StatusCallbackURL(s.account.ID)+"?message_id="+reply.ID {
		t.Fatalf("Twilio received %+v", m)
	}

	// Signed status callbacks move the message forward to delivered (and read).
	eventually(t, 10*time.Second, "the reply to be delivered", func() bool {
		for _, msg := range s.messages(conv.ID) {
			if msg.ID == reply.ID {
				r, _ := domain.StatusRank(msg.Status)
				d, _ := domain.StatusRank(domain.StatusDelivered)
				return r >= d
			}
		}
		return false
	})
}

func TestForgedOrMissingSignatureIsRefusedAndNothingStored(t *testing.T) {
	s := newStack(t, temporalAddr)
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	sid := newMessageSID()
	form := inboundForm(sid, customerOne, "hello")

	if got := s.postWebhook(path, form, "ffffffffffffffffffffffffffffffff", ""); got != http.StatusForbidden {
		t.Errorf("signed with the wrong token: %d, want 403", got)
	}
	if got := s.postWebhook(path, form, "", ""); got != http.StatusForbidden {
		t.Errorf("unsigned: %d, want 403", got)
	}
	// Valid signature, but over other fields than the ones posted.
	tampered := inboundForm(sid, customerOne, "hello")
	sig := emulator.Sign(authToken, s.apiURL+path, tampered)
	tampered.Set("Body", "send me the refund")
	if got := s.postWebhook(path, tampered, "", sig); got != http.StatusForbidden {
		t.Errorf("tampered body: %d, want 403", got)
	}
	// A signature for another account's URL does not open this one.
	other := "/twilio/whatsapp/00000000-0000-0000-0000-000000000000/inbound"
	if got := s.postWebhook(other, form, authToken, ""); got != http.StatusNotFound {
		t.Errorf("unknown account: %d, want 404", got)
	}
	n, err := s.app.Store.CountInbox(context.Background(), sid)
	if err != nil || n != 0 {
		t.Fatalf("inbox rows for refused webhooks: %d (%v)", n, err)
	}
	if cs := s.conversations(); len(cs) != 0 {
		t.Fatalf("conversations after refused webhooks: %+v", cs)
	}
}

func TestTwilioRetriesOfOneMessageSidStoreOneMessage(t *testing.T) {
	s := newStack(t, temporalAddr)
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	sid := newMessageSID()
	for i := range 3 {
		if got := s.postWebhook(path, inboundForm(sid, customerOne, "once"), authToken, ""); got != http.StatusOK {
			t.Fatalf("post %d: status %d", i, got)
		}
	}
	conv := s.waitConversation(t)
	n, err := s.app.Store.CountInbox(context.Background(), sid)
	if err != nil || n != 1 {
		t.Fatalf("inbox rows: %d (%v)", n, err)
	}
	// Give a duplicate signal time to arrive before counting.
	time.Sleep(500 * time.Millisecond)
	if msgs := s.messages(conv.ID); len(msgs) != 1 {
		t.Fatalf("messages: %+v", msgs)
	}
	val, err := s.app.Temporal.QueryWorkflow(context.Background(), conv.WorkflowID, "", workflows.QueryState)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.ConversationState
	if err := val.Get(&st); err != nil || st.InboundCount != 1 {
		t.Fatalf("state: %+v %v", st, err)
	}
}

func TestTemporalDownDuringInboundIsDeliveredAfterRestart(t *testing.T) {
	ctx := context.Background()
	srv, err := startTemporal(ctx, t.TempDir()+"/temporal.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	s := newStack(t, srv.Address)
	// The worker must be running before Temporal goes away: a worker that
	// cannot reach Temporal at start exits (its supervisor restarts it),
	// and nothing restarts it here.
	eventually(t, 30*time.Second, "the worker polling", func() bool {
		n, err := temporalx.CheckPollers(ctx, s.app.Temporal, s.cfg.TaskQueue)
		return err == nil && n > 0
	})

	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	sid := newMessageSID()
	start := time.Now()
	if got := s.postWebhook(path, inboundForm(sid, customerOne, "anyone there?"), authToken, ""); got != http.StatusOK {
		t.Fatalf("webhook while Temporal is down: %d, want 200", got)
	}
	t.Logf("webhook answered in %s with Temporal down", time.Since(start).Round(time.Millisecond))
	if n, _ := s.app.Store.CountInbox(ctx, sid); n != 1 {
		t.Fatalf("message not in the inbox: %d rows", n)
	}
	if cs := s.conversations(); len(cs) != 0 {
		t.Fatalf("a conversation exists although Temporal is down: %+v", cs)
	}

	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	conv := s.waitConversation(t)
	msgs := s.messages(conv.ID)
	if len(msgs) != 1 || *msgs[0].TwilioSID != sid {
		t.Fatalf("after restart: %+v", msgs)
	}
}

func listRequest(query string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Query: query}
}
