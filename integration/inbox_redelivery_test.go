package integration

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
)

// inboxRow is what the inbox says about one message.
type inboxRow struct {
	Signalled    bool `db:"signalled"`
	Recorded     bool `db:"recorded"`
	Redeliveries int  `db:"redeliveries"`
}

func (s *stack) inboxRow(t *testing.T, sid string) inboxRow {
	t.Helper()
	var r inboxRow
	if err := s.app.Store.DB().Get(&r, `SELECT signalled_at IS NOT NULL AS signalled, recorded_at IS NOT NULL AS recorded, redeliveries
		FROM inbound_inbox WHERE message_sid = $1`, sid); err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *stack) transcriptRows(t *testing.T, sid string) int {
	t.Helper()
	var n int
	if err := s.app.Store.DB().Get(&n, `SELECT count(*) FROM messages WHERE twilio_sid = $1`, sid); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInboxRedeliversWhatTheWorkflowLost: with no worker running, two
// customers write. The first one's workflow is terminated after Temporal
// took the signal (the message is lost inside Temporal: signalled, never
// recorded); the second one's just waits for a worker longer than the
// redelivery bound. The relay delivers both again after the bound; once a
// worker runs, each message is in the transcript exactly once (the second
// workflow got its message twice and recorded it once), the inbox says
// recorded, and switchboard_inbox_redeliveries_total counts the
// redeliveries.
func TestInboxRedeliversWhatTheWorkflowLost(t *testing.T) {
	const bound = 3 * time.Second
	s := faultStack{temporal: temporalAddr, noWorker: true,
		configure: func(c *config.Config) { c.InboxRedeliverAfter = bound }}.start(t)
	ctx := context.Background()
	const lostCustomer, lateCustomer = "+33730000001", "+33730000002"
	lost := s.customerSends(lostCustomer, "perdu ?")
	late := s.customerSends(lateCustomer, "en retard")
	eventually(t, 10*time.Second, "Temporal to take both signals", func() bool {
		return s.inboxRow(t, lost).Signalled && s.inboxRow(t, late).Signalled
	})
	lostWF := domain.ConversationWorkflowID(s.account.Numbers[0].ID, lostCustomer)
	if err := s.app.Temporal.TerminateWorkflow(ctx, lostWF, "", "test: the signal is lost before the workflow records it"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.ToFloat64(s.app.Metrics.InboxRedeliveries); n != 0 {
		t.Fatalf("%v redeliveries before the bound", n)
	}

	eventually(t, 20*time.Second, "both messages to be delivered again", func() bool {
		return s.inboxRow(t, lost).Redeliveries >= 1 && s.inboxRow(t, late).Redeliveries >= 1
	})
	workerCtx, stopWorker := context.WithCancel(context.Background())
	workerDone := make(chan error, 1)
	go func() { workerDone <- s.app.RunWorker(workerCtx) }()
	t.Cleanup(func() { stopWorker(); <-workerDone })

	eventually(t, 30*time.Second, "both messages in the transcript", func() bool {
		return s.inboxRow(t, lost).Recorded && s.inboxRow(t, late).Recorded
	})
	// Past another bound nothing more is delivered, and each message is
	// in the transcript once.
	time.Sleep(2 * bound)
	redeliveries := 0
	for _, sid := range []string{lost, late} {
		r := s.inboxRow(t, sid)
		if n := s.transcriptRows(t, sid); n != 1 || !r.Recorded {
			t.Fatalf("%s: %d transcript rows, inbox %+v", sid, n, r)
		}
		redeliveries += r.Redeliveries
	}
	if n := testutil.ToFloat64(s.app.Metrics.InboxRedeliveries); int(n) != redeliveries || n < 2 {
		t.Fatalf("metric %v, inbox says %d redeliveries", n, redeliveries)
	}
	// The workflow that got the late message twice counted it once.
	lateConv := s.openConversation(lateCustomer, "the late customer's conversation", func(domain.Conversation) bool { return true })
	if st := s.state(t, lateConv.WorkflowID); st.InboundCount != 1 {
		t.Fatalf("late conversation: inbound count %d", st.InboundCount)
	}
	// The lost message opened a new run, a conversation like any other.
	lostConv := s.openConversation(lostCustomer, "the lost customer's conversation", func(domain.Conversation) bool { return true })
	if msgs := s.messages(lostConv.ID); len(msgs) != 1 || msgs[0].Body != "perdu ?" {
		t.Fatalf("lost customer's transcript: %+v", msgs)
	}
	var sigs []string
	eventually(t, 10*time.Second, "the late workflow's history", func() bool {
		var err error
		sigs, err = signalledSIDs(ctx, s.app.Temporal, s.app.Codec, lateConv.WorkflowID)
		return err == nil
	})
	if len(sigs) < 2 {
		t.Fatalf("late workflow got %d inbound signals, want the first and the redelivery", len(sigs))
	}
	t.Logf("redeliveries: %d (metric %v); the late workflow had %d signals for one message", redeliveries,
		testutil.ToFloat64(s.app.Metrics.InboxRedeliveries), len(sigs))
}
