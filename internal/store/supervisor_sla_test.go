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

// TestSupervisorOverviewServiceLevels: the service levels the workflow
// saves feed the live view — a queue counts its open conversations with a
// breached target, and warned and breached conversations are at risk with
// sla_warned and sla_breached; met targets, closed conversations and other
// queues count for nothing.
func TestSupervisorOverviewServiceLevels(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	qa, qb := insertQueue(t, st, "billing"), insertQueue(t, st, "sales")
	base := newConversation(t, st)
	now := time.Now().UTC()
	target := func(status string, ago time.Duration) *domain.SLATarget {
		due := now.Add(-ago)
		return &domain.SLATarget{Status: status, StartedAt: due.Add(-time.Hour), WarnAt: due.Add(-10 * time.Minute), DueAt: due}
	}
	conv := func(customer, queue, state string, sla *domain.ConversationSLA) string {
		c := base
		c.ID, c.CustomerE164, c.State, c.SLA = uuid.NewString(), customer, state, sla
		c.WorkflowID = domain.ConversationWorkflowID(c.NumberID, customer)
		if err := st.SaveConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(`UPDATE conversations SET queue_id = $2, queued_at = now() WHERE id = $1`, c.ID, queue); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	breached := conv("+33600000011", qa, domain.StateQueued, &domain.ConversationSLA{PolicyID: "p",
		FirstResponse: target(domain.SLABreached, 5*time.Minute), Resolution: target(domain.SLABreached, time.Minute)})
	warned := conv("+33600000012", qa, domain.StateAssigned, &domain.ConversationSLA{PolicyID: "p",
		FirstResponse: target(domain.SLAMet, time.Hour), NextResponse: target(domain.SLAWarned, -5*time.Minute)})
	conv("+33600000013", qa, domain.StateQueued, &domain.ConversationSLA{PolicyID: "p", FirstResponse: target(domain.SLAPending, -time.Hour)})
	conv("+33600000014", qa, domain.StateClosed, &domain.ConversationSLA{PolicyID: "p", FirstResponse: target(domain.SLABreached, time.Hour)})
	conv("+33600000015", qb, domain.StateQueued, &domain.ConversationSLA{PolicyID: "p", FirstResponse: target(domain.SLABreached, time.Hour)})
	conv("+33600000016", qa, domain.StateQueued, nil)

	th := store.RiskThresholds{Waiting: time.Hour, WindowClosing: time.Minute, NoAgentReply: time.Hour}
	o, err := st.SupervisorOverview(ctx, []string{qa}, th)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Queues) != 1 || o.Queues[0].ServiceLevelBreaches != 1 || o.Queues[0].Waiting != 3 || o.Queues[0].Assigned != 1 {
		t.Fatalf("queues: %+v", o.Queues)
	}
	if len(o.AtRisk) != 2 {
		t.Fatalf("at risk: %+v", o.AtRisk)
	}
	for _, r := range o.AtRisk {
		switch {
		case r.ConversationID == breached && r.Reason == store.RiskSLABreached:
			// Since the first target missed; both named.
			if d := o.At.Sub(r.Since); d < 4*time.Minute || d > 6*time.Minute || !strings.Contains(r.Detail, "first_response, resolution missed") {
				t.Errorf("breached: since %s, %q", d, r.Detail)
			}
		case r.ConversationID == warned && r.Reason == store.RiskSLAWarned:
			if !strings.Contains(r.Detail, "next_response about to be missed") {
				t.Errorf("warned: %q", r.Detail)
			}
		default:
			t.Errorf("at risk: %+v", r)
		}
	}
	all, err := st.SupervisorOverview(ctx, nil, th)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range all.Queues {
		if q.ServiceLevelBreaches != 1 {
			t.Errorf("queue %s: %d breaches, want 1", q.Name, q.ServiceLevelBreaches)
		}
	}
}

// TestSLANotifyReachesTheQueueSupervisors: the save that records a notify
// step puts one sla_notify event on the supervisor stream of the
// conversation's queue, however often it is retried; other queues' streams
// and saves of other transcript events get none.
func TestSLANotifyReachesTheQueueSupervisors(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	qa, qb := insertQueue(t, st, "billing"), insertQueue(t, st, "sales")
	c := newConversation(t, st)
	if _, err := st.DB().Exec(`UPDATE conversations SET queue_id = $2 WHERE id = $1`, c.ID, qa); err != nil {
		t.Fatal(err)
	}
	start, err := st.LatestSupervisorEventID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	warning := c
	warning.Note, warning.NoteKey = "Service level: first_response is about to be missed", c.ID+"/sla/warn"
	notify := c
	notify.Note, notify.NoteKey, notify.NotifySupervisors = "Escalation (first_response, breach): the queue's supervisors notified (no agent)", c.ID+"/sla/notify", true
	for _, r := range []domain.ConversationRecord{warning, notify, notify, warning} {
		if err := st.SaveConversation(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	count := func(queues []string) (n int) {
		evs, err := st.SupervisorEventsAfter(ctx, queues, start, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Type == "sla_notify" {
				if e.ConversationID == nil || *e.ConversationID != c.ID || !strings.Contains(string(e.Payload), "supervisors notified") {
					t.Errorf("event: %+v", e)
				}
				n++
			}
		}
		return n
	}
	if mine, theirs, all := count([]string{qa}), count([]string{qb}), count(nil); mine != 1 || theirs != 0 || all != 1 {
		t.Fatalf("sla_notify events: queue %d, other queue %d, admin %d; want 1, 0, 1", mine, theirs, all)
	}
}
