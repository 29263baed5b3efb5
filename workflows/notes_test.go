package workflows_test

import (
	"slices"
	"strings"
	"testing"
	"time"

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
