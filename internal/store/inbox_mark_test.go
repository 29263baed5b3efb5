package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// A burst recorded by the workflow in another order than the relay's
// batched marks must not deadlock with them: both lock inbox rows in id
// order. The relay's batch holds the older row while the workflow records
// the burst newest first; before, each then waited for the other's row.
func TestInboxMarksAndRecordInboundLockInTheSameOrder(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}}})
	if err != nil {
		t.Fatal(err)
	}
	conv := domain.ConversationRecord{ID: uuid.NewString(), AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
		CustomerE164: "+33600000001", State: domain.StateQueued, Mode: domain.ModeSession}
	conv.WorkflowID = domain.ConversationWorkflowID(conv.NumberID, conv.CustomerE164)
	var msgs []domain.InboundMessage
	var ids []int64
	for range 2 {
		m := domain.InboundMessage{MessageSID: "SM" + uuid.NewString()[:30], AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
			From: conv.CustomerE164, To: "+14155550100", Body: "hi", ReceivedAt: time.Now()}
		ins, err := st.InsertInbound(ctx, conv.WorkflowID, m)
		if err != nil {
			t.Fatal(err)
		}
		msgs, ids = append(msgs, m), append(ids, ins.ID)
	}
	// The relay's batch starts first and holds the older row...
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT 1 FROM inbound_inbox WHERE id = $1 FOR UPDATE`, ids[0]); err != nil {
		t.Fatal(err)
	}
	// ...while the workflow records the burst newest first.
	done := make(chan error, 1)
	go func() {
		_, err := st.RecordInbound(ctx, conv, []domain.InboundMessage{msgs[1], msgs[0]})
		done <- err
	}()
	// Wait until RecordInbound is blocked on the inbox rows.
	for deadline := time.Now().Add(10 * time.Second); ; {
		var n int
		if err := st.DB().Get(&n, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%UPDATE inbound_inbox%'`); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("RecordInbound never waited for the inbox rows")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := tx.Exec(`UPDATE inbound_inbox SET signalled_at = now() WHERE id = $1`, ids[1]); err != nil {
		t.Fatalf("the batch's second row: %v (deadlock)", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("RecordInbound: %v", err)
	}
	if err := st.MarkSignalled(ctx, ids[1], ids[0]); err != nil {
		t.Fatal(err)
	}
	pending, err := st.PendingInbound(ctx, "", time.Now().Add(time.Hour), 10)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending after marks: %v, %v", pending, err)
	}
}
