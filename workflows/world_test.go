package workflows_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// world is an in-memory stand-in for everything the conversation workflow
// reaches through activities (PostgreSQL, the dispatcher, Twilio, the
// bot), for the fast workflow tests: every activity is mocked with
// env.OnActivity and records what it was asked. It outlives the runs of a
// conversation, as the database does.
type world struct {
	t  *testing.T
	mu sync.Mutex

	settings activities.ConversationSettings
	saves    []domain.ConversationRecord
	inbound  []string          // MessageSids recorded, in order
	inboxIDs map[string]string // MessageSid -> transcript id
	inboxIn  map[string]string // MessageSid -> the conversation that recorded it first
	messages map[string]domain.Message
	sent     []string // message ids handed to Twilio, in order
	enqueued []activities.EnqueueInput
	released []string
	claims   []activities.ClaimInput
	acks     []activities.AckAssignmentInput
	// assignOnEnqueue is the agent the dispatcher gives a conversation the
	// moment it is queued ("": it waits).
	assignOnEnqueue string
	// current is the dispatcher's assignment per conversation.
	current map[string]string
	// dbDownUntil fails every database activity until then (workflow time).
	dbDownUntil time.Time
	dbCalls     int
	// twilio answers a send (nil: accepted with a made-up SID).
	twilio func(in activities.SendInput) (activities.SendOutput, error)
	// errors logged by the workflow at error level (IllegalTransitionMessage...)
	errorLogs []string
	// surveyTemplate answers LoadSurveyTemplate; surveyTemplateAsks
	// records what it was asked.
	surveyTemplate     activities.SurveyTemplate
	surveyTemplateAsks []activities.SurveyTemplateInput
	// bot answers AskBot (nil: an empty answer); botAsked records the
	// messages the bot was given.
	bot      func(activities.AskBotInput) (domain.BotReply, error)
	botAsked []string
}

func newWorld(t *testing.T) *world {
	q := "00000000-0000-0000-0000-0000000000q1"
	ws := &domain.Workstream{
		ID: "00000000-0000-0000-0000-0000000000w1", Name: "Support", Language: "en",
		Distribution: domain.DistributionPush, CapacityPerConversation: 1, DefaultQueueID: &q,
		AutomatedMessages: map[string]map[string]string{"en": {
			domain.MsgGreeting: "Hello!", domain.MsgQueued: "Please wait.", domain.MsgAgentAssigned: "An agent is here.",
			domain.MsgConversationClosed: "Bye.", domain.MsgSurveyThanks: "Thanks.",
		}},
		Attachments: domain.Attachments{Customer: true, Agent: true},
	}
	return &world{
		t: t, settings: activities.ConversationSettings{NumberE164: ourNumber, Workstream: ws},
		inboxIDs: map[string]string{}, inboxIn: map[string]string{}, messages: map[string]domain.Message{}, current: map[string]string{},
	}
}

const queue1 = "00000000-0000-0000-0000-0000000000q1"

// dbUp fails with a retryable error while the database is "down".
func (w *world) dbUp(ctx context.Context) error {
	w.dbCalls++
	if !w.dbDownUntil.IsZero() && nowOf(ctx).Before(w.dbDownUntil) {
		return errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	}
	return nil
}

// nowOf is the activity's notion of now: the test environment's clock.
func nowOf(ctx context.Context) time.Time {
	if t, ok := ctx.Value(clockKey{}).(func() time.Time); ok {
		return t()
	}
	return time.Now()
}

type clockKey struct{}

// env returns a test environment with every activity mocked on w.
func (w *world) env() *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(newWatchingLogger(w))
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(30 * time.Second)
	// A loaded machine under -race can take more than the SDK's 1 s
	// deadlock limit to run one workflow task's code.
	env.SetWorkerOptions(sdkworker.Options{DeadlockDetectionTimeout: 10 * time.Second})
	env.RegisterWorkflowWithOptions(workflows.Conversation, workflow.RegisterOptions{Name: workflows.ConversationWorkflowName})
	env.RegisterActivity(&activities.Activities{})
	clock := env.Now
	var a *activities.Activities
	ctxWith := func(ctx context.Context) context.Context { return context.WithValue(ctx, clockKey{}, clock) }

	env.OnActivity(a.LoadSettings, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, _ string) (activities.ConversationSettings, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if err := w.dbUp(ctxWith(ctx)); err != nil {
				return activities.ConversationSettings{}, err
			}
			return w.settings, nil
		})
	env.OnActivity(a.SaveConversation, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, r domain.ConversationRecord) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			if err := w.dbUp(ctxWith(ctx)); err != nil {
				return err
			}
			w.saves = append(w.saves, r)
			return nil
		})
	env.OnActivity(a.RecordInbound, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.RecordInboundInput) ([]domain.InboundResult, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if err := w.dbUp(ctxWith(ctx)); err != nil {
				return nil, err
			}
			w.saves = append(w.saves, in.Conversation)
			var out []domain.InboundResult
			for _, m := range in.Messages {
				r := domain.InboundResult{MessageSID: m.MessageSID}
				if id, seen := w.inboxIDs[m.MessageSID]; seen {
					r.MessageID, r.Inserted = id, id == m.ID
				} else {
					w.inboxIDs[m.MessageSID] = m.ID
					w.inboxIn[m.MessageSID] = in.Conversation.ID
					w.inbound = append(w.inbound, m.MessageSID)
					r.MessageID, r.Inserted = m.ID, true
				}
				out = append(out, r)
			}
			return out, nil
		})
	env.OnActivity(a.CreateOutbound, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, m domain.Message) (domain.Message, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if err := w.dbUp(ctxWith(ctx)); err != nil {
				return domain.Message{}, err
			}
			if old, ok := w.messages[m.ID]; ok {
				return old, nil
			}
			w.messages[m.ID] = m
			return m, nil
		})
	env.OnActivity(a.CreateNote, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, m domain.Message) (domain.Message, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if err := w.dbUp(ctxWith(ctx)); err != nil {
				return domain.Message{}, err
			}
			if old, ok := w.messages[m.ID]; ok {
				return old, nil
			}
			w.messages[m.ID] = m
			return m, nil
		})
	env.OnActivity(a.MarkSendFailed, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.MarkFailedInput) (domain.Message, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if err := w.dbUp(ctxWith(ctx)); err != nil {
				return domain.Message{}, err
			}
			m := w.messages[in.MessageID]
			m.Status = domain.StatusFailed
			if in.ErrorCode != 0 {
				code := in.ErrorCode
				m.ErrorCode = &code
			}
			w.messages[in.MessageID] = m
			return m, nil
		})
	env.OnActivity(a.SendMessage, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendInput) (activities.SendOutput, error) {
			w.mu.Lock()
			answer := w.twilio
			w.mu.Unlock()
			out := activities.SendOutput{}
			var err error
			if answer != nil {
				out, err = answer(in)
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			if err != nil {
				return out, err
			}
			m := w.messages[in.MessageID]
			if m.TwilioSID != nil || m.Status.IsFailure() {
				return activities.SendOutput{Message: m}, nil
			}
			w.sent = append(w.sent, in.MessageID)
			if out.ErrorCode != 0 {
				m.Status = domain.StatusFailed
				code := out.ErrorCode
				m.ErrorCode = &code
			} else {
				sid := "SM" + strings.ReplaceAll(uuid.NewString(), "-", "")
				m.TwilioSID, m.Status = &sid, domain.StatusQueued
			}
			w.messages[in.MessageID] = m
			out.Message = m
			return out, nil
		})
	env.OnActivity(a.Enqueue, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.EnqueueInput) (activities.EnqueueOutput, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.enqueued = append(w.enqueued, in)
			if cur := w.current[in.ConversationID]; cur != "" && !in.Requeue {
				return activities.EnqueueOutput{AgentID: cur}, nil
			}
			w.current[in.ConversationID] = w.assignOnEnqueue
			return activities.EnqueueOutput{AgentID: w.assignOnEnqueue}, nil
		})
	env.OnActivity(a.Release, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, id string) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.released = append(w.released, id)
			w.current[id] = ""
			return nil
		})
	claim := func(ctx context.Context, in activities.ClaimInput) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.claims = append(w.claims, in)
		w.current[in.ConversationID] = in.AgentID
		return nil
	}
	env.OnActivity(a.Claim, mock.Anything, mock.Anything).Return(claim)
	env.OnActivity(a.AssignTo, mock.Anything, mock.Anything).Return(claim)
	env.OnActivity(a.CurrentAgent, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, id string) (string, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if err := w.dbUp(ctxWith(ctx)); err != nil {
				return "", err
			}
			return w.current[id], nil
		})
	env.OnActivity(a.AckAssignment, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.AckAssignmentInput) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.acks = append(w.acks, in)
			return nil
		})
	env.OnActivity(a.LoadSurveyTemplate, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SurveyTemplateInput) (activities.SurveyTemplate, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if err := w.dbUp(ctxWith(ctx)); err != nil {
				return activities.SurveyTemplate{}, err
			}
			w.surveyTemplateAsks = append(w.surveyTemplateAsks, in)
			return w.surveyTemplate, nil
		})
	env.OnActivity(a.LastWindow, mock.Anything, mock.Anything).Return(activities.Window{}, nil)
	env.OnActivity(a.AskBot, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.AskBotInput) (domain.BotReply, error) {
			w.mu.Lock()
			w.botAsked = append(w.botAsked, in.Message)
			answer := w.bot
			w.mu.Unlock()
			if answer == nil {
				return domain.BotReply{}, nil
			}
			return answer(in)
		})
	return env
}

func (w *world) input() workflows.ConversationInput {
	return workflows.ConversationInput{
		AccountID: "acc", NumberID: "num", NumberE164: ourNumber, CustomerE164: customer, SessionWindow: windowSize,
	}
}

// chain runs a conversation from in, run after run: each continue-as-new
// starts the next run in a new environment at the time the last one ended.
// script schedules what happens during run number i (its callbacks are
// relative to that run's start). It returns the final error.
func (w *world) chain(in workflows.ConversationInput, maxRuns int, script func(env *testsuite.TestWorkflowEnvironment, run int)) (runs int, err error) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for runs = 0; runs < maxRuns; runs++ {
		env := w.env()
		env.SetStartTime(start)
		script(env, runs)
		env.ExecuteWorkflow(workflows.ConversationWorkflowName, in)
		if !env.IsWorkflowCompleted() {
			w.t.Fatalf("run %d did not complete", runs)
		}
		err = env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if !errors.As(err, &can) {
			return runs + 1, err
		}
		var next workflows.ConversationInput
		if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
			w.t.Fatal(err)
		}
		in = next
		start = env.Now()
	}
	w.t.Fatalf("still running after %d runs", maxRuns)
	return runs, nil
}

// customerMessage is an inbound message as the relay signals it.
func customerMessage(sid, body string, at time.Time) domain.InboundMessage {
	return domain.InboundMessage{MessageSID: sid, AccountID: "acc", NumberID: "num", From: customer, To: ourNumber,
		Body: body, ProfileName: "Marie", ReceivedAt: at}
}

// outcome collects the answer of an update.
type outcome struct {
	done  bool
	err   error
	value converter.EncodedValue
	raw   any // the answer as the test environment hands it
}

func update(env *testsuite.TestWorkflowEnvironment, name string, arg any) *outcome {
	o := &outcome{}
	env.UpdateWorkflow(name, uuid.NewString(), &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { o.done, o.err = true, err },
		OnComplete: func(v interface{}, err error) {
			o.done, o.err, o.raw = true, err, v
			if ev, ok := v.(converter.EncodedValue); ok {
				o.value = ev
			}
		},
	}, arg)
	return o
}

func appCode(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}

// states lists the conversation states the workflow saved, without repeats.
func (w *world) states(conversationID string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, s := range w.saves {
		if s.ID == conversationID && (len(out) == 0 || out[len(out)-1] != s.State) {
			out = append(out, s.State)
		}
	}
	return out
}

func (w *world) authorsSent() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, id := range w.sent {
		m := w.messages[id]
		out = append(out, m.Author+":"+m.Body)
	}
	return out
}

// sentMessage is the message handed to Twilio with this body.
func (w *world) sentMessage(body string) domain.Message {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range w.sent {
		if m := w.messages[id]; m.Body == body {
			return m
		}
	}
	return domain.Message{}
}

func (w *world) countSent(id string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.sent {
		if s == id {
			n++
		}
	}
	return n
}

func (w *world) checkNoErrorLogs() {
	w.t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.errorLogs) > 0 {
		w.t.Errorf("the workflow logged errors: %v", w.errorLogs)
	}
}
