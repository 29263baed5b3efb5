package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/store/storetest"
)

func TestOpsSnapshotAndPendingMigrations(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	pending, err := st.PendingMigrations(ctx)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending after migrate: %v %v", pending, err)
	}
	// Migrating again is a no-op.
	if err := st.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	snap, err := st.OpsSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.InboxBacklog != 0 || snap.InboxOldestAge != 0 || len(snap.Conversations) != 0 || len(snap.Queues) != 0 {
		t.Fatalf("empty database: %+v", snap)
	}
	qid := uuid.NewString()
	if _, err := st.DB().ExecContext(ctx, `INSERT INTO queues (id, name) VALUES ($1, 'Support')`, qid); err != nil {
		t.Fatal(err)
	}
	if snap, err = st.OpsSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if len(snap.Queues) != 1 || snap.Queues[0].QueueID != qid || snap.Queues[0].Name != "Support" || snap.Queues[0].Length != 0 {
		t.Fatalf("queues: %+v", snap.Queues)
	}
}
