package workflows_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

const nudgeText = "Are you still there? Reply to keep this conversation open."

// nudgeWorld is a world whose workstream nudges two hours before the
// window closes.
func nudgeWorld(t *testing.T) *world {
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	w.settings.Workstream.WindowNudge = &domain.WindowNudge{Before: domain.Duration(2 * time.Hour), Text: nudgeText}
	return w
}

// nudgesSent counts the nudges handed to Twilio, and checks they were
// sent by the system.
func (w *world) nudgesSent() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, id := range w.sent {
		if m := w.messages[id]; m.Body == nudgeText {
			if m.Author != domain.AuthorSystem {
				w.t.Errorf("nudge written by %q", m.Author)
			}
			n++
		}
	}
	return n
}

// An unanswered customer is nudged once, two hours before the window
// closes, while it is still open; the customer's next message (still
// unanswered) earns one more, at its own window's moment.
func TestWindowNudgeSentOncePerCustomerMessage(t *testing.T) {
	w := nudgeWorld(t)
	env := w.env()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	var at22h, before46h, at46h int
	var nudgedAt time.Time
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	env.RegisterDelayedCallback(func() { at22h = w.nudgesSent() }, 22*time.Hour-time.Minute)
	env.RegisterDelayedCallback(func() {
		at22h = w.nudgesSent()*10 + at22h // before: 0, after: 1 → 10
		nudgedAt = queryState(t, env).NudgedFor
	}, 22*time.Hour+time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM2", "hello?", env.Now()))
	}, 23*time.Hour)
	env.RegisterDelayedCallback(func() { before46h = w.nudgesSent() }, 45*time.Hour-time.Minute)
	env.RegisterDelayedCallback(func() { at46h = w.nudgesSent() }, 45*time.Hour+time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, 46*time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if at22h != 10 {
		t.Errorf("nudges just before / after 22 h: %d / %d, want 0 / 1", at22h%10, at22h/10)
	}
	if !nudgedAt.Equal(start) {
		t.Errorf("nudged_for %v, want the first message's %v", nudgedAt, start)
	}
	if before46h != 1 || at46h != 2 {
		t.Errorf("nudges before / after 45 h: %d / %d, want 1 / 2", before46h, at46h)
	}
	if n := w.nudgesSent(); n != 2 {
		t.Errorf("%d nudges in all, want 2: %q", n, w.sentBodies())
	}
	w.checkNoErrorLogs()
}

// An agent's reply answers the customer: no nudge. The customer's next
// message, left unanswered, is nudged.
func TestWindowNudgeNotSentWhenTheAgentAnswered(t *testing.T) {
	w := nudgeWorld(t)
	env := w.env()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	var reply *outcome
	var afterFirst int
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	env.RegisterDelayedCallback(func() {
		reply = update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "agent:" + agentA, Text: "How can I help?"})
	}, time.Hour)
	env.RegisterDelayedCallback(func() { afterFirst = w.nudgesSent() }, 23*time.Hour)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM2", "my order", env.Now()))
	}, 23*time.Hour+time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, 46*time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if reply == nil || reply.err != nil {
		t.Fatalf("reply: %+v", reply)
	}
	if afterFirst != 0 {
		t.Errorf("%d nudges after an answered message, want 0", afterFirst)
	}
	if n := w.nudgesSent(); n != 1 {
		t.Errorf("%d nudges, want 1 (the unanswered second message): %q", n, w.sentBodies())
	}
	w.checkNoErrorLogs()
}

// A window Twilio already closed (63016) takes no free text: no nudge.
func TestWindowNudgeNotSentWhenTheWindowClosed(t *testing.T) {
	w := nudgeWorld(t)
	env := w.env()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	var mode string
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalDelivery, workflows.DeliveryUpdate{MessageID: uuid.NewString(), Status: domain.StatusFailed, ErrorCode: 63016})
	}, time.Hour)
	env.RegisterDelayedCallback(func() { mode = queryState(t, env).Mode }, 23*time.Hour)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, 23*time.Hour+time.Minute)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if mode != domain.ModeTemplateOnly {
		t.Fatalf("mode %q at 23 h, want template_only", mode)
	}
	if n := w.nudgesSent(); n != 0 {
		t.Errorf("%d nudges in a closed window: %q", n, w.sentBodies())
	}
	w.checkNoErrorLogs()
}

func delivered() workflows.DeliveryUpdate {
	return workflows.DeliveryUpdate{MessageID: uuid.NewString(), Status: domain.StatusDelivered}
}

// The nudge is sent once, at its time, while the conversation continues
// as new at every step.
func TestWindowNudgeAcrossContinueAsNew(t *testing.T) {
	workflows.ForceContinueAsNew(true)
	defer workflows.ForceContinueAsNew(false)
	w := nudgeWorld(t)
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	step := 0
	var last workflows.ConversationState
	var sentAt22h int
	runs, err := w.chain(w.input(), 40, func(env *testsuite.TestWorkflowEnvironment, run int) {
		script := []struct {
			at time.Time
			f  func()
		}{
			{start, func() { env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now())) }},
			// Delivery reports are steps of the main loop: each ends the run.
			{start.Add(time.Hour), func() { env.SignalWorkflow(workflows.SignalDelivery, delivered()) }},
			{start.Add(22*time.Hour + time.Minute), func() { sentAt22h = w.nudgesSent() }},
			{start.Add(22*time.Hour + 2*time.Minute), func() { env.SignalWorkflow(workflows.SignalDelivery, delivered()) }},
			{start.Add(23 * time.Hour), func() { last = queryState(t, env) }},
			{start.Add(23*time.Hour + time.Minute), func() {
				env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
			}},
		}
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
		t.Fatalf("after %d runs (script step %d): %v", runs, step, err)
	}
	if runs < 4 {
		t.Errorf("only %d runs: continue-as-new was not exercised", runs)
	}
	if sentAt22h != 1 || !last.NudgedFor.Equal(start) {
		t.Errorf("nudges at 22 h: %d, nudged_for %v", sentAt22h, last.NudgedFor)
	}
	if n := w.nudgesSent(); n != 1 {
		t.Errorf("nudge sent %d times, want 1: %q", n, w.sentBodies())
	}
	w.checkNoErrorLogs()
}
