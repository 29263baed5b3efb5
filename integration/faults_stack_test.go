package integration

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/payloadcodec"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store/storetest"
	"github.com/switchboard/switchboard/workflows"
)

// faultStack configures a stack: where PostgreSQL and Temporal are,
// whether the worker runs in the test process, the emulator's settings,
// the logger and the configuration (newStack and newStackWith are
// shorthands for it).
type faultStack struct {
	temporal  string
	dsn       string // "" → a fresh schema on the shared test server
	noWorker  bool   // the worker runs elsewhere (a separate process)
	emulator  emulator.Config
	logger    *slog.Logger         // nil: warnings to the test's output when verbose
	configure func(*config.Config) // applied to the configuration before anything starts
}

// start builds and runs the stack through app.New, as `switchboard dev`
// does: the API and relay, the operations listener, the worker unless
// noWorker, and the emulator as Twilio (and as the customer phone at
// <api>/sim); then it creates one account. Everything stops when the test
// ends.
func (o faultStack) start(t *testing.T) *stack {
	t.Helper()
	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ecfg := o.emulator
	ecfg.Logger = logger
	emu := emulator.New(ecfg)
	t.Cleanup(emu.Close)

	cfg := config.Defaults()
	cfg.DatabaseURL = o.dsn
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = storetest.NewDSN(t)
	}
	cfg.TemporalAddress = o.temporal
	cfg.TaskQueue = "it-" + uuid.NewString()[:8]
	cfg.AdminKey = "test-admin-key-" + uuid.NewString()
	cfg.SecretKeys = []string{secret.GenerateKey()}
	cfg.PayloadKey = secret.GenerateKey()
	if raceEnabled {
		// Ten times slower code on a loaded 2-core machine: a workflow
		// task's code can take more than the SDK's 1 s deadlock limit.
		cfg.WorkerDeadlockTimeout = 10 * time.Second
	}
	if o.configure != nil {
		o.configure(&cfg)
	}
	opts := []app.Option{app.WithAPI("127.0.0.1:0"), app.WithLocalPublicURL(), app.WithOps("127.0.0.1:0"),
		app.WithTwilioEmulator("127.0.0.1:0", emu.Handler(), emu.Handler())}
	if !o.noWorker {
		opts = append(opts, app.WithWorker())
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, logger, opts...)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	emu.SetPublicURL(a.TwilioEmulatorURL())
	s := &stack{t: t, cfg: a.Config, app: a, emu: emu, emuURL: a.TwilioEmulatorURL(), apiURL: a.Config.PublicBaseURL, opsURL: a.OpsURL(),
		stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := a.Run(ctx); err != nil {
			t.Errorf("stack: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-s.done
		a.Close()
	})
	s.account = s.createAccount()
	emu.AddAccount(accountSID, authToken)
	emu.ConfigureSender(accountSID, ourNumber, s.account.InboundURL)
	return s
}

// processEnv is the environment of a `switchboard` process that joins the
// stack: same database, Temporal, task queue and keys.
func (s *stack) processEnv(workerHTTPAddr string) []string {
	c := s.cfg
	return []string{
		"DATABASE_URL=" + c.DatabaseURL,
		"TEMPORAL_ADDRESS=" + c.TemporalAddress,
		"TEMPORAL_NAMESPACE=" + c.TemporalNamespace,
		"SWITCHBOARD_TASK_QUEUE=" + c.TaskQueue,
		"SWITCHBOARD_WORKER_HTTP_ADDR=" + workerHTTPAddr,
		"SWITCHBOARD_PUBLIC_BASE_URL=" + c.PublicBaseURL,
		"SWITCHBOARD_ADMIN_KEY=" + c.AdminKey,
		"SWITCHBOARD_SECRET_KEY=" + c.SecretKeys[0],
		"SWITCHBOARD_SECRET_KEY_PREVIOUS=",
		"SWITCHBOARD_PAYLOAD_KEY=" + c.PayloadKey,
		"SWITCHBOARD_PAYLOAD_KEY_PREVIOUS=",
		"SWITCHBOARD_OPS_ADDR=",
		"SWITCHBOARD_TWILIO_API_BASE=" + c.TwilioAPIBase,
		"SWITCHBOARD_TWILIO_TIMEOUT=" + c.TwilioTimeout.String(),
		"SWITCHBOARD_SESSION_WINDOW=" + c.SessionWindow.String(),
		"SWITCHBOARD_LOG_FORMAT=json",
		"SWITCHBOARD_LOG_LEVEL=info",
		"SWITCHBOARD_SHUTDOWN_TIMEOUT=5s",
		"SWITCHBOARD_RETENTION=0",
		"SWITCHBOARD_ALLOW_PRIVATE_TARGETS=" + strconv.FormatBool(c.AllowPrivateTargets),
		"SWITCHBOARD_WORKER_DEADLOCK_TIMEOUT=" + c.WorkerDeadlockTimeout.String(),
	}
}

// state queries a conversation workflow's state.
func (s *stack) state(t *testing.T, workflowID string) workflows.ConversationState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	val, err := s.app.Temporal.QueryWorkflow(ctx, workflowID, "", workflows.QueryState)
	if err != nil {
		t.Fatalf("query %s: %v", workflowID, err)
	}
	var st workflows.ConversationState
	if err := val.Get(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// signalledSIDs lists the MessageSids of the `inbound` signals in a
// workflow's history, every run of its continue-as-new chain (walked back
// from the current run), in the order Temporal took them; codec decrypts
// the payloads.
func signalledSIDs(ctx context.Context, c client.Client, codec *payloadcodec.Codec, workflowID string) ([]string, error) {
	dc := payloadcodec.DataConverter(codec)
	var out []string
	runID := ""
	for {
		var run []string
		previous := ""
		it := c.GetWorkflowHistory(ctx, workflowID, runID, false, 0)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return nil, err
			}
			if st := ev.GetWorkflowExecutionStartedEventAttributes(); st != nil {
				previous = st.GetContinuedExecutionRunId()
			}
			sig := ev.GetWorkflowExecutionSignaledEventAttributes()
			if sig == nil || sig.GetSignalName() != workflows.SignalInbound {
				continue
			}
			var m struct {
				MessageSID string `json:"message_sid"`
			}
			for _, p := range sig.GetInput().GetPayloads() {
				if err := dc.FromPayload(p, &m); err != nil {
					return nil, fmt.Errorf("signal payload: %w", err)
				}
				run = append(run, m.MessageSID)
			}
		}
		out = append(run, out...)
		if previous == "" {
			return out, nil
		}
		runID = previous
	}
}
