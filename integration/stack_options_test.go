package integration

import (
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// newStackWith is newStack with configure applied to the configuration
// before anything starts (a short SessionWindow, say).
func newStackWith(t *testing.T, temporal string, configure func(*config.Config)) *stack {
	t.Helper()
	return newConfiguredStack(t, temporal, nil, configure)
}

// newConfiguredStack builds a stack like newStack, with the logger of the
// whole stack (nil: warnings to the test's output when verbose) and
// configure (nil: none) applied to the configuration.
func newConfiguredStack(t *testing.T, temporal string, logger *slog.Logger, configure func(*config.Config)) *stack {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	emu := emulator.New(emulator.Config{Logger: logger})
	emuSrv := httptest.NewServer(emu.Handler())
	t.Cleanup(emuSrv.Close)
	t.Cleanup(emu.Close)
	emu.SetPublicURL(emuSrv.URL)

	cfg := config.Defaults()
	cfg.DatabaseURL = storetest.NewDSN(t)
	cfg.TemporalAddress = temporal
	cfg.TaskQueue = "it-" + uuid.NewString()[:8]
	cfg.PublicBaseURL = "http://" + ln.Addr().String()
	cfg.AdminKey = "test-admin-key-" + uuid.NewString()
	cfg.SecretKeys = []string{secret.GenerateKey()}
	cfg.PayloadKey = secret.GenerateKey()
	cfg.TwilioAPIBase = emuSrv.URL
	if raceEnabled {
		// Ten times slower code on a loaded 2-core machine: a workflow
		// task's code can take more than the SDK's 1 s deadlock limit.
		cfg.WorkerDeadlockTimeout = 10 * time.Second
	}
	if configure != nil {
		configure(&cfg)
	}

	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	a.Simulator = emu.Handler()                    // the customer phone at <api>/sim, as in dev
	opsLn, err := net.Listen("tcp", "127.0.0.1:0") // the operations listener: /metrics, /readyz, /codec
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{t: t, cfg: cfg, app: a, emu: emu, emuURL: emuSrv.URL, apiURL: cfg.PublicBaseURL, opsURL: "http://" + opsLn.Addr().String(),
		stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		errc := make(chan error, 3)
		go func() { errc <- a.ServeAPI(ctx, ln) }()
		go func() { errc <- a.ServeOps(ctx, opsLn) }()
		go func() { errc <- a.RunWorker(ctx) }()
		for range 3 {
			if err := <-errc; err != nil {
				t.Errorf("stack: %v", err)
			}
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
