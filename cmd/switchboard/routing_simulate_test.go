package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/api"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

const cliAdmin = "cli-admin-key-0123456789abcdef"

// simulateAPI serves the real admin API (no Temporal: the simulation never
// reaches a workflow) on a fresh database, with two queues, a workstream
// and two recorded routings, both to General.
func simulateAPI(t *testing.T) (base string, ws domain.Workstream, general, billing domain.Queue, convs []string) {
	t.Helper()
	st := storetest.New(t)
	ctx := context.Background()
	audit := store.Audit{Actor: "test"}
	var err error
	if general, err = st.CreateQueue(ctx, "General", 0, audit); err != nil {
		t.Fatal(err)
	}
	if billing, err = st.CreateQueue(ctx, "Billing", 0, audit); err != nil {
		t.Fatal(err)
	}
	if ws, err = st.CreateWorkstream(ctx, domain.Workstream{Name: "Support", Language: "fr-FR", Distribution: domain.DistributionPush,
		CapacityPerConversation: 1, DefaultQueueID: &general.ID}, audit); err != nil {
		t.Fatal(err)
	}
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, body := range []string{"ma facture", "bonjour"} {
		e164 := "+3361234567" + string(rune('0'+i))
		conv := domain.ConversationRecord{ID: uuid.NewString(), WorkflowID: "conv:x", AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
			CustomerE164: e164, State: domain.StateQueued, Mode: domain.ModeSession,
			RoutingInput: &domain.RoutingInput{WorkstreamID: ws.ID, RulesVersion: ws.Version,
				RoutedAt: time.Date(2026, 12, 1, 9+i, 0, 0, 0, time.UTC),
				Facts:    domain.RoutingFacts{CustomerE164: e164, MessageBody: body}, DefaultQueueID: general.ID, QueueID: general.ID}}
		if err := st.SaveConversation(ctx, conv); err != nil {
			t.Fatal(err)
		}
		convs = append(convs, conv.ID)
	}
	cfg := config.Defaults()
	cfg.AdminKey = cliAdmin
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := api.New(api.Deps{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Workstreams: st, Queues: st, RoutingInputs: st, Audit: st}).App()
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String(), ws, general, billing, convs
}

func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := routingCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(stdin))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestRoutingSimulateCommandPrintsTheTables(t *testing.T) {
	base, ws, _, billing, convs := simulateAPI(t)
	t.Setenv("SWITCHBOARD_ADMIN_KEY", "ops:"+cliAdmin+",second:another-key-0123456789")
	draft := filepath.Join(t.TempDir(), "draft.json")
	// A GET's answer, edited: read-only fields are accepted.
	if err := os.WriteFile(draft, []byte(`{"data": [{"id": "`+uuid.NewString()+`", "created_at": "2026-11-01T00:00:00Z",
		"name": "Billing", "queue_id": "`+billing.ID+`", "conditions": [{"field": "message.body", "op": "contains", "value": "factur"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "", "simulate", "--api", base, "--workstream", ws.ID, "--from", "2026-12-01", "--to", "2026-12-02", "--rules", draft)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(out, "\n")
	for _, want := range []string{
		"2 conversations replayed, 1 would move, 1 match no draft rule.",
		"Billing  0       1          +1",
		"General  2       1          -1",
		"#0 Billing  1",
		convs[0] + "  2026-12-01T09:00:00Z  General  Billing  #0 Billing",
	} {
		found := false
		for _, l := range lines {
			found = found || strings.Contains(strings.TrimRight(l, " "), want)
		}
		if !found {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, convs[1]) {
		t.Errorf("the conversation that stays is listed as moved:\n%s", out)
	}

	// The draft from stdin, a plain list; --json prints the API's answer.
	out, err = runCLI(t, `[{"name": "All", "queue_id": "`+billing.ID+`"}]`, "simulate", "--api", base, "--workstream", ws.ID,
		"--from", "2026-12-01T00:00:00Z", "--to", "2026-12-01T09:30:00Z", "--rules", "-", "--json")
	if err != nil || !strings.Contains(out, `"conversations":1,"moved":1`) {
		t.Fatalf("--json: %v\n%s", err, out)
	}

	// Invalid rules: every problem, one per line, and a failing exit.
	out, err = runCLI(t, `[{"name": "ok", "queue_id": "`+billing.ID+`"}, {"name": "x"}, {"name": "y", "queue_id": "`+billing.ID+`", "conditions": [{"field": "message.body", "op": "matches", "value": "a("}]}]`,
		"simulate", "--api", base, "--workstream", ws.ID, "--from", "2026-12-01", "--to", "2026-12-02", "--rules", "-")
	if err == nil || !strings.Contains(err.Error(), "RULES_INVALID (422)") || !strings.Contains(err.Error(), "rule #1: queue_id is required") ||
		!strings.Contains(err.Error(), "rule #2: conditions[0]") {
		t.Fatalf("invalid draft: %v\n%s", err, out)
	}

	// A wrong key is the API's 401, said plainly.
	t.Setenv("SWITCHBOARD_ADMIN_KEY", "not-the-key-0123456789")
	if _, err := runCLI(t, "[]", "simulate", "--api", base, "--workstream", ws.ID, "--from", "2026-12-01", "--to", "2026-12-02", "--rules", "-"); err == nil ||
		!strings.Contains(err.Error(), "UNAUTHORIZED (401)") {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := runCLI(t, "[]", "simulate", "--api", base, "--workstream", ws.ID, "--from", "noon", "--to", "2026-12-02", "--rules", "-"); err == nil ||
		!strings.Contains(err.Error(), "--from") {
		t.Fatalf("bad --from: %v", err)
	}
}
