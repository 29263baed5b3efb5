package workflows_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// Notes go through the workflow: stored in the transcript as internal
// messages, counted in the conversation's state and details, never handed
// to Twilio; the same note delivered twice is stored once; a note after a
// close, or without text, is refused.
func TestNotesAreStoredNeverSent(t *testing.T) {
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	env := w.env()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	var byAgent, bySupervisor, again, empty, afterClose *outcome
	var details string
	var state workflows.ConversationState
	env.RegisterDelayedCallback(func() {
		byAgent = update(env, workflows.UpdateNote, workflows.NoteRequest{NoteID: "n-1", Author: "agent:" + agentA, Text: "VIP customer"})
		bySupervisor = update(env, workflows.UpdateNote, workflows.NoteRequest{NoteID: "n-2", Author: "supervisor:s1", Text: "  offer the refund  "})
		again = update(env, workflows.UpdateNote, workflows.NoteRequest{NoteID: "n-1", Author: "agent:" + agentA, Text: "VIP customer"})
		empty = update(env, workflows.UpdateNote, workflows.NoteRequest{NoteID: "n-3", Author: "agent:" + agentA, Text: " "})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryState)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Get(&state); err != nil {
			t.Fatal(err)
		}
		details = workflows.Details(state, env.Now())
		update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "closed_by_supervisor", By: "supervisor:s1"})
		afterClose = update(env, workflows.UpdateNote, workflows.NoteRequest{NoteID: "n-4", Author: "supervisor:s1", Text: "too late"})
	}, 2*time.Minute)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]*outcome{"agent": byAgent, "supervisor": bySupervisor, "again": again} {
		if o.err != nil {
			t.Fatalf("note by %s: %v", name, o.err)
		}
	}
	stored, ok := bySupervisor.raw.(domain.Message)
	if !ok || stored.Body != "offer the refund" || !stored.Note ||
		stored.Direction != domain.Internal || stored.Status != domain.StatusNote {
		t.Fatalf("the supervisor's note: %#v", bySupervisor.raw)
	}
	if appCode(empty.err) != string(domain.CodeInvalid) {
		t.Errorf("empty note: %v, want INVALID_ARGUMENT", empty.err)
	}
	if appCode(afterClose.err) != string(domain.CodeConversationClosed) {
		t.Errorf("note after close: %v, want CONVERSATION_CLOSED", afterClose.err)
	}
	if state.NoteCount != 3 || state.LastNoteBy != "agent:"+agentA {
		// n-1 twice: the workflow counts each update it answered; the row is one.
		t.Errorf("state: %d notes, last by %q", state.NoteCount, state.LastNoteBy)
	}
	notes := 0
	for _, m := range w.messages {
		if m.Note {
			notes++
		}
	}
	if notes != 2 {
		t.Errorf("%d note rows, want 2 (n-1 once, n-2)", notes)
	}
	for _, id := range []string{"n-1", "n-2"} {
		if slices.Contains(w.sent, id) {
			t.Errorf("note %s was handed to Twilio: %v", id, w.sent)
		}
	}
	if !strings.Contains(details, "internal notes: 3 (last by agent:"+agentA+")") {
		t.Errorf("details do not count the notes:\n%s", details)
	}
	if last := w.saves[len(w.saves)-1]; last.CloseReason != "closed_by_supervisor" || last.ClosedBy != "supervisor:s1" {
		t.Errorf("closed as %+v", last)
	}
	w.checkNoErrorLogs()
}

// Notes arriving in the same task as messages and sends, with
// continue-as-new forced after each step: every note answered, stored
// once, never handed to Twilio, and the count carried across runs.
func TestNotesAcrossContinueAsNew(t *testing.T) {
	workflows.ForceContinueAsNew(true)
	defer workflows.ForceContinueAsNew(false)
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	var outcomes []*outcome
	var last workflows.ConversationState
	runs, err := w.chain(w.input(), 20, func(env *testsuite.TestWorkflowEnvironment, run int) {
		env.RegisterDelayedCallback(func() {
			switch run {
			case 0:
				env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
			case 1:
				outcomes = append(outcomes,
					update(env, workflows.UpdateNote, workflows.NoteRequest{NoteID: "n-1", Author: "agent:" + agentA, Text: "first"}),
					update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: "r-1", Author: "agent:" + agentA, Text: "reply"}))
				env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM2", "again", env.Now()))
			case 2:
				env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM3", "and again", env.Now()))
				outcomes = append(outcomes,
					update(env, workflows.UpdateNote, workflows.NoteRequest{NoteID: "n-2", Author: "supervisor:s1", Text: "second"}),
					// n-1 redelivered after continue-as-new: answered, stored once.
					update(env, workflows.UpdateNote, workflows.NoteRequest{NoteID: "n-1", Author: "agent:" + agentA, Text: "first"}))
			case 3:
				if v, err := env.QueryWorkflow(workflows.QueryState); err == nil {
					_ = v.Get(&last)
				}
				env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "done", By: "operator"})
			}
		}, time.Second)
	})
	if err != nil {
		t.Fatalf("after %d runs: %v", runs, err)
	}
	if runs < 4 {
		t.Fatalf("only %d runs: continue-as-new was not forced", runs)
	}
	for i, o := range outcomes {
		if !o.done || o.err != nil {
			t.Errorf("update %d: done %v, err %v", i, o.done, o.err)
		}
	}
	notes := map[string]int{}
	for id, m := range w.messages {
		if m.Note {
			notes[id]++
		}
	}
	if len(notes) != 2 || notes["n-1"] != 1 || notes["n-2"] != 1 {
		t.Errorf("note rows %v, want n-1 and n-2 once each", notes)
	}
	for _, id := range []string{"n-1", "n-2"} {
		if slices.Contains(w.sent, id) {
			t.Errorf("note %s was handed to Twilio: %v", id, w.sent)
		}
	}
	if w.countSent("r-1") != 1 {
		t.Errorf("the reply was handed to Twilio %d times", w.countSent("r-1"))
	}
	if last.NoteCount != 3 || last.LastNoteBy != "agent:"+agentA {
		t.Errorf("state after the notes: %d notes, last by %q (continue-as-new dropped the count?)", last.NoteCount, last.LastNoteBy)
	}
	if !slices.Equal(w.inbound, []string{"SM1", "SM2", "SM3"}) {
		t.Errorf("recorded %v", w.inbound)
	}
	w.checkNoErrorLogs()
}
