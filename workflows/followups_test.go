package workflows_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

func followup(id string, at time.Time, text string) workflows.ScheduleRequest {
	return workflows.ScheduleRequest{ScheduleID: id, Author: "agent:" + agentA, SendAt: at, Text: text}
}

// scheduled finds a follow-up in the state.
func scheduled(t *testing.T, st workflows.ConversationState, id string) workflows.ScheduledMessage {
	t.Helper()
	for _, f := range st.Scheduled {
		if f.ScheduleID == id {
			return f
		}
	}
	t.Fatalf("follow-up %s not in the state: %+v", id, st.Scheduled)
	return workflows.ScheduledMessage{}
}

// sentBodies lists the bodies handed to Twilio, with a mark for templates.
func (w *world) sentBodies() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, id := range w.sent {
		m := w.messages[id]
		if m.Template != nil {
			out = append(out, "template:"+m.Template.Name)
		} else {
			out = append(out, m.Body)
		}
	}
	return out
}

// Follow-ups at their time: text inside the window goes out as text;
// after the window closed, one with a fallback template sends the
// template, one without is skipped and the agent told.
func TestFollowupsWhenTheWindowClosed(t *testing.T) {
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	env := w.env()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	var answers []*outcome
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	env.RegisterDelayedCallback(func() {
		inside := followup("inside", start.Add(time.Hour), "Any news?")
		noFallback := followup("no-fallback", start.Add(windowSize+time.Hour), "Still there?")
		withFallback := followup("with-fallback", start.Add(windowSize+2*time.Hour), "Still there?")
		withFallback.Fallback = &domain.TemplateUse{Name: "nudge", Language: "en"}
		withFallback.FallbackBody = "Reply to continue."
		for _, f := range []workflows.ScheduleRequest{inside, noFallback, withFallback, inside} {
			answers = append(answers, update(env, workflows.UpdateSchedule, f))
		}
		// Refused before history: in the past, both text and a template.
		answers = append(answers, update(env, workflows.UpdateSchedule, followup("past", start, "late")))
		both := followup("both", start.Add(time.Hour), "x")
		both.Template = &domain.TemplateUse{Name: "nudge", Language: "en"}
		answers = append(answers, update(env, workflows.UpdateSchedule, both))
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		st := queryState(t, env)
		if len(st.Scheduled) != 3 {
			t.Errorf("%d follow-ups kept, want 3 (one scheduled twice)", len(st.Scheduled))
		}
		for id, want := range map[string]string{"inside": workflows.FollowupSent, "no-fallback": workflows.FollowupSkippedWindowClosed, "with-fallback": workflows.FollowupSent} {
			if f := scheduled(t, st, id); f.Status != want || f.DoneAt == nil {
				t.Errorf("%s: %+v, want %s", id, f, want)
			}
		}
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, windowSize+3*time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	for i, o := range answers[:4] {
		if !o.done || o.err != nil {
			t.Errorf("schedule %d: %+v", i, o)
		}
	}
	for i, o := range answers[4:] {
		if appCode(o.err) != string(domain.CodeInvalid) {
			t.Errorf("refused schedule %d: %v", i, o.err)
		}
	}
	got := w.sentBodies()
	want := []string{"Hello!", "An agent is here.", "Any news?", "template:nudge"}
	if len(got) < len(want) || !equal(got[:len(want)], want) {
		t.Errorf("sent %q, want %q first", got, want)
	}
	if n := w.events(domain.EventFollowupSkipped); n != 1 {
		t.Errorf("%d followup_skipped events, want 1", n)
	}
	w.checkNoErrorLogs()
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The customer's reply cancels a nudge marked cancel_on_customer_reply,
// not the others; `cancel_scheduled` cancels one; what is left at the
// close is cancelled too.
func TestCustomerReplyCancelsANudge(t *testing.T) {
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	env := w.env()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	var cancelled *outcome
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	env.RegisterDelayedCallback(func() {
		nudge := followup("nudge", start.Add(2*time.Hour), "Did that help?")
		nudge.CancelOnCustomerReply = true
		update(env, workflows.UpdateSchedule, nudge)
		update(env, workflows.UpdateSchedule, followup("reminder", start.Add(3*time.Hour), "Your order ships today."))
		update(env, workflows.UpdateSchedule, followup("withdrawn", start.Add(3*time.Hour), "never"))
		update(env, workflows.UpdateSchedule, followup("at-close", start.Add(9*time.Hour), "never either"))
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM2", "thanks!", env.Now()))
		cancelled = update(env, workflows.UpdateCancelScheduled, workflows.CancelScheduledRequest{ScheduleID: "withdrawn", By: "agent:" + agentA})
	}, time.Hour)
	var unknown *outcome
	var before workflows.ConversationState
	env.RegisterDelayedCallback(func() {
		unknown = update(env, workflows.UpdateCancelScheduled, workflows.CancelScheduledRequest{ScheduleID: "unknown"})
		before = queryState(t, env)
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, 4*time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if cancelled == nil || cancelled.err != nil {
		t.Fatalf("cancel_scheduled: %+v", cancelled)
	}
	if unknown == nil || appCode(unknown.err) != string(domain.CodeNotFound) {
		t.Errorf("cancelling an unknown follow-up: %+v", unknown)
	}
	for id, want := range map[string]string{"nudge": workflows.FollowupCancelled, "reminder": workflows.FollowupSent,
		"withdrawn": workflows.FollowupCancelled, "at-close": workflows.FollowupScheduled} {
		if f := scheduled(t, before, id); f.Status != want {
			t.Errorf("%s: %+v, want %s", id, f, want)
		}
	}
	// At the close, what still waits is cancelled (the last save says so).
	final := queryState(t, env)
	for id, want := range map[string]string{"at-close": workflows.FollowupCancelled} {
		if f := scheduled(t, final, id); f.Status != want {
			t.Errorf("%s: %+v, want %s", id, f, want)
		}
	}
	for _, b := range w.sentBodies() {
		if b == "Did that help?" || b == "never" || b == "never either" {
			t.Errorf("sent %q", b)
		}
	}
	w.checkNoErrorLogs()
}

// A follow-up scheduled in one run is sent once, at its time, while the
// conversation continues as new at every step.
func TestFollowupAcrossContinueAsNew(t *testing.T) {
	workflows.ForceContinueAsNew(true)
	defer workflows.ForceContinueAsNew(false)
	w := newWorld(t)
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var answer *outcome
	step := 0
	var last workflows.ConversationState
	runs, err := w.chain(w.input(), 40, func(env *testsuite.TestWorkflowEnvironment, run int) {
		script := []struct {
			at time.Time
			f  func()
		}{
			{start, func() { env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now())) }},
			{start.Add(30 * time.Second), func() {
				conv := w.saves[0].ID
				w.mu.Lock()
				w.current[conv] = agentA
				w.mu.Unlock()
				env.SignalWorkflow(workflows.SignalAssigned, workflows.AssignedSignal{ConversationID: conv, AgentID: agentA})
			}},
			{start.Add(time.Minute), func() {
				answer = update(env, workflows.UpdateSchedule, followup("later", start.Add(30*time.Minute), "Following up."))
			}},
			{start.Add(10 * time.Minute), func() {
				update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "agent:" + agentA, Text: "on it"})
			}},
			{start.Add(40 * time.Minute), func() { last = queryState(t, env) }},
			{start.Add(41 * time.Minute), func() {
				env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
			}},
		}
		// Every moment still to come is scheduled in the live run, once:
		// the run that reaches it applies it, and a continue-as-new
		// before that hands it to the next run.
		for i := step; i < len(script); i++ {
			s := script[i]
			env.RegisterDelayedCallback(func() {
				if step == i {
					step++
					s.f()
				}
			}, max(s.at.Sub(env.Now()), 0))
		}
	})
	if err != nil {
		t.Fatalf("after %d runs (script step %d, schedule %v): %v", runs, step, answer.err, err)
	}
	if answer == nil || answer.err != nil {
		t.Fatalf("schedule: %+v", answer)
	}
	if runs < 4 {
		t.Errorf("only %d runs: continue-as-new was not exercised", runs)
	}
	f := scheduled(t, last, "later")
	if f.Status != workflows.FollowupSent || f.DoneAt == nil || !f.DoneAt.Equal(start.Add(30*time.Minute)) {
		t.Errorf("follow-up: %+v", f)
	}
	n := 0
	for _, b := range w.sentBodies() {
		if b == "Following up." {
			n++
		}
	}
	if n != 1 {
		t.Errorf("follow-up sent %d times, want 1: %q", n, w.sentBodies())
	}
	w.checkNoErrorLogs()
}
