package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
	"github.com/switchboard/switchboard/internal/twilio"
	"github.com/switchboard/switchboard/worker"
	"github.com/switchboard/switchboard/workflows"
)

const (
	testSID    = "AC0123456789abcdef0123456789abcdef"
	testToken  = "0123456789abcdef0123456789abcdef"
	ourNumber  = "+14155550100"
	customer   = "+33612345678"
	windowSize = 24 * time.Hour
)

// fixture runs the conversation workflow in the SDK's time-skipping test
// environment with the real activities: a PostgreSQL store and Twilio's
// emulator over HTTP.
type fixture struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	st    *store.Store
	emu   *emulator.Emulator
	acc   domain.Account
	acts  *activities.Activities
	input workflows.ConversationInput
	start time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.New(t)
	box, err := secret.NewBox(secret.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	enc, err := box.Encrypt(testToken)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "Test", AccountSID: testSID, AuthTokenEnc: enc,
		Numbers: []store.NewNumber{{Name: "Support", E164: ourNumber}}})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	emu := emulator.New(emulator.Config{Logger: logger})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(emu.Close)
	emu.SetPublicURL(srv.URL)
	emu.AddAccount(testSID, testToken)
	emu.ConfigureSender(testSID, ourNumber, "")

	tokens := secret.NewTokens(func(ctx context.Context, id string) (secret.StoredToken, error) {
		a, err := st.AccountSecret(ctx, id)
		return secret.StoredToken{AccountSID: a.AccountSID, AuthTokenEnc: a.AuthTokenEnc}, err
	}, box)
	acts := &activities.Activities{
		Store:       st,
		Settings:    st,
		Windows:     st,
		Credentials: tokens,
		Twilio:      twilio.NewClient(twilio.Config{APIBase: srv.URL, Timeout: 5 * time.Second, Logger: logger}),
		Logger:      logger,
	}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(newTestLogger(t))
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(60 * time.Second)
	env.SetWorkerOptions(sdkworker.Options{DeadlockDetectionTimeout: 10 * time.Second})
	worker.Register(env, acts)
	f := &fixture{t: t, env: env, st: st, emu: emu, acc: acc, acts: acts, start: env.Now()}
	f.input = workflows.ConversationInput{
		AccountID: acc.ID, NumberID: acc.Numbers[0].ID, NumberE164: ourNumber,
		CustomerE164: customer, SessionWindow: windowSize, Revision: workflows.CurrentRevision,
	}
	return f
}

// at schedules fn at an offset from the start of the test.
func (f *fixture) at(offset time.Duration, fn func()) {
	f.env.RegisterDelayedCallback(fn, offset)
}

func (f *fixture) inbound(body string) {
	f.env.SignalWorkflow(workflows.SignalInbound, domain.InboundMessage{
		MessageSID: "SM" + uuid.NewString()[:8], AccountID: f.acc.ID, NumberID: f.input.NumberID,
		From: customer, To: ourNumber, Body: body, ProfileName: "Marie", ReceivedAt: f.env.Now(),
	})
}

func (f *fixture) state() workflows.ConversationState {
	f.t.Helper()
	v, err := f.env.QueryWorkflow(workflows.QueryState)
	if err != nil {
		f.t.Fatalf("query state: %v", err)
	}
	var st workflows.ConversationState
	if err := v.Get(&st); err != nil {
		f.t.Fatal(err)
	}
	return st
}

func (f *fixture) expectMode(at time.Duration, want string) {
	f.at(at, func() {
		if got := f.state().Mode; got != want {
			f.t.Errorf("at %s: mode %q, want %q", at, got, want)
		}
	})
}

type sendOutcome struct {
	msg domain.Message
	err error
}

// send runs the `send` update and returns its outcome through a channel
// filled by the time the test environment finishes.
func (f *fixture) send(req workflows.SendRequest) *sendOutcome {
	out := &sendOutcome{}
	f.env.UpdateWorkflow(workflows.UpdateSend, req.MessageID, &testsuite.TestUpdateCallback{
		OnReject: func(err error) { out.err = err },
		OnAccept: func() {},
		OnComplete: func(v interface{}, err error) {
			out.err = err
			switch m := v.(type) {
			case domain.Message:
				out.msg = m
			case converter.EncodedValue:
				out.err = errors.Join(err, m.Get(&out.msg))
			}
		},
	}, req)
	return out
}

// final is the message as it ended up in the transcript: the `send` update
// answers once the message is queued, Twilio's answer comes after.
func (f *fixture) final(out *sendOutcome) domain.Message {
	f.t.Helper()
	if out == nil || out.msg.ID == "" {
		f.t.Fatalf("no message: %+v", out)
	}
	m, err := f.st.GetMessage(context.Background(), out.msg.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func (f *fixture) run(closeAt time.Duration) {
	f.at(closeAt, func() {
		f.env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "test_done", By: "test"})
	})
	f.env.ExecuteWorkflow(workflows.Conversation, f.input)
	if !f.env.IsWorkflowCompleted() {
		f.t.Fatal("workflow did not complete")
	}
	if err := f.env.GetWorkflowError(); err != nil {
		f.t.Fatalf("workflow error: %v", err)
	}
}

func appErrorType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return fmt.Sprintf("not an ApplicationError: %v", err)
}
