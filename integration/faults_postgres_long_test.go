package integration

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// A long PostgreSQL outage costs a waiting conversation a handful of
// history events, not a stream of them: the workflow's database calls give
// up their local attempt within seconds and wait as a regular activity
// that Temporal retries on its side. (A local activity that kept retrying
// inside the workflow task would heartbeat the task: three events every
// 8 s, about 1,400 an hour, the 51,200-event limit in about 35 hours.)
// Once PostgreSQL is back the message is recorded and the conversation goes
// on.
func TestPostgresOutageCostsAHandfulOfEvents(t *testing.T) {
	if os.Getenv("SWITCHBOARD_LOAD") == "" {
		t.Skip("a 3-minute outage: `make faults` runs it")
	}
	pg, dsn := privatePostgres(t)
	s := faultStack{temporal: temporalAddr, dsn: dsn}.start(t)
	const customer = "+33611300001"
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	if st := s.postWebhook(path, inboundForm(newMessageSID(), customer, "bonjour"), authToken, ""); st != http.StatusOK {
		t.Fatalf("inbound: %d", st)
	}
	conv := s.waitConversation(t)
	ctx := context.Background()
	eventually(t, 20*time.Second, "the first message recorded", func() bool { return s.state(t, conv.WorkflowID).InboundCount == 1 })

	if err := pg.Stop(true); err != nil {
		t.Fatal(err)
	}
	// A message reaches the workflow while the database is down (the relay
	// had it from before the outage, say).
	sid := newMessageSID()
	msg := domain.InboundMessage{MessageSID: sid, AccountID: s.account.ID, NumberID: s.account.Numbers[0].ID,
		From: customer, To: ourNumber, Body: "toujours là ?", ReceivedAt: time.Now()}
	if err := s.app.Temporal.SignalWorkflow(ctx, conv.WorkflowID, "", workflows.SignalInbound, msg); err != nil {
		t.Fatal(err)
	}
	const settle, window = 30 * time.Second, 150 * time.Second
	time.Sleep(settle)
	before := historyLength(t, s, conv.WorkflowID)
	time.Sleep(window)
	after := historyLength(t, s, conv.WorkflowID)
	perHour := float64(after-before) * float64(time.Hour) / float64(window)
	t.Logf("PostgreSQL down: %d history events after %s, %d after %s more: %.0f events an hour of outage",
		before, settle, after, window, perHour)
	if perHour >= 20 {
		t.Errorf("%.0f history events an hour of outage, want fewer than 20", perHour)
	}

	if err := pg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Minute, "the message recorded once PostgreSQL is back", func() bool {
		var n int
		err := s.app.Store.DB().QueryRow(`SELECT count(*) FROM messages WHERE twilio_sid = $1`, sid).Scan(&n)
		return err == nil && n == 1
	})
	total := historyLength(t, s, conv.WorkflowID)
	t.Logf("recovered: %d events in the history in all, %d of them since the outage began", total, total-before)
}

// historyLength counts the events of the workflow's current run.
func historyLength(t *testing.T, s *stack, workflowID string) int {
	t.Helper()
	it := s.app.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for it.HasNext() {
		if _, err := it.Next(); err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}
