package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// conversationOf stores another account (its own number) and a conversation of it.
func conversationOf(t *testing.T, st *store.Store, number string) domain.ConversationRecord {
	t.Helper()
	ctx := context.Background()
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "B", AccountSID: "ACffffffffffffffffffffffffffffffff", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: number}}})
	if err != nil {
		t.Fatal(err)
	}
	conv := domain.ConversationRecord{ID: uuid.NewString(), WorkflowID: "conv:b", AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
		CustomerE164: "+33699999999", State: domain.StateQueued, Mode: domain.ModeSession}
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	return conv
}

func sidOf(n int) string { return fmt.Sprintf("SM%032x", n) }

// TestStatusCallbacksOfOneAccountNeverTouchAnother: account A's signed
// callbacks name B's message id and B's SID; B's unsent message gets no
// SID, its sent message keeps its status, and events A posted early for a
// SID B later records are not applied to B's message.
func TestStatusCallbacksOfOneAccountNeverTouchAnother(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	a := newConversation(t, st)
	b := conversationOf(t, st, "+14155550199")

	unsent := outbound(t, st, b)
	if linked, err := st.LinkSID(ctx, a.AccountID, unsent.ID, sidOf(1)); err != nil || linked {
		t.Fatalf("A linked a SID to B's message: %v %v", linked, err)
	}
	if up, err := st.ApplyStatus(ctx, a.AccountID, sidOf(1), domain.StatusRead, 0, ""); err != nil || up.Known || up.Applied {
		t.Fatalf("A's callback: %+v %v", up, err)
	}
	if got, _ := st.GetMessage(ctx, unsent.ID); got.TwilioSID != nil || got.Status != domain.StatusQueued {
		t.Fatalf("B's unsent message changed: %+v", got)
	}

	sent := outbound(t, st, b)
	sid := sidOf(2)
	if _, err := st.RecordSendResult(ctx, sent.ID, sid, domain.StatusQueued); err != nil {
		t.Fatal(err)
	}
	if up, err := st.ApplyStatus(ctx, a.AccountID, sid, domain.StatusFailed, 63016, "forged"); err != nil || up.Known || up.Applied {
		t.Fatalf("A's callback for B's SID: %+v %v", up, err)
	}
	if got, _ := st.GetMessage(ctx, sent.ID); got.Status != domain.StatusQueued || got.ErrorCode != nil {
		t.Fatalf("B's sent message changed: %+v", got)
	}
	// B's own callback still works, even though A posted the same SID and status first.
	if up, err := st.ApplyStatus(ctx, b.AccountID, sid, domain.StatusFailed, 63016, ""); err != nil || !up.Applied {
		t.Fatalf("B's own callback: %+v %v", up, err)
	}

	early := outbound(t, st, b)
	earlySID := sidOf(3)
	if _, err := st.ApplyStatus(ctx, a.AccountID, earlySID, domain.StatusRead, 0, ""); err != nil {
		t.Fatal(err)
	}
	got, err := st.RecordSendResult(ctx, early.ID, earlySID, domain.StatusQueued)
	if err != nil || got.Status != domain.StatusQueued {
		t.Fatalf("A's early event applied to B's message: %s %v", got.Status, err)
	}
}
