package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// An agent's interactive message inside the window is stored with what it
// offers and handed to the send activity with its buttons (which creates
// the Content SID); a malformed one is refused UNSENDABLE naming the field,
// with text it is INVALID_ARGUMENT, and once the window closed it is
// refused like text.
func TestInteractiveSendInsideTheWindowOnly(t *testing.T) {
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	var handed []activities.SendInput
	w.twilio = func(in activities.SendInput) (activities.SendOutput, error) {
		handed = append(handed, in)
		return activities.SendOutput{}, nil
	}
	env := w.env()
	buttons := &domain.Interactive{Type: domain.InteractiveButtons, Body: "Which size?", Options: []domain.InteractiveOption{
		{ID: "s", Title: "Small"}, {ID: "m", Title: "Medium"}}}
	tooMany := &domain.Interactive{Type: domain.InteractiveButtons, Body: "?", Options: []domain.InteractiveOption{
		{ID: "a", Title: "A"}, {ID: "b", Title: "B"}, {ID: "c", Title: "C"}, {ID: "d", Title: "D"}}}
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	var sent, invalid, withText, closed *outcome
	env.RegisterDelayedCallback(func() {
		sent = update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: "i-1", Author: "agent:" + agentA, Interactive: buttons})
		invalid = update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: "i-2", Author: "agent:" + agentA, Interactive: tooMany})
		withText = update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: "i-3", Author: "agent:" + agentA, Text: "x", Interactive: buttons})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		closed = update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: "i-4", Author: "agent:" + agentA, Interactive: buttons})
		update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, 25*time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if sent.err != nil {
		t.Fatalf("interactive send: %v", sent.err)
	}
	stored := w.messages["i-1"]
	if stored.Body != "Which size?" || stored.Interactive == nil || len(stored.Interactive.Options) != 2 || stored.Interactive.Options[1].ID != "m" {
		t.Fatalf("stored: %+v", stored)
	}
	var in *activities.SendInput
	for i := range handed {
		if handed[i].MessageID == "i-1" {
			in = &handed[i]
		}
	}
	if in == nil || in.Interactive == nil || in.Interactive.Hash() != buttons.Hash() || in.ContentSID != "" {
		t.Fatalf("handed to the send activity: %+v", in)
	}
	if appCode(invalid.err) != string(domain.CodeUnsendable) || !strings.Contains(invalid.err.Error(), "interactive.options: 4 buttons") {
		t.Errorf("four buttons: %v", invalid.err)
	}
	if appCode(withText.err) != string(domain.CodeInvalid) {
		t.Errorf("interactive with text: %v", withText.err)
	}
	if appCode(closed.err) != string(domain.CodeWindowClosed) {
		t.Errorf("after the window: %v", closed.err)
	}
	for _, id := range []string{"i-2", "i-3", "i-4"} {
		if _, ok := w.messages[id]; ok {
			t.Errorf("refused %s was stored", id)
		}
	}
	w.checkNoErrorLogs()
}
