package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

const (
	slaPolicyID = "00000000-0000-0000-0000-00000000051a"
	queueVIP    = "00000000-0000-0000-0000-0000000000q9"
)

// withSLA gives the world's workstream policy p (and its hours).
func withSLA(w *world, p domain.SLAPolicy, hours *domain.OperatingHours) {
	p.ID = slaPolicyID
	if err := domain.NormalizeSLAPolicy(&p); err != nil {
		w.t.Fatal(err)
	}
	id := p.ID
	w.settings.Workstream.SLAPolicyID = &id
	w.settings.Workstream.OperatingHours = hours
	w.settings.SLAPolicies = []domain.SLAPolicy{p}
}

// lastSLA is the service levels the workflow last saved.
func (w *world) lastSLA() *domain.ConversationSLA {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := len(w.saves) - 1; i >= 0; i-- {
		if s := w.saves[i].SLA; s != nil {
			return s
		}
	}
	return nil
}

// notes are the transcript events the workflow recorded, in order.
func (w *world) notes() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, s := range w.saves {
		if s.Note != "" {
			out = append(out, s.Note)
		}
	}
	return out
}

func (w *world) events(kind string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.saves {
		if s.Event == kind {
			n++
		}
	}
	return n
}

func queryState(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.ConversationState {
	t.Helper()
	v, err := env.QueryWorkflow(workflows.QueryState)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.ConversationState
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// A first response counted in business hours: a message on Friday at 17:30
// with a one-hour target is due Monday at 09:30; the warning (80 %) comes
// Monday at 09:18, not during the weekend. An agent reply on Monday at
// 09:10 meets it; the timer then has nothing left but resolution.
func TestFirstResponseCountedInBusinessHoursAcrossAWeekend(t *testing.T) {
	w := newWorld(t)
	paris, _ := time.LoadLocation("Europe/Paris")
	weekdays := map[string][]domain.TimeRange{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		weekdays[d] = []domain.TimeRange{{Start: "09:00", End: "18:00"}}
	}
	withSLA(w, domain.SLAPolicy{Name: "Office", FirstResponse: domain.Duration(time.Hour), Resolution: domain.Duration(16 * time.Hour),
		BusinessHours: true}, &domain.OperatingHours{Timezone: "Europe/Paris", Weekly: weekdays})
	w.assignOnEnqueue = agentA
	env := w.env()
	friday := time.Date(2026, 12, 4, 17, 30, 0, 0, paris)
	env.SetStartTime(friday)
	monday := time.Date(2026, 12, 7, 9, 0, 0, 0, paris)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	env.RegisterDelayedCallback(func() {
		st := queryState(t, env)
		fr := st.SLA.FirstResponse
		if fr == nil || fr.Status != domain.SLAPending || !fr.DueAt.Equal(monday.Add(30*time.Minute)) || !fr.WarnAt.Equal(monday.Add(18*time.Minute)) {
			t.Errorf("first response over the weekend: %+v", fr)
		}
		if res := st.SLA.Resolution; res == nil || !res.DueAt.Equal(time.Date(2026, 12, 8, 15, 30, 0, 0, paris)) {
			t.Errorf("resolution: %+v", res)
		}
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		if st := queryState(t, env); st.SLA.FirstResponse.Status != domain.SLAPending {
			t.Errorf("warned during the weekend: %+v", st.SLA.FirstResponse)
		}
	}, monday.Add(17*time.Minute).Sub(friday))
	var sent *outcome
	env.RegisterDelayedCallback(func() {
		if st := queryState(t, env); st.SLA.FirstResponse.Status != domain.SLAWarned {
			t.Errorf("not warned at 80 %%: %+v", st.SLA.FirstResponse)
		}
		sent = update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "agent:" + agentA, Text: "hi"})
	}, monday.Add(20*time.Minute).Sub(friday))
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, monday.Add(2*time.Hour).Sub(friday))
	in := w.input()
	in.SessionWindow = 4 * 24 * time.Hour // the agent answers by free text on Monday
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if sent == nil || sent.err != nil {
		t.Fatalf("reply: %+v", sent)
	}
	s := w.lastSLA()
	metAt := monday.Add(20 * time.Minute)
	if fr := s.FirstResponse; fr.Status != domain.SLAMet || fr.MetAt == nil || !fr.MetAt.Equal(metAt) {
		t.Errorf("first response: %+v", fr)
	}
	if res := s.Resolution; res.Status != domain.SLAMet || res.MetAt == nil || !res.MetAt.Equal(monday.Add(2*time.Hour)) {
		t.Errorf("resolution: %+v", res)
	}
	if got := w.events(domain.EventSLAWarning); got != 1 {
		t.Errorf("%d warnings told to the agent, want 1", got)
	}
	w.checkNoErrorLogs()
}

// A breach while the run continues as new at every step: next response
// restarts at the customer's message after a reply, is warned, then
// breached; each escalation step runs once (raise priority while waiting,
// then a move to the VIP queue, a notice and a message to the customer),
// whatever the number of runs; a breached target stays breached when the
// agent finally answers, with its met_at.
func TestBreachDuringContinueAsNewEscalatesOnce(t *testing.T) {
	workflows.ForceContinueAsNew(true)
	defer workflows.ForceContinueAsNew(false)
	w := newWorld(t)
	withSLA(w, domain.SLAPolicy{Name: "Gold", FirstResponse: domain.Duration(10 * time.Minute), NextResponse: domain.Duration(10 * time.Minute),
		Escalations: []domain.SLAEscalation{
			{On: domain.SLAOnWarning, Target: domain.SLAFirstResponse, Action: domain.SLARaisePriority, Priority: 5},
			{On: domain.SLAOnBreach, Action: domain.SLANotify},
			{On: domain.SLAOnBreach, Target: domain.SLANextResponse, Action: domain.SLAMoveQueue, QueueID: queueVIP},
			{On: domain.SLAOnBreach, Target: domain.SLANextResponse, Action: domain.SLAMessageCustomer, Text: "Sorry for the wait."},
		}}, nil)
	var conv string
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	at := func(env *testsuite.TestWorkflowEnvironment, t time.Time, f func()) {
		if d := t.Sub(env.Now()); d >= 0 {
			env.RegisterDelayedCallback(f, d)
		}
	}
	step := 0
	_, err := w.chain(w.input(), 80, func(env *testsuite.TestWorkflowEnvironment, run int) {
		// Each scripted moment happens once, in whichever run is live then.
		script := []struct {
			at time.Time
			f  func()
		}{
			{start, func() { env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now())) }},
			{start.Add(9 * time.Minute), func() {
				conv = w.saves[0].ID
				w.mu.Lock()
				w.current[conv] = agentA
				w.mu.Unlock()
				env.SignalWorkflow(workflows.SignalAssigned, workflows.AssignedSignal{ConversationID: conv, AgentID: agentA})
			}},
			{start.Add(9*time.Minute + 30*time.Second), func() {
				update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "agent:" + agentA, Text: "on it"})
			}},
			{start.Add(15 * time.Minute), func() {
				env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM2", "still there?", env.Now()))
			}},
			{start.Add(40 * time.Minute), func() {
				env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM3", "hello??", env.Now()))
			}},
			{start.Add(45 * time.Minute), func() {
				update(env, workflows.UpdateAccept, workflows.AcceptRequest{AgentID: agentB})
			}},
			{start.Add(50 * time.Minute), func() {
				update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "agent:" + agentB, Text: "sorry"})
			}},
			{start.Add(55 * time.Minute), func() {
				env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "operator"})
			}},
		}
		// Only the next moment is scheduled: the run ends (continues as
		// new) after the step that applies it.
		if step < len(script) {
			s := script[step]
			at(env, s.at, func() { step++; s.f() })
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if step != 8 {
		t.Fatalf("the script stopped at step %d", step)
	}
	s := w.lastSLA()
	if fr := s.FirstResponse; fr.Status != domain.SLAMet || !fr.MetAt.Equal(start.Add(9*time.Minute+30*time.Second)) {
		t.Errorf("first response: %+v", fr)
	}
	nr := s.NextResponse
	if nr == nil || nr.Status != domain.SLABreached || !nr.StartedAt.Equal(start.Add(15*time.Minute)) || nr.MetAt == nil || !nr.MetAt.Equal(start.Add(50*time.Minute)) {
		t.Errorf("next response: %+v", nr)
	}
	var raised, moved int
	w.mu.Lock()
	for _, e := range w.enqueued {
		if e.Priority == 5 && e.QueueID == queue1 {
			raised++
		}
		if e.QueueID == queueVIP {
			moved++
		}
	}
	w.mu.Unlock()
	if raised != 1 || moved != 1 {
		t.Errorf("priority raised %d times, moved %d times; want once each", raised, moved)
	}
	if got := w.events(domain.EventSLABreach); got != 1 {
		t.Errorf("%d breach events, want 1", got)
	}
	sorry := 0
	for _, a := range w.authorsSent() {
		if a == "system:Sorry for the wait." {
			sorry++
		}
	}
	if sorry != 1 {
		t.Errorf("the customer got the escalation message %d times: %v", sorry, w.authorsSent())
	}
	notes := w.notes()
	for _, want := range []string{"Escalation (first_response, warning): priority raised to 5", "Escalation (next_response, breach): moved to queue " + queueVIP,
		"Escalation (next_response, breach): agent " + agentA + " and the queue's supervisors notified", "Escalation (next_response, breach): automated message sent to the customer"} {
		if n := countOf(notes, want); n != 1 {
			t.Errorf("transcript has %q %d times: %v", want, n, notes)
		}
	}
	// Only the notify steps' saves ask for the supervisors' notice.
	w.mu.Lock()
	for _, r := range w.saves {
		if notify := strings.Contains(r.Note, "supervisors notified"); r.NotifySupervisors != notify {
			t.Errorf("save %q: NotifySupervisors %v", r.Note, r.NotifySupervisors)
		}
	}
	w.mu.Unlock()
	w.checkNoErrorLogs()
}

func countOf(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// Next response runs from the first unanswered customer message: a second
// message before the reply does not restart it; a reply in time meets it
// (pending → met, no warning). A breach outside the window sends the
// customer nothing and says so in the transcript.
func TestNextResponseCyclesAndEscalationOutsideTheWindow(t *testing.T) {
	w := newWorld(t)
	withSLA(w, domain.SLAPolicy{Name: "Std", NextResponse: domain.Duration(10 * time.Minute), Resolution: domain.Duration(48 * time.Hour),
		Escalations: []domain.SLAEscalation{{On: domain.SLAOnBreach, Target: domain.SLAResolution, Action: domain.SLAMessageCustomer, Text: "Still on it."}}}, nil)
	w.assignOnEnqueue = agentA
	env := w.env()
	start := env.Now()
	send := func(text string) {
		update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "agent:" + agentA, Text: text})
	}
	msg := func(sid string) { env.SignalWorkflow(workflows.SignalInbound, customerMessage(sid, sid, env.Now())) }
	env.RegisterDelayedCallback(func() { msg("SM1") }, 0)
	env.RegisterDelayedCallback(func() {
		st := queryState(t, env)
		if st.SLA == nil || st.SLA.FirstResponse != nil || st.SLA.NextResponse != nil || st.SLA.Resolution == nil {
			t.Errorf("before the first reply: %+v", st.SLA)
		}
		send("hello")
	}, time.Minute)
	env.RegisterDelayedCallback(func() { msg("SM2") }, 2*time.Minute)
	env.RegisterDelayedCallback(func() { msg("SM3") }, 5*time.Minute)
	env.RegisterDelayedCallback(func() {
		nr := queryState(t, env).SLA.NextResponse
		if nr == nil || !nr.StartedAt.Equal(start.Add(2*time.Minute)) || !nr.DueAt.Equal(start.Add(12*time.Minute)) {
			t.Errorf("next response restarted by the second message: %+v", nr)
		}
		send("answer")
	}, 6*time.Minute)
	env.RegisterDelayedCallback(func() {
		nr := queryState(t, env).SLA.NextResponse
		if nr.Status != domain.SLAMet || !nr.MetAt.Equal(start.Add(6*time.Minute)) {
			t.Errorf("next response: %+v", nr)
		}
	}, 7*time.Minute)
	// The window (24 h) closes before resolution is due (48 h).
	env.RegisterDelayedCallback(func() {
		res := queryState(t, env).SLA.Resolution
		if res.Status != domain.SLABreached {
			t.Errorf("resolution after 48 h: %+v", res)
		}
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "operator"})
	}, 49*time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	for _, a := range w.authorsSent() {
		if a == "system:Still on it." {
			t.Errorf("the customer was messaged outside the window: %v", w.authorsSent())
		}
	}
	if n := countOf(w.notes(), "Escalation (resolution, breach): customer not messaged: the 24-hour window is closed"); n != 1 {
		t.Errorf("transcript: %v", w.notes())
	}
	if res := w.lastSLA().Resolution; res.Status != domain.SLABreached || res.MetAt == nil || !res.MetAt.Equal(start.Add(49*time.Hour)) {
		t.Errorf("a breached resolution stays breached, with met_at: %+v", res)
	}
	w.checkNoErrorLogs()
}
