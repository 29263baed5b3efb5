package workflows_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

const surveyTemplateID = "00000000-0000-0000-0000-00000000t001"

// withSurveyTemplate gives the survey a template for after the window.
func withSurveyTemplate(w *world, wrapUp time.Duration) {
	withSurvey(w, wrapUp)
	id := surveyTemplateID
	w.settings.Workstream.Survey.TemplateID = &id
	w.surveyTemplate = activities.SurveyTemplate{
		Template: &domain.TemplateUse{Name: "csat", Language: "en", ContentSID: "HX0123456789abcdef0123456789abcdef"},
		Body:     "How did we do? Answer 1-5",
	}
}

// lateClose scripts a conversation that an agent closes after the 24-hour
// window closed: the customer writes at 0, the agent answers, the agent
// closes at 25 h.
func lateClose(env *testsuite.TestWorkflowEnvironment) {
	start := env.Now()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", start))
	}, 0)
	env.RegisterDelayedCallback(func() {
		update(env, workflows.UpdateSend, workflows.SendRequest{MessageID: uuid.NewString(), Author: "agent:" + agentA, Text: "hi"})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, 25*time.Hour)
}

// The window has closed when the agent closes: the survey goes as the
// workstream's template (the only thing WhatsApp lets through), the
// customer's answer reopens the window, is scored as the survey's answer
// and thanked in free text; no next conversation starts.
func TestSurveyTemplateAfterTheWindow(t *testing.T) {
	w := newWorld(t)
	withSurveyTemplate(w, 0)
	w.assignOnEnqueue = agentA
	env := w.env()
	lateClose(env)
	env.RegisterDelayedCallback(func() {
		if st := queryState(t, env); st.State != domain.StateSurvey || st.Mode != domain.ModeTemplateOnly {
			t.Errorf("before the answer: state %s mode %s, want survey in template_only", st.State, st.Mode)
		}
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM2", "4", env.Now()))
	}, 25*time.Hour+5*time.Minute)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the run ended with %v (a continue-as-new is a next conversation)", err)
	}
	if len(w.surveyTemplateAsks) != 1 || w.surveyTemplateAsks[0].TemplateID != surveyTemplateID {
		t.Errorf("survey template asked %+v", w.surveyTemplateAsks)
	}
	sent := w.authorsSent()
	if got, want := sent[len(sent)-2:], []string{"system:How did we do? Answer 1-5", "system:Thanks."}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want it to end with %v", sent, want)
	}
	if slices.Contains(sent, "system:Bye.") || slices.Contains(sent, "system:Rate us 1-5") {
		t.Errorf("free text went out while the window was closed: %v", sent)
	}
	survey := w.sentMessage("How did we do? Answer 1-5")
	if survey.Template == nil || survey.Template.Name != "csat" || survey.Template.ContentSID == "" {
		t.Errorf("the survey was not sent as the template: %+v", survey)
	}
	id := w.saves[0].ID
	if got, want := w.states(id), []string{"queued", "assigned", "survey", "closed"}; !slices.Equal(got, want) {
		t.Errorf("states %v, want %v", got, want)
	}
	if !slices.Equal(w.inbound, []string{"SM1", "SM2"}) {
		t.Errorf("recorded %v", w.inbound)
	}
	last := w.saves[len(w.saves)-1]
	if last.ID != id || last.SurveyScore != 4 || last.State != domain.StateClosed || last.Mode != domain.ModeSession {
		t.Errorf("closed as %+v", last)
	}
	w.checkNoErrorLogs()
}

// Without a template the survey is skipped after the window, as before.
func TestNoSurveyTemplateSkipsTheSurveyAfterTheWindow(t *testing.T) {
	w := newWorld(t)
	withSurvey(w, 0)
	w.assignOnEnqueue = agentA
	env := w.env()
	lateClose(env)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(w.surveyTemplateAsks) != 0 {
		t.Errorf("survey template asked %+v", w.surveyTemplateAsks)
	}
	if got, want := w.authorsSent(), []string{"system:Hello!", "system:An agent is here.", "agent:" + agentA + ":hi"}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
	id := w.saves[0].ID
	if got, want := w.states(id), []string{"queued", "assigned", "closed"}; !slices.Equal(got, want) {
		t.Errorf("states %v, want %v", got, want)
	}
	w.checkNoErrorLogs()
}

// A template that cannot be sent any more (LoadSurveyTemplate says why)
// skips the survey too.
func TestUnsendableSurveyTemplateSkipsTheSurvey(t *testing.T) {
	w := newWorld(t)
	withSurveyTemplate(w, 0)
	w.surveyTemplate = activities.SurveyTemplate{Skipped: "the survey template was deleted"}
	w.assignOnEnqueue = agentA
	env := w.env()
	lateClose(env)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(w.surveyTemplateAsks) != 1 {
		t.Errorf("survey template asked %+v", w.surveyTemplateAsks)
	}
	if got := w.states(w.saves[0].ID); slices.Contains(got, "survey") {
		t.Errorf("states %v: a survey without a question", got)
	}
}

// The customer answers after the survey's timeout, while the agent's
// wrap-up still holds the run: the survey is over, so the message opens
// the next conversation (continue-as-new), as with the in-window survey.
func TestAnswerAfterSurveyTemplateTimeoutStartsANewConversation(t *testing.T) {
	w := newWorld(t)
	withSurveyTemplate(w, time.Hour)
	w.assignOnEnqueue = agentA
	var first string
	runs, err := w.chain(w.input(), 3, func(env *testsuite.TestWorkflowEnvironment, run int) {
		switch run {
		case 0:
			lateClose(env)
			env.RegisterDelayedCallback(func() {
				env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM2", "4", env.Now()))
			}, 25*time.Hour+20*time.Minute) // the survey timed out at 25 h 10 min
		case 1:
			env.RegisterDelayedCallback(func() {
				update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "done", By: "admin"})
			}, time.Minute)
		}
		if run == 0 {
			env.RegisterDelayedCallback(func() { first = queryState(t, env).ConversationID }, time.Minute)
		}
	})
	if err != nil || runs != 2 {
		t.Fatalf("%d runs, error %v; want the answer to open a second conversation", runs, err)
	}
	var firstScore int
	var second string
	for _, s := range w.saves {
		if s.ID == first {
			firstScore = max(firstScore, s.SurveyScore)
		} else if second == "" {
			second = s.ID
		}
	}
	if firstScore != 0 {
		t.Errorf("the late answer was scored %d on the first conversation", firstScore)
	}
	if second == "" || !slices.Contains(w.states(first), "survey") {
		t.Fatalf("first %s states %v, second %q", first, w.states(first), second)
	}
	if w.inboxIn["SM2"] != second || w.inboxIn["SM1"] != first {
		t.Errorf("SM1 recorded in %s, SM2 in %s; want %s then %s", w.inboxIn["SM1"], w.inboxIn["SM2"], first, second)
	}
	w.checkNoErrorLogs()
}

// While the patch is dormant (an older worker still polls) the survey is
// skipped after the window, as older workers do.
func TestSurveyTemplateDormantSkipsTheSurvey(t *testing.T) {
	w := newWorld(t)
	withSurveyTemplate(w, 0)
	w.assignOnEnqueue = agentA
	env := w.env()
	env.OnGetVersion(workflows.PatchSurveyTemplate, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	lateClose(env)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(w.surveyTemplateAsks) != 0 || slices.Contains(w.states(w.saves[0].ID), "survey") {
		t.Errorf("a dormant patch ran the survey: asked %+v, states %v", w.surveyTemplateAsks, w.states(w.saves[0].ID))
	}
}
