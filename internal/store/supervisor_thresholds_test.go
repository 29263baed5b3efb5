package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestSupervisorAtRiskPerWorkstreamThresholds: two workstreams with their
// own thresholds and one on the global defaults; the same waits put a
// conversation at risk in the strict workstream and not in the lenient one.
func TestSupervisorAtRiskPerWorkstreamThresholds(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	q := insertQueue(t, st, "support")
	ada, _ := newAgent(t, st, domain.Agent{Name: "Ada", Email: "ada@example.com", Capacity: 5, QueueIDs: []string{q}, Presence: domain.PresenceAvailable})

	strict := mustWorkstream(t, st, "strict", nil)
	strict.Supervision = &domain.Supervision{WaitThreshold: domain.Duration(2 * time.Minute), NoReplyAfter: domain.Duration(3 * time.Minute)}
	strict, err := st.UpdateWorkstream(ctx, strict.ID, 0, strict, testAudit)
	if err != nil {
		t.Fatal(err)
	}
	lenient := mustWorkstream(t, st, "lenient", nil)
	lenient.Supervision = &domain.Supervision{WaitThreshold: domain.Duration(20 * time.Minute), NoReplyAfter: domain.Duration(30 * time.Minute)}
	if lenient, err = st.UpdateWorkstream(ctx, lenient.ID, 0, lenient, testAudit); err != nil {
		t.Fatal(err)
	}
	plain := mustWorkstream(t, st, "plain", nil)
	if got, err := st.GetWorkstream(ctx, strict.ID); err != nil || got.Supervision == nil ||
		got.Supervision.WaitThreshold.D() != 2*time.Minute || got.Supervision.NoReplyAfter.D() != 3*time.Minute {
		t.Fatalf("stored supervision: %+v, %v", got.Supervision, err)
	}
	if plain.Supervision != nil {
		t.Fatalf("a workstream without thresholds reads %+v", plain.Supervision)
	}

	base := newConversation(t, st)
	conv := func(customer, ws, state string, agent *string, ago time.Duration) string {
		c := base
		c.ID, c.CustomerE164, c.State = uuid.NewString(), customer, state
		c.WorkflowID = domain.ConversationWorkflowID(c.NumberID, customer)
		if err := st.SaveConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(`UPDATE conversations SET queue_id = $2, agent_id = $3, workstream_id = $4,
			queued_at = now() - make_interval(secs => $5), holds_capacity = $3::uuid IS NOT NULL,
			window_expires_at = now() + interval '23 hours' WHERE id = $1`,
			c.ID, q, agent, ws, ago.Seconds()); err != nil {
			t.Fatal(err)
		}
		if agent != nil { // the customer's last message, unanswered since ago
			if _, err := st.DB().Exec(`INSERT INTO messages (id, conversation_id, direction, author, body, status, created_at)
				VALUES ($1, $2, 'inbound', 'customer', 'hello?', 'received', now() - make_interval(secs => $3))`,
				uuid.NewString(), c.ID, ago.Seconds()); err != nil {
				t.Fatal(err)
			}
		}
		return c.ID
	}
	// Waiting 5 minutes: beyond strict's 2m, within lenient's 20m and the
	// global 10m given below.
	waitStrict := conv("+33600000011", strict.ID, domain.StateQueued, nil, 5*time.Minute)
	waitLenient := conv("+33600000012", lenient.ID, domain.StateQueued, nil, 5*time.Minute)
	waitPlain := conv("+33600000013", plain.ID, domain.StateQueued, nil, 5*time.Minute)
	// Waiting 15 minutes: beyond the global 10m, within lenient's 20m.
	longPlain := conv("+33600000014", plain.ID, domain.StateQueued, nil, 15*time.Minute)
	longLenient := conv("+33600000015", lenient.ID, domain.StateQueued, nil, 15*time.Minute)
	// No agent reply for 10 minutes: beyond strict's 3m and the global 5m,
	// within lenient's 30m.
	silentStrict := conv("+33600000016", strict.ID, domain.StateAssigned, &ada.ID, 10*time.Minute)
	silentLenient := conv("+33600000017", lenient.ID, domain.StateAssigned, &ada.ID, 10*time.Minute)
	silentPlain := conv("+33600000018", plain.ID, domain.StateAssigned, &ada.ID, 10*time.Minute)

	th := store.RiskThresholds{Waiting: 10 * time.Minute, WindowClosing: 2 * time.Hour, NoAgentReply: 5 * time.Minute}
	o, err := st.SupervisorOverview(ctx, []string{q}, th)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range o.AtRisk {
		got[r.ConversationID+"/"+r.Reason] = r.Detail
	}
	want := map[string]string{
		waitStrict + "/" + store.RiskWaiting:        "(threshold 2m0s)",
		longPlain + "/" + store.RiskWaiting:         "(threshold 10m0s)",
		silentStrict + "/" + store.RiskNoAgentReply: "(threshold 3m0s)",
		silentPlain + "/" + store.RiskNoAgentReply:  "(threshold 5m0s)",
	}
	for k, suffix := range want {
		if d, ok := got[k]; !ok || !strings.HasSuffix(d, suffix) {
			t.Errorf("%s: detail %q, want it at risk ending %q", k, d, suffix)
		}
	}
	for _, id := range []string{waitLenient, waitPlain, longLenient, silentLenient} {
		for _, reason := range []string{store.RiskWaiting, store.RiskNoAgentReply} {
			if d, ok := got[id+"/"+reason]; ok {
				t.Errorf("%s at risk (%s): %s", id, reason, d)
			}
		}
	}
	if len(o.AtRisk) != len(want) {
		t.Errorf("at risk: %+v", o.AtRisk)
	}

	// Moving the lenient workstream back to the defaults puts its long
	// wait at risk at the next read; its 5-minute wait stays fine.
	lenient.Supervision = nil
	if _, err := st.UpdateWorkstream(ctx, lenient.ID, 0, lenient, testAudit); err != nil {
		t.Fatal(err)
	}
	o, err = st.SupervisorOverview(ctx, []string{q}, th)
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]string{}
	for _, r := range o.AtRisk {
		got[r.ConversationID+"/"+r.Reason] = r.Detail
	}
	if _, ok := got[longLenient+"/"+store.RiskWaiting]; !ok {
		t.Errorf("defaults: the 15-minute wait is not at risk: %v", got)
	}
	if _, ok := got[waitLenient+"/"+store.RiskWaiting]; ok {
		t.Errorf("defaults: the 5-minute wait is at risk: %v", got)
	}
	if _, ok := got[silentLenient+"/"+store.RiskNoAgentReply]; !ok {
		t.Errorf("defaults: 10 minutes without a reply is not at risk: %v", got)
	}
}
