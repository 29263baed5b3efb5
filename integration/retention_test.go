package integration

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
)

// TestRetentionScheduleAndPurge: `switchboard migrate` (app.Migrate)
// creates the daily purge Schedule from SWITCHBOARD_RETENTION; triggered,
// its Purge workflow deletes what is older than the retention (transcript
// lines, delivered inbox copies, status events, closed conversations,
// orphaned contacts) and keeps the rest; migrate with retention 0 removes
// the Schedule.
func TestRetentionScheduleAndPurge(t *testing.T) {
	const keep = 30 * 24 * time.Hour
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.Retention = keep })
	ctx := context.Background()
	db := s.app.Store.DB()

	// A live conversation, with two lines older than the retention slipped in.
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	if st := s.postWebhook(path, inboundForm(newMessageSID(), customerOne, "today"), authToken, ""); st != 200 {
		t.Fatalf("inbound: %d", st)
	}
	live := s.waitConversation(t)
	old := time.Now().Add(-keep - 24*time.Hour)
	oldSIDs := []string{newMessageSID(), newMessageSID()}
	for _, sid := range oldSIDs {
		db.MustExec(`INSERT INTO messages (id, conversation_id, direction, author, body, twilio_sid, status, created_at)
			VALUES ($1, $2, 'inbound', 'customer', 'long ago', $3, 'received', $4)`, uuid.NewString(), live.ID, sid, old)
		db.MustExec(`INSERT INTO inbound_inbox (message_sid, account_id, number_id, workflow_id, payload, received_at, signalled_at, recorded_at)
			VALUES ($1, $2, $3, $4, '{}', $5, $5, $5)`, sid, s.account.ID, s.account.Numbers[0].ID, live.WorkflowID, old)
		db.MustExec(`INSERT INTO message_status_events (account_id, twilio_sid, status, received_at) VALUES ($1, $2, 'read', $3)`, s.account.ID, sid, old)
	}
	// A conversation closed long ago (its customer seen only then), and one
	// closed yesterday whose transcript started long ago.
	closedConv := func(customer string, closed time.Time) string {
		contact, id := uuid.NewString(), uuid.NewString()
		db.MustExec(`INSERT INTO contacts (id, e164, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3)`, contact, customer, old)
		db.MustExec(`INSERT INTO conversations (id, workflow_id, account_id, number_id, contact_id, customer_e164, state, mode, created_at, closed_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'closed', 'session', $7, $8)`,
			id, "conv:x:"+customer, s.account.ID, s.account.Numbers[0].ID, contact, customer, old, closed)
		db.MustExec(`INSERT INTO messages (id, conversation_id, direction, author, body, status, created_at)
			VALUES ($1, $2, 'outbound', 'admin', 'old reply', 'read', $3)`, uuid.NewString(), id, old)
		return id
	}
	gone := closedConv("+33699999991", old)
	stays := closedConv("+33699999992", time.Now().Add(-24*time.Hour))

	logger := slog.New(slog.NewTextHandler(testLogWriter{t}, nil))
	if err := app.Migrate(ctx, s.cfg, logger, false); err != nil {
		t.Fatal(err)
	}
	id := app.RetentionScheduleID(s.cfg.TaskQueue)
	h := s.app.Temporal.ScheduleClient().GetHandle(ctx, id)
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	desc, err := h.Describe(ctx)
	if err != nil {
		t.Fatalf("the schedule %s: %v", id, err)
	}
	act, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || act.TaskQueue != s.cfg.TaskQueue || len(desc.Schedule.Spec.Calendars) != 1 {
		t.Fatalf("schedule %+v", desc.Schedule)
	}
	// Migrate again (another replica, or the next deploy): the same schedule.
	if err := app.Migrate(ctx, s.cfg, logger, false); err != nil {
		t.Fatalf("migrate twice: %v", err)
	}

	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	var run *client.ScheduleWorkflowExecution
	eventually(t, 20*time.Second, "the triggered purge to start", func() bool {
		d, err := h.Describe(ctx)
		if err == nil && len(d.Info.RecentActions) > 0 {
			run = d.Info.RecentActions[len(d.Info.RecentActions)-1].StartWorkflowResult
		}
		return run != nil
	})
	var purged domain.PurgeResult
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := s.app.Temporal.GetWorkflow(rctx, run.WorkflowID, run.FirstExecutionRunID).Get(rctx, &purged); err != nil {
		t.Fatalf("purge run: %v", err)
	}
	t.Logf("purge: %+v", purged)

	count := func(q string, args ...any) int {
		var n int
		if err := db.Get(&n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM messages WHERE created_at < now() - interval '30 days'`); n != 0 {
		t.Errorf("%d messages older than the retention left", n)
	}
	if n := count(`SELECT count(*) FROM messages WHERE conversation_id = $1`, live.ID); n != 1 {
		t.Errorf("the live conversation has %d messages, want today's one", n)
	}
	if n := count(`SELECT count(*) FROM conversations WHERE id = ANY(ARRAY[$1, $2, $3]::uuid[])`, live.ID, gone, stays); n != 2 {
		t.Errorf("%d of the live, old-closed and recent-closed conversations left, want 2", n)
	}
	if n := count(`SELECT count(*) FROM conversations WHERE id = $1`, gone); n != 0 {
		t.Error("the conversation closed long ago is still there")
	}
	if n := count(`SELECT count(*) FROM contacts WHERE e164 = '+33699999991'`); n != 0 {
		t.Error("the contact of the purged conversation is still there")
	}
	if n := count(`SELECT count(*) FROM inbound_inbox WHERE received_at < now() - interval '30 days'`) +
		count(`SELECT count(*) FROM message_status_events WHERE received_at < now() - interval '30 days'`); n != 0 {
		t.Errorf("%d old inbox rows and status events left", n)
	}
	if purged.Messages != 4 || purged.Conversations != 1 || purged.Inbox != 2 || purged.StatusEvents != 2 || purged.Contacts != 1 {
		t.Errorf("purge result %+v", purged)
	}

	// Retention 0 (keep forever): migrate removes the schedule.
	forever := s.cfg
	forever.Retention = 0
	if err := app.Migrate(ctx, forever, logger, false); err != nil {
		t.Fatal(err)
	}
	var nf *serviceerror.NotFound
	if _, err := h.Describe(ctx); !errors.As(err, &nf) {
		t.Fatalf("schedule after retention 0: %v", err)
	}
}
