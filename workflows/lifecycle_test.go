package workflows_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

const agentA, agentB = "00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000b1"

func withSurvey(w *world, wrapUp time.Duration) {
	w.settings.Workstream.WrapUp = domain.Duration(wrapUp)
	w.settings.Workstream.Survey = &domain.Survey{Enabled: true, Question: map[string]string{"en": "Rate us 1-5"}, Timeout: domain.Duration(10 * time.Minute)}
}

// A conversation from the customer's first message to the survey, every
// state saved in order through the transition table, the agent's capacity
// released once when the wrap-up ends.
func TestLifecycleFromFirstMessageToSurvey(t *testing.T) {
	w := newWorld(t)
	withSurvey(w, 5*time.Minute)
	w.assignOnEnqueue = agentA
	env := w.env()
	start := env.Now()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", start))
	}, 0)
	var sent, closed *outcome
	env.RegisterDelayedCallback(func() {
		sent = update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "agent:" + agentA, Text: "hi"})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		closed = update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, 2*time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM2", "5", env.Now()))
	}, 3*time.Minute)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if sent.err != nil || closed.err != nil {
		t.Fatalf("send %v, close %v", sent.err, closed.err)
	}
	id := w.saves[0].ID
	if got, want := w.states(id), []string{"queued", "assigned", "wrap_up", "survey", "closed"}; !slices.Equal(got, want) {
		t.Errorf("states %v, want %v", got, want)
	}
	if got, want := w.authorsSent(), []string{"system:Hello!", "system:An agent is here.", "agent:" + agentA + ":hi", "system:Bye.", "system:Rate us 1-5", "system:Thanks."}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
	if !slices.Equal(w.released, []string{id}) {
		t.Errorf("released %v, want once %s", w.released, id)
	}
	if last := w.saves[len(w.saves)-1]; last.SurveyScore != 5 || last.CloseReason != "resolved" {
		t.Errorf("closed as %+v", last)
	}
	w.checkNoErrorLogs()
}

// Continue-as-new after every step of the main loop: each run gets a burst
// of every signal and update kind at once, and ends by continuing as new.
// Nothing is lost: every customer message recorded once, in order; every
// update answered; every message handed to Twilio once, in order; the
// assignment, the transfer and the 63016 applied.
func TestContinueAsNewAtEveryStepLosesNothing(t *testing.T) {
	workflows.ForceContinueAsNew(true)
	defer workflows.ForceContinueAsNew(false)
	w := newWorld(t)
	var outcomes []*outcome
	var sends []string
	var unsent, raced string
	msg := 0
	nextMessage := func(env *testsuite.TestWorkflowEnvironment) {
		msg++
		env.SignalWorkflow(workflows.SignalInbound, customerMessage(fmt.Sprintf("SM%03d", msg), fmt.Sprintf("message %d", msg), env.Now()))
	}
	send := func(env *testsuite.TestWorkflowEnvironment, author string) {
		id := uuid.NewString()
		sends = append(sends, id)
		outcomes = append(outcomes, update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: id, Author: author, Text: "reply " + id[:4]}))
	}
	var conv string
	runs, err := w.chain(w.input(), 40, func(env *testsuite.TestWorkflowEnvironment, run int) {
		env.RegisterDelayedCallback(func() {
			switch run {
			case 0:
				nextMessage(env)
			case 1:
				conv = w.saves[0].ID
				w.current[conv] = agentA
				env.SignalWorkflow(workflows.SignalAssigned, workflows.AssignedSignal{ConversationID: conv, AgentID: agentA})
				nextMessage(env)
				nextMessage(env)
			case 2:
				// Racing the 63016 below: handed to Twilio before it
				// arrived, or failed with it, never both.
				raced = uuid.NewString()
				outcomes = append(outcomes, update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: raced, Author: "agent:" + agentA, Text: "racing"}))
				nextMessage(env)
				env.SignalWorkflow(workflows.SignalDelivery, workflows.DeliveryUpdate{MessageID: "x", Status: domain.StatusFailed, ErrorCode: 63016})
				// Accepted (the validator ran before the 63016 was applied)
				// but never sent: Twilio said the window is closed.
				id := uuid.NewString()
				unsent = id
				outcomes = append(outcomes, update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: id, Author: "admin", Text: "too late"}))
			case 3:
				nextMessage(env) // reopens the session
				send(env, "agent:"+agentA)
				outcomes = append(outcomes, update(env, workflows.UpdateTransfer, workflows.TransferRequest{AgentID: agentB, By: "agent:" + agentA}))
			case 4:
				send(env, "agent:"+agentB)
				env.SignalWorkflow(workflows.SignalTransfer, workflows.TransferRequest{QueueID: queue1, By: "operator"})
				nextMessage(env)
			case 5:
				outcomes = append(outcomes, update(env, workflows.UpdateAccept, workflows.AcceptRequest{AgentID: agentA}))
				nextMessage(env)
			case 6:
				send(env, "agent:"+agentA)
				env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "done", By: "operator"})
			}
		}, time.Second)
	})
	if err != nil {
		t.Fatalf("after %d runs: %v", runs, err)
	}
	if runs < 7 {
		t.Fatalf("only %d runs: continue-as-new was not forced", runs)
	}
	for i, o := range outcomes {
		if !o.done || o.err != nil {
			t.Errorf("update %d: done %v, err %v", i, o.done, o.err)
		}
	}
	want := make([]string, msg)
	for i := range want {
		want[i] = fmt.Sprintf("SM%03d", i+1)
	}
	if !slices.Equal(w.inbound, want) {
		t.Errorf("recorded %v, want %v", w.inbound, want)
	}
	for _, id := range sends {
		if n := w.countSent(id); n != 1 {
			t.Errorf("message %s handed to Twilio %d times (status %s)", id, n, w.messages[id].Status)
		}
	}
	if m, n := w.messages[raced], w.countSent(raced); n > 1 || (n == 0) != (m.Status == domain.StatusFailed && m.ErrorCode != nil && *m.ErrorCode == 63016) {
		t.Errorf("the message racing Twilio's 63016: %+v, sent %d times", m, n)
	}
	if m := w.messages[unsent]; w.countSent(unsent) != 0 || m.Status != domain.StatusFailed || m.ErrorCode == nil || *m.ErrorCode != 63016 {
		t.Errorf("the message queued as Twilio closed the window: %+v, sent %d times", m, w.countSent(unsent))
	}
	var order []string
	for _, id := range w.sent {
		if slices.Contains(sends, id) {
			order = append(order, id)
		}
	}
	if !slices.Equal(order, sends) {
		t.Errorf("agent messages went out in the order %v, accepted %v", order, sends)
	}
	last := w.saves[len(w.saves)-1]
	if last.State != domain.StateClosed || last.CloseReason != "done" {
		t.Errorf("ended as %+v", last)
	}
	if len(w.acks) == 0 || w.acks[0].AgentID != agentA {
		t.Errorf("the assignment was not acknowledged: %+v", w.acks)
	}
	w.checkNoErrorLogs()
}

// A chatty customer: 300 messages in bursts, agent replies interleaved,
// continue-as-new forced after every burst: every message recorded once,
// in order, and every reply sent once, in order.
func TestChattyCustomerAcrossContinueAsNew(t *testing.T) {
	workflows.ForceContinueAsNew(true)
	defer workflows.ForceContinueAsNew(false)
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	const total = 300
	sentIn := 0
	var replies []string
	runs, err := w.chain(w.input(), total+10, func(env *testsuite.TestWorkflowEnvironment, run int) {
		env.RegisterDelayedCallback(func() {
			if sentIn >= total {
				env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "done", By: "test"})
				return
			}
			for range 1 + run%5 {
				if sentIn < total {
					sentIn++
					env.SignalWorkflow(workflows.SignalInbound, customerMessage(fmt.Sprintf("SM%04d", sentIn), "m", env.Now()))
				}
			}
			if run > 0 && run%3 == 0 {
				id := uuid.NewString()
				replies = append(replies, id)
				update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: id, Author: "agent:" + agentA, Text: "r"})
			}
		}, time.Second)
	})
	if err != nil {
		t.Fatalf("after %d runs: %v", runs, err)
	}
	if len(w.inbound) != total {
		t.Fatalf("recorded %d of %d messages", len(w.inbound), total)
	}
	for i, sid := range w.inbound {
		if want := fmt.Sprintf("SM%04d", i+1); sid != want {
			t.Fatalf("message %d is %s, want %s", i, sid, want)
		}
	}
	var order []string
	for _, id := range w.sent {
		if slices.Contains(replies, id) {
			order = append(order, id)
		}
	}
	if !slices.Equal(order, replies) {
		t.Errorf("%d replies went out as %d, in order %v", len(replies), len(order), slices.Equal(order, replies))
	}
	w.checkNoErrorLogs()
}

// PostgreSQL down for three hours (test clock): the customer's message is
// recorded once it is back, nothing is skipped, and the workflow retries on
// Temporal's side (a regular activity) rather than in its task.
func TestDatabaseOutageOfHours(t *testing.T) {
	w := newWorld(t)
	env := w.env()
	start := env.Now()
	w.dbDownUntil = start.Add(3 * time.Hour)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", start))
	}, 0)
	env.RegisterDelayedCallback(func() {
		if len(w.inbound) != 0 {
			t.Error("recorded while the database was down")
		}
	}, 2*time.Hour)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "done", By: "test"})
	}, 4*time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.inbound, []string{"SM1"}) {
		t.Errorf("recorded %v", w.inbound)
	}
	if w.saves[0].State == "" || w.settings.Workstream == nil {
		t.Errorf("saved as %+v", w.saves[0])
	}
	// Three hours of attempts at most a minute apart, for the few calls
	// that were waiting: a few hundred, not the thousands a local
	// activity retrying every few seconds would make.
	if w.dbCalls > 1000 {
		t.Errorf("%d database attempts during a 3-hour outage", w.dbCalls)
	}
	w.checkNoErrorLogs()
}

// Request Cancellation (the Temporal UI's button) runs the normal closing
// sequence: the closed message, the capacity released, state closed with
// reason cancelled; the run ends cancelled.
func TestCancellationRunsTheClosingSequence(t *testing.T) {
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	env := w.env()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Minute)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); !isCanceled(err) {
		t.Fatalf("run ended with %v, want cancelled", err)
	}
	last := w.saves[len(w.saves)-1]
	if last.State != domain.StateClosed || last.CloseReason != workflows.ReasonCancelled {
		t.Errorf("ended as %+v", last)
	}
	if !slices.Equal(w.released, []string{last.ID}) {
		t.Errorf("released %v", w.released)
	}
	if got := w.authorsSent(); got[len(got)-1] != "system:Bye." {
		t.Errorf("sent %v, want the closed message last", got)
	}
	w.checkNoErrorLogs()
}

// An accept and a close in the same instant: whichever the main loop takes
// first, a closed conversation is never assigned and the capacity a claim
// took is released.
func TestAcceptRacingClose(t *testing.T) {
	for _, acceptFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("accept first %v", acceptFirst), func(t *testing.T) {
			w := newWorld(t)
			env := w.env()
			env.RegisterDelayedCallback(func() {
				env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
			}, 0)
			var accepted, closed *outcome
			env.RegisterDelayedCallback(func() {
				if acceptFirst {
					accepted = update(env, workflows.UpdateAccept, workflows.AcceptRequest{AgentID: agentA})
					closed = update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "spam", By: "admin"})
				} else {
					closed = update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "spam", By: "admin"})
					accepted = update(env, workflows.UpdateAccept, workflows.AcceptRequest{AgentID: agentA})
				}
			}, time.Minute)
			env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if closed.err != nil {
				t.Fatalf("close: %v", closed.err)
			}
			id := w.saves[0].ID
			if acceptFirst {
				if accepted.err != nil {
					t.Errorf("accept before the close: %v", accepted.err)
				}
			} else if appCode(accepted.err) != string(domain.CodeConversationClosed) {
				t.Errorf("accept after the close: %v, want CONVERSATION_CLOSED", accepted.err)
			}
			if w.current[id] != "" {
				t.Errorf("capacity still held by %s", w.current[id])
			}
			if states := w.states(id); states[len(states)-1] != domain.StateClosed {
				t.Errorf("states %v", states)
			}
			w.checkNoErrorLogs()
		})
	}
}

// Twilio down for an hour: the agent's message waits in the outbox, and
// meanwhile closing, transferring and accepting answer at once. The run
// ends only once the outbox is empty (the message given up on after the
// send timeout).
func TestTwilioOutageDoesNotHoldUpdates(t *testing.T) {
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	w.twilio = func(in activities.SendInput) (activities.SendOutput, error) {
		if w.messages[in.MessageID].Author == "agent:"+agentA {
			return activities.SendOutput{}, errors.New("twilio: 503 Service Unavailable")
		}
		return activities.SendOutput{}, nil
	}
	env := w.env()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	var sent, transferred, closed *outcome
	var transferredAt, closedAt time.Time
	env.RegisterDelayedCallback(func() {
		sent = update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: "m-stuck", Author: "agent:" + agentA, Text: "are you there?"})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		transferred = update(env, workflows.UpdateTransfer, workflows.TransferRequest{AgentID: agentB, By: "agent:" + agentA})
		transferredAt = env.Now()
	}, 2*time.Minute)
	env.RegisterDelayedCallback(func() {
		closed = update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "done", By: "agent:" + agentB})
		closedAt = env.Now()
	}, 3*time.Minute)
	env.RegisterDelayedCallback(func() {
		if !transferred.done || !closed.done {
			t.Errorf("updates held by the Twilio outage: transfer %v (sent at %s), close %v (sent at %s)",
				transferred.done, transferredAt.Format(time.TimeOnly), closed.done, closedAt.Format(time.TimeOnly))
		}
	}, 4*time.Minute)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if sent.err != nil || transferred.err != nil || closed.err != nil {
		t.Fatalf("send %v, transfer %v, close %v", sent.err, transferred.err, closed.err)
	}
	if m := w.messages["m-stuck"]; m.Status != domain.StatusFailed {
		t.Errorf("the stuck message ended %s, want failed", m.Status)
	}
	w.checkNoErrorLogs()
}

// Once a close is requested nobody writes in the conversation: an agent's
// send is refused, the workflow's own closing messages still go.
func TestSendsRefusedOnceCloseRequested(t *testing.T) {
	w := newWorld(t)
	withSurvey(w, 0)
	w.assignOnEnqueue = agentA
	env := w.env()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	var late *outcome
	env.RegisterDelayedCallback(func() {
		update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "done", By: "agent:" + agentA})
		late = update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "agent:" + agentA, Text: "one more thing"})
	}, time.Minute)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if appCode(late.err) != string(domain.CodeConversationClosed) {
		t.Errorf("send after close: %v, want CONVERSATION_CLOSED", late.err)
	}
	sent := w.authorsSent()
	if got := sent[len(sent)-2:]; !slices.Equal(got, []string{"system:Bye.", "system:Rate us 1-5"}) {
		t.Errorf("sent %v", sent)
	}
}

// A message the conversation already recorded, delivered again while it
// closes (the inbox's redelivery, a Twilio retry), opens no new
// conversation: the run just ends.
func TestDuplicateDuringClosingOpensNoGhost(t *testing.T) {
	w := newWorld(t)
	withSurvey(w, 0)
	env := w.env()
	first := customerMessage("SM1", "hello", env.Now())
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalInbound, first) }, 0)
	env.RegisterDelayedCallback(func() {
		update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "done", By: "admin"})
	}, time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalInbound, first) }, 2*time.Minute)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the run ended with %v (a continue-as-new is a ghost conversation)", err)
	}
	if !slices.Equal(w.inbound, []string{"SM1"}) {
		t.Errorf("recorded %v", w.inbound)
	}
}

// The capacity a closed conversation holds through its wrap-up is freed at
// the end of the wrap-up even though the customer wrote again meanwhile
// (the next conversation takes over), that next conversation continued as
// new and closed before the wrap-up ended.
func TestDelayedReleaseSurvivesTheNextConversation(t *testing.T) {
	workflows.ForceContinueAsNew(true)
	defer workflows.ForceContinueAsNew(false)
	w := newWorld(t)
	w.settings.Workstream.WrapUp = domain.Duration(30 * time.Minute)
	w.assignOnEnqueue = agentA
	var first string
	runs, err := w.chain(w.input(), 20, func(env *testsuite.TestWorkflowEnvironment, run int) {
		env.RegisterDelayedCallback(func() {
			switch run {
			case 0:
				env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
			case 1:
				first = w.saves[0].ID
				update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "done", By: "agent:" + agentA})
			case 2:
				w.assignOnEnqueue = ""
				env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM2", "one more question", env.Now()))
			case 3, 4:
				env.SignalWorkflow(workflows.SignalInbound, customerMessage(fmt.Sprintf("SM%d", run), "still here", env.Now()))
			case 5:
				env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "done", By: "operator"})
			}
		}, time.Second)
	})
	if err != nil {
		t.Fatalf("after %d runs: %v", runs, err)
	}
	if !slices.Contains(w.released, first) {
		t.Fatalf("the first conversation's capacity was never released: %v", w.released)
	}
	if n := len(slices.DeleteFunc(slices.Clone(w.released), func(id string) bool { return id != first })); n != 1 {
		t.Errorf("released %d times", n)
	}
	w.checkNoErrorLogs()
}

func isCanceled(err error) bool {
	var canceled *temporal.CanceledError
	return errors.As(err, &canceled)
}

// A send that reaches the workflow while it opens (the update arrives in
// the first workflow task with the customer's message, or the worker that
// ran that task died and the next replays it): the validator cannot know
// the window yet, so the send waits for the opening instead of being
// refused as "the customer has not written yet". Seen with replicas.
func TestSendDuringOpeningWaitsForTheWindow(t *testing.T) {
	w := newWorld(t)
	env := w.env()
	start := env.Now()
	var sent, early *outcome
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", start))
		sent = update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "admin", Text: "hi"})
	}, 0)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "done", By: "operator"})
	}, time.Minute)
	// Before any customer message, a free-form send is still refused.
	w2 := newWorld(t)
	env2 := w2.env()
	env2.RegisterDelayedCallback(func() {
		early = update(env2, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "admin", Text: "too early"})
	}, time.Second)
	env2.RegisterDelayedCallback(func() {
		env2.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "done", By: "operator"})
	}, time.Minute)

	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if sent == nil || !sent.done || sent.err != nil {
		t.Fatalf("send during the opening: %+v", sent)
	}
	if got := w.authorsSent(); !slices.Contains(got, "admin:hi") {
		t.Errorf("sent %v, want the admin's message", got)
	}
	env2.ExecuteWorkflow(workflows.ConversationWorkflowName, w2.input())
	if early == nil || appCode(early.err) != string(domain.CodeWindowClosed) {
		t.Fatalf("free-form send before the customer wrote: %+v", early)
	}
}
