package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// An outlived follow-up's row: stored once, listed by its conversation,
// cancelled by an agent only while scheduled, claimed then finished by its
// workflow; CustomerWroteSince sees the customer's messages after a time.
func TestOutlivedFollowups(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	closedAt := time.Now().Add(-time.Minute).Truncate(time.Microsecond)
	row := func(id string) domain.OutlivedFollowup {
		return domain.OutlivedFollowup{ID: id, ConversationID: conv.ID, AccountID: conv.AccountID, NumberID: conv.NumberID,
			CustomerE164: conv.CustomerE164, WorkflowID: "followup:" + id, Author: "agent:a",
			SendAt: closedAt.Add(72 * time.Hour), Text: "Still there?",
			Fallback: &domain.TemplateUse{Name: "reminder", Language: "fr", Variables: []string{"Marie"}}, FallbackBody: "Bonjour Marie",
			CancelOnCustomerReply: true, ClosedAt: closedAt}
	}
	for _, id := range []string{"a", "b", "a"} {
		if err := st.SaveOutlivedFollowup(ctx, row(id)); err != nil {
			t.Fatal(err)
		}
	}
	list, err := st.OutlivedFollowups(ctx, conv.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("listed %+v, %v", list, err)
	}
	if f := list[0]; f.Status != "scheduled" || f.Fallback == nil || f.Fallback.Variables[0] != "Marie" || f.Template != nil ||
		!f.CancelOnCustomerReply || !f.ClosedAt.Equal(closedAt) {
		t.Errorf("row %+v", f)
	}
	if _, err := st.CancelOutlivedFollowup(ctx, uuid.NewString(), "a", "agent:x"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("cancel through another conversation: %v", err)
	}
	f, err := st.CancelOutlivedFollowup(ctx, conv.ID, "a", "agent:x")
	if err != nil || f.Status != "cancelled" || f.Note != "cancelled by agent:x" || f.DoneAt == nil {
		t.Fatalf("cancelled %+v, %v", f, err)
	}
	if f, _ := st.ClaimOutlivedFollowup(ctx, "a"); f.Status != "cancelled" {
		t.Errorf("claimed a cancelled one: %+v", f)
	}
	if f, _ := st.ClaimOutlivedFollowup(ctx, "b"); f.Status != domain.FollowupSending {
		t.Errorf("claim: %+v", f)
	}
	if f, _ := st.CancelOutlivedFollowup(ctx, conv.ID, "b", "agent:x"); f.Status != domain.FollowupSending {
		t.Errorf("cancelled one being sent: %+v", f)
	}
	msg := outbound(t, st, conv)
	f, err = st.FinishOutlivedFollowup(ctx, "b", "sent", msg.ID, "")
	if err != nil || f.Status != "sent" || f.MessageID == nil || *f.MessageID != msg.ID {
		t.Fatalf("finished %+v, %v", f, err)
	}
	if _, err := st.OutlivedFollowup(ctx, "nope"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("unknown: %v", err)
	}

	wrote, err := st.CustomerWroteSince(ctx, conv.NumberID, conv.CustomerE164, closedAt)
	if err != nil || wrote {
		t.Fatalf("wrote before any message: %v %v", wrote, err)
	}
	in := domain.InboundMessage{MessageSID: newSID(), ID: uuid.NewString(), AccountID: conv.AccountID, NumberID: conv.NumberID,
		From: conv.CustomerE164, To: "+14155550100", Body: "bonjour", ReceivedAt: time.Now()}
	if _, err := st.RecordInbound(ctx, conv, []domain.InboundMessage{in}); err != nil {
		t.Fatal(err)
	}
	if wrote, err := st.CustomerWroteSince(ctx, conv.NumberID, conv.CustomerE164, closedAt); err != nil || !wrote {
		t.Errorf("after the customer's message: %v %v", wrote, err)
	}
	if wrote, _ := st.CustomerWroteSince(ctx, conv.NumberID, conv.CustomerE164, time.Now().Add(time.Hour)); wrote {
		t.Error("a message before since counted")
	}
}
