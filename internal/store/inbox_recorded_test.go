package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pressly/goose/v3"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
	"github.com/switchboard/switchboard/migrations"
)

// storeInbound stores n customer messages of conv in the inbox.
func storeInbound(t *testing.T, st *store.Store, conv domain.ConversationRecord, n int) ([]domain.InboundMessage, []int64) {
	t.Helper()
	var msgs []domain.InboundMessage
	var ids []int64
	for range n {
		m := domain.InboundMessage{MessageSID: "SM" + uuid.NewString()[:30], AccountID: conv.AccountID, NumberID: conv.NumberID,
			From: conv.CustomerE164, To: "+14155550100", Body: "hi", ReceivedAt: time.Now()}
		ins, err := st.InsertInbound(context.Background(), conv.WorkflowID, m)
		if err != nil {
			t.Fatal(err)
		}
		m.InboxID = ins.ID
		msgs, ids = append(msgs, m), append(ids, ins.ID)
	}
	return msgs, ids
}

func unrecordedIDs(t *testing.T, st *store.Store, after time.Duration) []int64 {
	t.Helper()
	rows, err := st.UnrecordedInbound(context.Background(), after, time.Hour, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range rows {
		if !r.Redelivery {
			t.Fatalf("row %d not flagged as a redelivery", r.Message.InboxID)
		}
		ids = append(ids, r.Message.InboxID)
	}
	return ids
}

// RecordInbound marks its messages recorded (duplicates too); a message
// signalled and not recorded is due for redelivery after the bound, then
// after twice the bound, ... capped; a message never signalled is the
// other sweep's, not this one's.
func TestInboxRecordedAndRedeliveryBackoff(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	conv := newConversation(t, st)
	conv.WorkflowID = domain.ConversationWorkflowID(conv.NumberID, conv.CustomerE164)
	msgs, ids := storeInbound(t, st, conv, 4)
	if err := st.MarkSignalled(ctx, ids[0], ids[1], ids[2]); err != nil { // ids[3] stays pending
		t.Fatal(err)
	}
	if _, err := st.RecordInbound(ctx, conv, msgs[:1]); err != nil {
		t.Fatal(err)
	}
	// msgs[1] reached the transcript, but its inbox row did not say so (a
	// row from before recorded_at): recording it again, a duplicate, counts.
	if _, err := st.RecordInbound(ctx, conv, msgs[1:2]); err != nil {
		t.Fatal(err)
	}
	st.DB().MustExec(`UPDATE inbound_inbox SET recorded_at = NULL WHERE id = $1`, ids[1])
	res, err := st.RecordInbound(ctx, conv, msgs[1:2])
	if err != nil || res[0].Inserted {
		t.Fatalf("duplicate: %+v %v", res, err)
	}
	var recorded []int64
	if err := st.DB().Select(&recorded, `SELECT id FROM inbound_inbox WHERE recorded_at IS NOT NULL ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(recorded) != 2 || recorded[0] != ids[0] || recorded[1] != ids[1] {
		t.Fatalf("recorded rows %v, want %v", recorded, ids[:2])
	}

	if got := unrecordedIDs(t, st, 2*time.Minute); len(got) != 0 {
		t.Fatalf("due at once: %v", got)
	}
	age := func(d string) {
		st.DB().MustExec(`UPDATE inbound_inbox SET signalled_at = now() - $2::interval WHERE id = $1`, ids[2], d)
	}
	age("3 minutes")
	if got := unrecordedIDs(t, st, 2*time.Minute); len(got) != 1 || got[0] != ids[2] {
		t.Fatalf("due after the bound: %v, want [%d]", got, ids[2])
	}
	if err := st.MarkRedelivered(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	age("3 minutes")
	if got := unrecordedIDs(t, st, 2*time.Minute); len(got) != 0 {
		t.Fatalf("redelivered once, due again after 3 min: %v (want 4)", got)
	}
	age("5 minutes")
	if got := unrecordedIDs(t, st, 2*time.Minute); len(got) != 1 {
		t.Fatalf("redelivered once, not due after 5 min: %v", got)
	}
	st.DB().MustExec(`UPDATE inbound_inbox SET redeliveries = 30 WHERE id = $1`, ids[2])
	age("59 minutes")
	if got := unrecordedIDs(t, st, 2*time.Minute); len(got) != 0 {
		t.Fatalf("due before the one-hour cap: %v", got)
	}
	age("61 minutes")
	if got := unrecordedIDs(t, st, 2*time.Minute); len(got) != 1 {
		t.Fatalf("not due past the one-hour cap: %v", got)
	}
	// Recorded at last: no longer due, and MarkRedelivered changes nothing.
	if _, err := st.RecordInbound(ctx, conv, msgs[2:3]); err != nil {
		t.Fatal(err)
	}
	if got := unrecordedIDs(t, st, time.Nanosecond); len(got) != 0 {
		t.Fatalf("a recorded row is due: %v", got)
	}
	var n int
	if err := st.DB().Get(&n, `SELECT redeliveries FROM inbound_inbox WHERE id = $1`, ids[2]); err != nil || n != 30 {
		t.Fatalf("redeliveries %d %v", n, err)
	}
}

// The migration marks recorded the rows whose message is in the
// transcript, and leaves signalled rows without one for the redelivery.
func TestInboxRecordedMigrationBackfill(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.NewDSN(t)
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 17); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conv := newConversation(t, st)
	msgs, ids := storeInbound(t, st, conv, 3)
	if err := st.MarkSignalled(ctx, ids[0], ids[1]); err != nil { // ids[2] pending
		t.Fatal(err)
	}
	st.DB().MustExec(`INSERT INTO messages (id, conversation_id, direction, author, body, twilio_sid, status)
		VALUES ($1, $2, 'inbound', 'customer', 'hi', $3, 'received')`, uuid.NewString(), conv.ID, msgs[0].MessageSID)

	if err := st.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var recorded []int64
	if err := st.DB().Select(&recorded, `SELECT id FROM inbound_inbox WHERE recorded_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if len(recorded) != 1 || recorded[0] != ids[0] {
		t.Fatalf("recorded after the migration: %v, want [%d]", recorded, ids[0])
	}
	st.DB().MustExec(`UPDATE inbound_inbox SET signalled_at = now() - interval '3 minutes' WHERE signalled_at IS NOT NULL`)
	if got := unrecordedIDs(t, st, 2*time.Minute); len(got) != 1 || got[0] != ids[1] {
		t.Fatalf("due for redelivery: %v, want [%d]", got, ids[1])
	}
}
