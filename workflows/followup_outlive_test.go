package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// followupRows is scheduled_followups in memory (activities.FollowupStore):
// the real CheckFollowup and FinishFollowup run on it.
type followupRows struct {
	mu    sync.Mutex
	rows  map[string]domain.OutlivedFollowup
	wrote []time.Time // the customer's messages to the number
}

func newFollowupRows() *followupRows {
	return &followupRows{rows: map[string]domain.OutlivedFollowup{}}
}

func (s *followupRows) SaveOutlivedFollowup(_ context.Context, f domain.OutlivedFollowup) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rows[f.ID]; !ok {
		f.Status = workflows.FollowupScheduled
		s.rows[f.ID] = f
	}
	return nil
}

func (s *followupRows) OutlivedFollowup(_ context.Context, id string) (domain.OutlivedFollowup, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.rows[id]
	if !ok {
		return f, domain.Errorf(domain.CodeNotFound, "scheduled message not found")
	}
	return f, nil
}

func (s *followupRows) FinishOutlivedFollowup(_ context.Context, id, status, messageID, note string) (domain.OutlivedFollowup, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.rows[id]
	if !ok {
		return f, domain.Errorf(domain.CodeNotFound, "scheduled message not found")
	}
	if f.Status == workflows.FollowupScheduled || f.Status == domain.FollowupSending {
		f.Status, f.Note = status, note
		if messageID != "" {
			f.MessageID = &messageID
		}
		s.rows[id] = f
	}
	return f, nil
}

func (s *followupRows) ClaimOutlivedFollowup(_ context.Context, id string) (domain.OutlivedFollowup, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.rows[id]
	if !ok {
		return f, domain.Errorf(domain.CodeNotFound, "scheduled message not found")
	}
	if f.Status == workflows.FollowupScheduled {
		f.Status = domain.FollowupSending
		s.rows[id] = f
	}
	return f, nil
}

func (s *followupRows) CustomerWroteSince(_ context.Context, _, _ string, since time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, at := range s.wrote {
		if at.After(since) {
			return true, nil
		}
	}
	return false, nil
}

func (s *followupRows) get(id string) domain.OutlivedFollowup {
	f, _ := s.OutlivedFollowup(context.Background(), id)
	return f
}

// outliveEnv is the world's environment with the Followup workflow and
// its activities on rows.
func (w *world) outliveEnv(rows *followupRows) *testsuite.TestWorkflowEnvironment {
	env := w.env()
	env.RegisterWorkflowWithOptions(workflows.Followup, workflow.RegisterOptions{Name: workflows.FollowupWorkflowName})
	real := &activities.Activities{Followups: rows}
	var a *activities.Activities
	env.OnActivity(a.SaveOutlivedFollowup, mock.Anything, mock.Anything).Return(real.SaveOutlivedFollowup)
	env.OnActivity(a.CheckFollowup, mock.Anything, mock.Anything).Return(real.CheckFollowup)
	env.OnActivity(a.FinishFollowup, mock.Anything, mock.Anything).Return(real.FinishFollowup)
	return env
}

var reminder = &domain.TemplateUse{Name: "reminder", Language: "en", Variables: []string{"Marie"}}

// At the close, a follow-up marked outlive_close is stored and handed to
// its own Followup workflow (followup:<id>) with everything it needs to
// send; the others are cancelled as before. outlive_close without a
// template is refused before history.
func TestOutliveCloseHandsTheFollowupToItsWorkflow(t *testing.T) {
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	rows := newFollowupRows()
	env := w.outliveEnv(rows)
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	var started []workflows.FollowupInput
	env.OnWorkflow(workflows.FollowupWorkflowName, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in workflows.FollowupInput) (workflows.FollowupResult, error) {
			if id := workflow.GetInfo(ctx).WorkflowExecution.ID; id != workflows.FollowupWorkflowID(in.ScheduleID) {
				t.Errorf("child workflow id %q", id)
			}
			started = append(started, in)
			return workflows.FollowupResult{Status: workflows.FollowupSent}, nil
		})
	sendAt := start.Add(72 * time.Hour)
	var answers []*outcome
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	env.RegisterDelayedCallback(func() {
		outlive := followup("in-3-days", sendAt, "")
		outlive.Text, outlive.Template, outlive.TemplateBody = "", reminder, "Hi Marie, a reminder."
		outlive.OutliveClose, outlive.CancelOnCustomerReply = true, true
		noTemplate := followup("no-template", sendAt, "Still there?")
		noTemplate.OutliveClose = true
		answers = append(answers,
			update(env, workflows.UpdateSchedule, outlive),
			update(env, workflows.UpdateSchedule, followup("plain", sendAt, "not after the close")),
			update(env, workflows.UpdateSchedule, noTemplate))
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(answers) != 3 || answers[0].err != nil || answers[1].err != nil {
		t.Fatalf("schedule: %+v", answers)
	}
	if appCode(answers[2].err) != string(domain.CodeUnprocessable) {
		t.Errorf("outlive_close without a template: %v", answers[2].err)
	}
	if len(started) != 1 {
		t.Fatalf("%d Followup workflows started, want 1: %+v", len(started), started)
	}
	in := started[0]
	conv := w.saves[0].ID
	if in.ScheduleID != "in-3-days" || in.ConversationID != conv || in.AccountID != "acc" || in.NumberID != "num" ||
		in.NumberE164 != ourNumber || in.CustomerE164 != customer || !in.SendAt.Equal(sendAt) ||
		in.Template == nil || in.Template.Name != "reminder" || in.TemplateBody != "Hi Marie, a reminder." ||
		!in.CancelOnCustomerReply || !in.ClosedAt.Equal(start.Add(time.Hour)) {
		t.Errorf("Followup input: %+v", in)
	}
	if f := rows.get("in-3-days"); f.Status != workflows.FollowupScheduled || f.WorkflowID != "followup:in-3-days" || f.ConversationID != conv {
		t.Errorf("stored row: %+v", f)
	}
	final := queryState(t, env)
	for id, want := range map[string]string{"in-3-days": workflows.FollowupOutlived, "plain": workflows.FollowupCancelled} {
		if f := scheduled(t, final, id); f.Status != want {
			t.Errorf("%s: %+v, want %s", id, f, want)
		}
	}
	w.checkNoErrorLogs()
}

// outlived is a Followup input three days after a close at start.
func outlived(id string, start time.Time) workflows.FollowupInput {
	return workflows.FollowupInput{
		ScheduleID: id, ConversationID: "00000000-0000-0000-0000-00000000c001", AccountID: "acc", NumberID: "num",
		NumberE164: ourNumber, CustomerE164: customer, Author: "agent:" + agentA,
		SendAt: start.Add(72 * time.Hour), Template: reminder, TemplateBody: "Hi Marie, a reminder.",
		CancelOnCustomerReply: true, ClosedAt: start,
	}
}

func runFollowup(t *testing.T, w *world, rows *followupRows, in workflows.FollowupInput, script func(env *testsuite.TestWorkflowEnvironment)) workflows.FollowupResult {
	t.Helper()
	env := w.outliveEnv(rows)
	env.SetStartTime(in.ClosedAt)
	_ = rows.SaveOutlivedFollowup(context.Background(), domain.OutlivedFollowup{ID: in.ScheduleID, ConversationID: in.ConversationID})
	if script != nil {
		script(env)
	}
	env.ExecuteWorkflow(workflows.FollowupWorkflowName, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res workflows.FollowupResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

// After the close, the outlived follow-up waits until send_at and goes
// out as its template, recorded sent with its message.
func TestOutlivedFollowupSentByTemplate(t *testing.T) {
	w := newWorld(t)
	rows := newFollowupRows()
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	in := outlived("sent", start)
	var sentAt time.Time
	res := runFollowup(t, w, rows, in, func(env *testsuite.TestWorkflowEnvironment) {
		w.twilio = func(activities.SendInput) (activities.SendOutput, error) {
			sentAt = env.Now()
			return activities.SendOutput{}, nil
		}
	})
	if res.Status != workflows.FollowupSent || res.MessageID == "" {
		t.Fatalf("result %+v", res)
	}
	if got := w.sentBodies(); !equal(got, []string{"template:reminder"}) {
		t.Errorf("sent %q", got)
	}
	if !sentAt.Equal(in.SendAt) {
		t.Errorf("sent at %v, want %v", sentAt, in.SendAt)
	}
	m := w.messages[res.MessageID]
	if m.ConversationID != in.ConversationID || m.Author != in.Author || m.Body != "Hi Marie, a reminder." {
		t.Errorf("message %+v", m)
	}
	if f := rows.get("sent"); f.Status != workflows.FollowupSent || f.MessageID == nil || *f.MessageID != res.MessageID {
		t.Errorf("row %+v", f)
	}
}

// The customer wrote to the number after the close (a new conversation):
// the follow-up marked cancel_on_customer_reply is cancelled, not sent.
func TestOutlivedFollowupCancelledByTheCustomer(t *testing.T) {
	w := newWorld(t)
	rows := newFollowupRows()
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	rows.wrote = []time.Time{start.Add(-time.Hour)} // before the close: does not count
	res := runFollowup(t, w, rows, outlived("nudge", start), func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterDelayedCallback(func() {
			rows.mu.Lock()
			rows.wrote = append(rows.wrote, env.Now())
			rows.mu.Unlock()
		}, 30*time.Hour)
	})
	if res.Status != workflows.FollowupCancelled || res.Note != "the customer replied" {
		t.Fatalf("result %+v", res)
	}
	if f := rows.get("nudge"); f.Status != workflows.FollowupCancelled {
		t.Errorf("row %+v", f)
	}
	if len(w.sent) != 0 {
		t.Errorf("sent %q", w.sentBodies())
	}

	// Without cancel_on_customer_reply, the same reply does not stop it.
	w = newWorld(t)
	rows = newFollowupRows()
	rows.wrote = []time.Time{start.Add(time.Hour)}
	in := outlived("reminder", start)
	in.CancelOnCustomerReply = false
	if res := runFollowup(t, w, rows, in, nil); res.Status != workflows.FollowupSent {
		t.Errorf("without cancel_on_customer_reply: %+v", res)
	}
}

// An agent cancels the follow-up after the close (DELETE marks its row
// cancelled): at send_at the Followup workflow reads it and sends nothing.
func TestOutlivedFollowupCancelledByAnAgent(t *testing.T) {
	w := newWorld(t)
	rows := newFollowupRows()
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	res := runFollowup(t, w, rows, outlived("withdrawn", start), func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterDelayedCallback(func() {
			if _, err := rows.FinishOutlivedFollowup(context.Background(), "withdrawn", workflows.FollowupCancelled, "", "cancelled by agent:"+agentA); err != nil {
				t.Error(err)
			}
		}, 24*time.Hour)
	})
	if res.Status != workflows.FollowupCancelled || res.Note != "cancelled by agent:"+agentA {
		t.Fatalf("result %+v", res)
	}
	if len(w.sent) != 0 {
		t.Errorf("sent %q", w.sentBodies())
	}
}

// A customer erasure signals close: the Followup workflow ends at once,
// without sending.
func TestOutlivedFollowupEndedByErasure(t *testing.T) {
	w := newWorld(t)
	rows := newFollowupRows()
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var endedAt time.Time
	var env *testsuite.TestWorkflowEnvironment
	res := runFollowup(t, w, rows, outlived("erased", start), func(e *testsuite.TestWorkflowEnvironment) {
		env = e
		e.RegisterDelayedCallback(func() {
			e.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: workflows.ReasonCustomerErased, By: "erasure"})
		}, time.Hour)
	})
	endedAt = env.Now()
	if res.Status != workflows.FollowupCancelled || !endedAt.Before(start.Add(2*time.Hour)) {
		t.Fatalf("result %+v at %v", res, endedAt)
	}
	if len(w.sent) != 0 {
		t.Errorf("sent %q", w.sentBodies())
	}
}

// While followups-outlive-1 is dormant (older workers poll), a schedule
// with outlive_close answers UNAVAILABLE, and nothing is handed over.
func TestOutliveCloseDormant(t *testing.T) {
	w := newWorld(t)
	w.assignOnEnqueue = agentA
	env := w.outliveEnv(newFollowupRows())
	env.OnGetVersion(workflows.PatchFollowupsOutlive, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	var answer *outcome
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	env.RegisterDelayedCallback(func() {
		f := followup("later", start.Add(72*time.Hour), "")
		f.Text, f.Template, f.TemplateBody, f.OutliveClose = "", reminder, "Hi", true
		answer = update(env, workflows.UpdateSchedule, f)
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent:" + agentA})
	}, time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if answer == nil || appCode(answer.err) != string(domain.CodeUnavailable) {
		t.Fatalf("schedule while dormant: %+v", answer)
	}
	if st := queryState(t, env); len(st.Scheduled) != 0 {
		t.Errorf("kept %+v", st.Scheduled)
	}
}

// Twilio refuses the template: the follow-up is recorded failed, with
// its message, and not retried.
func TestOutlivedFollowupRefusedByTwilio(t *testing.T) {
	w := newWorld(t)
	rows := newFollowupRows()
	w.twilio = func(activities.SendInput) (activities.SendOutput, error) {
		return activities.SendOutput{ErrorCode: 63016}, nil
	}
	res := runFollowup(t, w, rows, outlived("refused", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)), nil)
	if res.Status != domain.FollowupFailed || res.MessageID == "" {
		t.Fatalf("result %+v", res)
	}
	if f := rows.get("refused"); f.Status != domain.FollowupFailed || f.Note == "" {
		t.Errorf("row %+v", f)
	}
	if len(w.sent) != 1 {
		t.Errorf("handed to Twilio %d times", len(w.sent))
	}
}
