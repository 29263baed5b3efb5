//go:build !switchboard_nodev

package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/bot/examplebot"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
)

// The demo account lives in the emulator: no Twilio credentials needed.
const (
	demoAccountSID = "ACdecafdecafdecafdecafdecafdecaf00"
	demoNumber     = "+15550100001"
	demoCustomer   = "+33612345678"
)

type devFlags struct {
	httpAddr, emulatorAddr string
	temporalPort, uiPort   int
	temporal               temporalMode
}

// devOpsAddr is dev's operations listener when SWITCHBOARD_OPS_ADDR is not set.
const devOpsAddr = "127.0.0.1:9090"

func devCmd() *cobra.Command {
	var f devFlags
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run everything on this machine: Temporal dev server + UI, PostgreSQL, API, worker and the Twilio emulator",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDev(cmd.Context(), cmd.OutOrStdout(), f)
		},
	}
	cmd.Flags().StringVar(&f.httpAddr, "http-addr", "127.0.0.1:8080", "API listen address")
	cmd.Flags().StringVar(&f.emulatorAddr, "emulator-addr", "127.0.0.1:8081", "Twilio emulator listen address")
	cmd.Flags().IntVar(&f.temporalPort, "temporal-port", 7233, "Temporal dev server port (reused when one already answers)")
	cmd.Flags().IntVar(&f.uiPort, "ui-port", 8233, "Temporal UI port")
	cmd.Flags().Var(&f.temporal, "temporal", "Temporal to start when none answers: dev (start-dev + UI) or server (on PostgreSQL, docs/production.md)")
	return cmd
}

func runDev(ctx context.Context, out io.Writer, f devFlags) error {
	started := time.Now()
	d, err := newDevEnv(f)
	if err != nil {
		return err
	}
	defer d.stop()
	if err := d.startTemporal(ctx, out); err != nil {
		return err
	}
	if err := d.startPostgres(ctx, out); err != nil {
		return err
	}
	cfg := d.cfg
	logger := app.NewLogger(cfg)
	emu := emulator.New(emulator.Config{Logger: logger})
	defer emu.Close()
	// The example bot lives beside the emulator, on a port that stays the
	// same from run to run (the seeded workstream keeps its URL).
	mux := http.NewServeMux()
	mux.Handle("/bot/", http.StripPrefix("/bot", examplebot.Handler()))
	mux.Handle("/", emu.Handler())
	opts := []app.Option{app.WithAPI(f.httpAddr), app.WithOps(cfg.OpsAddr), app.WithWorker(),
		app.WithTwilioEmulator(f.emulatorAddr, mux, emu.Handler())} // the customer phone at <api>/sim
	if os.Getenv("SWITCHBOARD_PUBLIC_BASE_URL") == "" {
		opts = append(opts, app.WithLocalPublicURL())
	}
	a, err := app.New(ctx, cfg, logger, opts...)
	if err != nil {
		return err
	}
	defer a.Close()
	emuURL := a.TwilioEmulatorURL()
	emu.SetPublicURL(emuURL)
	acc, err := seedDemo(ctx, a, d.secrets["DEMO_TWILIO_AUTH_TOKEN"])
	if err != nil {
		return err
	}
	agent, err := seedDemoWorkstream(ctx, a, acc.NumberID, emuURL+"/bot/webhooks/rest/webhook", d.secrets["DEMO_AGENT_TOKEN"])
	if err != nil {
		return fmt.Errorf("seed demo workstream: %w", err)
	}
	emu.AddAccount(demoAccountSID, d.secrets["DEMO_TWILIO_AUTH_TOKEN"])
	emu.ConfigureSender(demoAccountSID, demoNumber, a.Config.InboundURL(acc.ID))
	// As `switchboard migrate` does: the daily purge (SWITCHBOARD_RETENTION).
	if err := app.EnsureRetentionSchedule(ctx, a.Temporal, a.Config, logger); err != nil {
		logger.Warn("retention schedule not set up", "err", err)
	}
	printBanner(out, bannerInfo{
		api: a.Config.PublicBaseURL, ops: a.OpsURL(), ui: d.uiURL, emulator: emuURL, adminKey: cfg.AdminKey,
		accountID: acc.ID, agentName: agent.Name, agentToken: d.secrets["DEMO_AGENT_TOKEN"], took: time.Since(started),
	})
	return a.Run(ctx)
}

// devEnv is what dev sets up around the stack: .data/, its secrets, the
// configuration, and the Temporal and PostgreSQL servers it may start.
type devEnv struct {
	f       devFlags
	root    string
	dataDir string
	cfg     config.Config
	secrets map[string]string
	uiURL   string
	stops   []func()
}

// newDevEnv reads the configuration and .data/dev.env, and gives dev its
// defaults: text logs, the dev secrets, an operations listener, and local
// bot targets.
func newDevEnv(f devFlags) (*devEnv, error) {
	root, err := devenv.ProjectRoot()
	if err != nil {
		return nil, err
	}
	d := &devEnv{f: f, root: root, dataDir: filepath.Join(root, ".data")}
	if err := os.MkdirAll(d.dataDir, 0o755); err != nil {
		return nil, err
	}
	if d.cfg, err = loadConfig(); err != nil {
		return nil, err
	}
	cfg := &d.cfg
	if os.Getenv("SWITCHBOARD_LOG_FORMAT") == "" {
		cfg.LogFormat = "text" // dev is read by a person; production logs are JSON
	}
	if d.secrets, err = loadDevSecrets(filepath.Join(d.dataDir, "dev.env")); err != nil {
		return nil, err
	}
	if cfg.AdminKey == "" {
		cfg.AdminKey = d.secrets["SWITCHBOARD_ADMIN_KEY"]
	}
	if len(cfg.SecretKeys) == 0 {
		cfg.SecretKeys = []string{d.secrets["SWITCHBOARD_SECRET_KEY"]}
	}
	if cfg.PayloadKey == "" && len(cfg.PayloadKeysPrevious) == 0 {
		cfg.PayloadKey = d.secrets["SWITCHBOARD_PAYLOAD_KEY"]
	}
	if cfg.OpsAddr == "" {
		cfg.OpsAddr = devOpsAddr
	}
	if os.Getenv("SWITCHBOARD_ALLOW_PRIVATE_TARGETS") == "" {
		cfg.AllowPrivateTargets = true // the example bot runs on this machine
	}
	return d, nil
}

// stop stops what dev started, last first.
func (d *devEnv) stop() {
	for i := len(d.stops) - 1; i >= 0; i-- {
		d.stops[i]()
	}
}

// startTemporal reuses a Temporal server that answers, else starts the
// pinned dev server with its UI.
func (d *devEnv) startTemporal(ctx context.Context, out io.Writer) error {
	cfg := &d.cfg
	d.uiURL = fmt.Sprintf("http://127.0.0.1:%d", d.f.uiPort)
	if os.Getenv("TEMPORAL_ADDRESS") != "" {
		d.uiURL = "(the UI of your Temporal server at " + cfg.TemporalAddress + ")"
		return nil
	}
	cfg.TemporalAddress = fmt.Sprintf("127.0.0.1:%d", d.f.temporalPort)
	reused, err := devenv.ReuseTemporal(ctx, cfg.TemporalAddress, cfg.TemporalNamespace)
	if err != nil {
		return err
	}
	if reused {
		fmt.Fprintf(out, "using the Temporal server already running on %s\n", cfg.TemporalAddress)
	} else if d.f.temporal == "server" {
		return d.startTemporalServer(ctx, out) // dev_tserver.go
	} else {
		cli, err := devenv.EnsureTemporalCLI(ctx, d.root, out)
		if err != nil {
			return err
		}
		logFile, err := os.OpenFile(filepath.Join(d.dataDir, "temporal.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		d.stops = append(d.stops, func() { logFile.Close() })
		fmt.Fprintf(out, "starting Temporal dev server on %s (state in .data/temporal.db, log in .data/temporal.log)\n", cfg.TemporalAddress)
		srv, err := devenv.StartTemporal(ctx, devenv.TemporalOptions{
			CLIPath: cli, Port: d.f.temporalPort, UI: true, UIPort: d.f.uiPort,
			DBFile: filepath.Join(d.dataDir, "temporal.db"), Namespace: cfg.TemporalNamespace, LogWriter: logFile,
			// The Temporal UI decodes payloads through the operations
			// listener's open codec endpoint, from the operator's browser.
			UICodecEndpoint: "http://" + cfg.OpsAddr + "/codec",
		})
		if err != nil {
			return err
		}
		d.stops = append(d.stops, func() { _ = srv.Stop() })
		d.uiURL = srv.UIURL
	}
	if cfg.TemporalUIOrigin == "" {
		cfg.TemporalUIOrigin = d.uiURL
	}
	return nil
}

// startPostgres uses DATABASE_URL, else a local PostgreSQL (started under
// .data/ when none answers) and its switchboard database.
func (d *devEnv) startPostgres(ctx context.Context, out io.Writer) error {
	if d.cfg.DatabaseURL != "" {
		return nil
	}
	dsn, stopPG, err := devenv.EnsurePostgres(ctx, d.root, out)
	if err != nil {
		return err
	}
	d.stops = append(d.stops, func() { _ = stopPG() })
	if err := devenv.CreateDatabase(ctx, dsn, "switchboard"); err != nil {
		return err
	}
	d.cfg.DatabaseURL, err = devenv.WithDatabase(dsn, "switchboard")
	return err
}

// seedDemo creates the demo account on the emulator's sandbox-like sender,
// once.
func seedDemo(ctx context.Context, a *app.App, token string) (accountResult, error) {
	accs, err := a.Store.ListAccounts(ctx)
	if err != nil {
		return accountResult{}, err
	}
	for _, acc := range accs {
		if acc.TwilioAccountSID != demoAccountSID {
			continue
		}
		// The database may outlive .data/dev.env (a shared PostgreSQL, a
		// deleted .data): re-key the demo token so webhooks verify again.
		sec, err := a.Store.AccountSecret(ctx, acc.ID)
		if err != nil {
			return accountResult{}, err
		}
		if cur, err := a.Box.DecryptFor(sec.AuthTokenEnc, secret.AccountOwner(acc.ID)); err != nil || cur != token || a.Box.NeedsRotation(sec.AuthTokenEnc) {
			enc, err := a.Box.EncryptFor(token, secret.AccountOwner(acc.ID))
			if err != nil {
				return accountResult{}, err
			}
			if err := a.Store.ReplaceAccountToken(ctx, acc.ID, enc); err != nil {
				return accountResult{}, err
			}
			a.Logger.Info("demo account token re-keyed for this machine's dev secrets", "account_id", acc.ID)
		}
		full, err := a.Store.GetAccount(ctx, acc.ID)
		if err != nil || len(full.Numbers) == 0 {
			return accountResult{}, fmt.Errorf("demo account %s has no number (delete it to reseed): %v", acc.ID, err)
		}
		return accountResult{ID: acc.ID, NumberID: full.Numbers[0].ID}, nil
	}
	id := uuid.NewString()
	enc, err := a.Box.EncryptFor(token, secret.AccountOwner(id))
	if err != nil {
		return accountResult{}, err
	}
	acc, err := a.Store.CreateAccount(ctx, store.NewAccount{
		ID: id, Name: "Demo (Twilio emulator)", AccountSID: demoAccountSID, AuthTokenEnc: enc,
		Numbers: []store.NewNumber{{Name: "Demo support line", E164: demoNumber}},
	})
	if err != nil {
		return accountResult{}, fmt.Errorf("seed demo account: %w", err)
	}
	a.Logger.Info("demo account seeded", "account_id", acc.ID)
	return accountResult{ID: acc.ID, NumberID: acc.Numbers[0].ID}, nil
}

type accountResult struct{ ID, NumberID string }

type bannerInfo struct {
	api, ops, ui, emulator, adminKey, accountID string
	agentName, agentToken                       string
	took                                        time.Duration
}

func printBanner(out io.Writer, b bannerInfo) {
	fmt.Fprintf(out, `
Switchboard is running (dev, ready in %s). Ctrl-C stops everything.

  API              %s   (health: %s/readyz)
  Operations       %s   (/metrics, /readyz, the codec endpoint /codec for the Temporal UI)
  Admin key        %s
  Temporal UI      %s
  Twilio emulator  %s
  Customer phone   %s/sim   (write as a customer to %s)
  Agent console    %s/console   (sign in with the demo agent's token below)
  Demo account     %s
  Demo agent       %s, token %s

Send a first message as a customer, then look at the conversation:
  curl -s -X POST %s/emulator/inbound -H 'Content-Type: application/json' \
       -d '{"account_sid":"%s","from":"%s","to":"%s","profile_name":"Marie","body":"Bonjour !"}'
  curl -s -H 'Authorization: Bearer %s' %s/api/v1/conversations
Reply (use the conversation id from the list):
  curl -s -X POST -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \
       -d '{"text":"Bonjour Marie, comment puis-je vous aider ?"}' %s/api/v1/conversations/<id>/messages

`, b.took.Round(100*time.Millisecond), b.api, b.api, b.ops, b.adminKey, b.ui, b.emulator, b.api, demoNumber, b.api, b.accountID, b.agentName, b.agentToken,
		b.emulator, demoAccountSID, demoCustomer, demoNumber, b.adminKey, b.api, b.adminKey, b.api)
}

// loadDevSecrets reads .data/dev.env, creating it with fresh random values
// on first run, so that keys and the demo token stay stable across runs.
func loadDevSecrets(path string) (map[string]string, error) {
	vals := map[string]string{}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok && !strings.HasPrefix(k, "#") {
				vals[k] = v
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	changed := false
	for _, k := range devSecretNames {
		if vals[k] != "" {
			continue
		}
		vals[k] = newDevSecret(k)
		changed = true
	}
	if changed {
		var b strings.Builder
		b.WriteString("# Generated by `switchboard dev` for this machine only. Never use these in production.\n")
		for _, k := range devSecretNames {
			fmt.Fprintf(&b, "%s=%s\n", k, vals[k])
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			return nil, err
		}
		slog.Info("dev secrets written", "path", path)
	}
	return vals, nil
}

var devSecretNames = []string{"SWITCHBOARD_ADMIN_KEY", "SWITCHBOARD_SECRET_KEY", "SWITCHBOARD_PAYLOAD_KEY", "DEMO_TWILIO_AUTH_TOKEN", "DEMO_AGENT_TOKEN"}

func newDevSecret(kind string) string {
	buf := make([]byte, 32)
	_, _ = rand.Read(buf)
	switch kind {
	case "DEMO_AGENT_TOKEN":
		tok, _ := secret.NewAgentToken()
		return tok
	case "SWITCHBOARD_SECRET_KEY", "SWITCHBOARD_PAYLOAD_KEY":
		return secret.GenerateKey()
	case "DEMO_TWILIO_AUTH_TOKEN":
		return hex.EncodeToString(buf[:16])
	default:
		return "dev_" + hex.EncodeToString(buf[:24])
	}
}
