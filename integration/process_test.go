package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store/storetest"
	"github.com/switchboard/switchboard/internal/temporalx"
)

// buildBinary builds cmd/switchboard into a temporary directory (with -race
// when the tests run with it, so the build cache of the test is reused), as
// production builds it: without dev (docs/binaries.md).
func buildBinary(t *testing.T) string {
	t.Helper()
	return buildBinaryWithTags(t, "")
}

// productionTags are the build tags of the image and `make build`.
const productionTags = "switchboard_nodev"

// buildBinaryWithTags builds cmd/switchboard with the production tags and
// more (comma separated; "" for none).
func buildBinaryWithTags(t *testing.T, tags string) string {
	t.Helper()
	root, err := devenv.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "switchboard")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	if tags != "" {
		tags = "," + tags
	}
	args = append(args, "-tags", productionTags+tags)
	cmd := exec.Command("go", append(args, "./cmd/switchboard")...)
	cmd.Dir = root
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built switchboard in %s", time.Since(start).Round(100*time.Millisecond))
	return bin
}

// proc is one switchboard process; its output goes to a file, shown when
// the test fails.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *os.File
	done chan struct{}
	err  error
}

func startProc(t *testing.T, bin, name string, env []string, args ...string) *proc {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() || testing.Verbose() {
			b, _ := os.ReadFile(out.Name())
			t.Logf("---- %s output ----\n%s", name, b)
		}
		out.Close()
	})
	return p
}

// terminate sends SIGTERM and waits for a clean exit.
func (p *proc) terminate(t *testing.T, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(within):
		t.Fatalf("%s did not exit within %s of SIGTERM", p.name, within)
	}
	if p.err != nil {
		t.Fatalf("%s exited with %v after SIGTERM", p.name, p.err)
	}
	return time.Since(start)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(t *testing.T, url string, within time.Duration) {
	t.Helper()
	eventually(t, within, url+" to answer 200", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func scrapeNames(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return string(b)
}

// TestSIGTERMMidTrafficLosesNothing runs the real binary as two processes
// (`serve`, `worker`), sends signed inbound webhooks from several customers
// at once, SIGTERMs `serve` in the middle, restarts it, and checks that every
// message Twilio got a 200 for is in the transcript exactly once. Webhooks
// that fail while `serve` is down are retried, as Twilio does.
func TestSIGTERMMidTrafficLosesNothing(t *testing.T) {
	bin := buildBinary(t)
	emu := emulator.New(emulator.Config{})
	emuSrv := httptest.NewServer(emu.Handler())
	defer emuSrv.Close()
	defer emu.Close()

	dsn := storetest.NewDSN(t)
	apiAddr, workerAddr, opsAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	apiURL := "http://" + apiAddr
	adminKey := "test-admin-key-" + uuid.NewString()
	env := []string{
		"DATABASE_URL=" + dsn,
		"TEMPORAL_ADDRESS=" + temporalAddr,
		"TEMPORAL_NAMESPACE=default",
		"SWITCHBOARD_TASK_QUEUE=it-proc-" + uuid.NewString()[:8],
		"SWITCHBOARD_HTTP_ADDR=" + apiAddr,
		"SWITCHBOARD_WORKER_HTTP_ADDR=" + workerAddr,
		"SWITCHBOARD_PUBLIC_BASE_URL=" + apiURL,
		"SWITCHBOARD_ADMIN_KEY=" + adminKey,
		"SWITCHBOARD_SECRET_KEY=" + secret.GenerateKey(),
		"SWITCHBOARD_SECRET_KEY_PREVIOUS=",
		"SWITCHBOARD_PAYLOAD_KEY=" + secret.GenerateKey(),
		"SWITCHBOARD_PAYLOAD_KEY_PREVIOUS=",
		"SWITCHBOARD_OPS_ADDR=" + opsAddr,
		"SWITCHBOARD_TWILIO_API_BASE=" + emuSrv.URL,
		"SWITCHBOARD_LOG_FORMAT=json",
		"SWITCHBOARD_LOG_LEVEL=info",
		"SWITCHBOARD_SHUTDOWN_TIMEOUT=10s",
	}
	serve := startProc(t, bin, "serve-1", env, "serve")
	worker := startProc(t, bin, "worker", env, "worker")
	waitHTTP(t, apiURL+"/readyz", 60*time.Second)
	waitHTTP(t, "http://"+workerAddr+"/readyz", 60*time.Second)

	// The account, through the admin API of the running process.
	body, _ := json.Marshal(map[string]any{
		"name": "Contoso", "twilio_account_sid": accountSID, "twilio_auth_token": authToken,
		"numbers": []map[string]string{{"name": "Support", "e164": ourNumber}},
	})
	req, _ := http.NewRequest(http.MethodPost, apiURL+"/api/v1/whatsapp-accounts", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var acc struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&acc)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || acc.ID == "" {
		t.Fatalf("create account: %d", resp.StatusCode)
	}
	inboundURL := apiURL + "/twilio/whatsapp/" + acc.ID + "/inbound"

	// Senders: one per customer, each message posted until it gets a 200.
	const senders, perSender = 4, 15
	hc := &http.Client{Timeout: 5 * time.Second}
	var accepted, retries atomic.Int64
	var mu sync.Mutex
	var sids []string
	post := func(form url.Values) int {
		sig := emulator.Sign(authToken, inboundURL, form)
		req, _ := http.NewRequest(http.MethodPost, inboundURL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		resp, err := hc.Do(req)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for c := range senders {
		customer := fmt.Sprintf("+3361000000%d", c)
		wg.Go(func() {
			for i := range perSender {
				sid := newMessageSID()
				form := inboundForm(sid, customer, fmt.Sprintf("message %d", i))
				deadline := time.Now().Add(60 * time.Second)
				for {
					if st := post(form); st == http.StatusOK {
						break
					}
					retries.Add(1)
					if time.Now().After(deadline) {
						errs <- fmt.Errorf("%s: no 200 within 60s", sid)
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
				mu.Lock()
				sids = append(sids, sid)
				mu.Unlock()
				accepted.Add(1)
				time.Sleep(20 * time.Millisecond)
			}
		})
	}

	// SIGTERM `serve` mid-traffic, then start it again on the same port.
	eventually(t, 30*time.Second, "traffic to flow", func() bool { return accepted.Load() >= senders*perSender/3 })
	took := serve.terminate(t, 20*time.Second)
	t.Logf("serve stopped %s after SIGTERM, with %d messages accepted", took.Round(time.Millisecond), accepted.Load())
	startProc(t, bin, "serve-2", env, "serve")
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	t.Logf("%d messages accepted, %d posts retried", accepted.Load(), retries.Load())

	// Every accepted message is in the transcript exactly once.
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored, rows int
	eventually(t, 30*time.Second, "every accepted message in the transcript", func() bool {
		err := db.QueryRow(`SELECT count(DISTINCT twilio_sid), count(*) FROM messages WHERE twilio_sid = ANY($1)`,
			pq.Array(sids)).Scan(&stored, &rows)
		return err == nil && stored == len(sids)
	})
	if rows != len(sids) {
		t.Fatalf("%d transcript rows for %d messages: some are there twice", rows, len(sids))
	}

	// Both processes' /metrics, on their operations listeners.
	api := scrapeNames(t, "http://"+opsAddr+"/metrics")
	for _, want := range []string{"switchboard_http_requests_total", "switchboard_webhooks_total", "switchboard_inbox_backlog",
		"switchboard_inbox_oldest_age_seconds", "switchboard_conversations", "switchboard_db_stats_up", "temporal_request"} {
		if !strings.Contains(api, want) {
			t.Errorf("serve /metrics lacks %s", want)
		}
	}
	wm := scrapeNames(t, "http://"+workerAddr+"/metrics")
	for _, want := range []string{"switchboard_window_expiries_total", "temporal_workflow_task_execution_latency",
		"temporal_local_activity_execution_latency", "temporal_long_request", "process_resident_memory_bytes"} {
		if !strings.Contains(wm, want) {
			t.Errorf("worker /metrics lacks %s", want)
		}
	}
	if strings.Contains(wm, "switchboard_inbox_backlog") {
		t.Error("the worker exports the PostgreSQL gauges too (they would be counted twice)")
	}

	// The worker stops cleanly too.
	worker.terminate(t, 20*time.Second)
}

// TestMigrateConcurrently runs `switchboard migrate` three times at once
// against a fresh database and a fresh namespace, then once more: every run
// succeeds, each migration is applied once and the Sb* attributes exist.
func TestMigrateConcurrently(t *testing.T) {
	bin := buildBinary(t)
	dsn := storetest.NewDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := "sbmig-" + uuid.NewString()[:8]
	c, err := client.DialContext(ctx, client.Options{HostPort: temporalAddr, Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the namespace to be usable", func() bool {
		_, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
		return err == nil && temporalx.CheckNamespace(ctx, c, ns) == nil
	})

	env := []string{"DATABASE_URL=" + dsn, "TEMPORAL_ADDRESS=" + temporalAddr, "TEMPORAL_NAMESPACE=" + ns, "SWITCHBOARD_LOG_FORMAT=json"}
	run := func(name string) error {
		p := startProc(t, bin, name, env, "migrate")
		select {
		case <-p.done:
			return p.err
		case <-time.After(90 * time.Second):
			return fmt.Errorf("%s: still running after 90s", name)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = run(fmt.Sprintf("migrate-%d", i+1)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrate %d: %v", i+1, err)
		}
	}
	if err := run("migrate-again"); err != nil {
		t.Errorf("migrate run a second time: %v", err)
	}

	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied, twice int
	if err := db.QueryRow(`SELECT count(DISTINCT version_id), count(*) - count(DISTINCT version_id)
		FROM goose_db_version WHERE version_id > 0 AND is_applied`).Scan(&applied, &twice); err != nil {
		t.Fatal(err)
	}
	if applied < 2 || twice != 0 {
		t.Fatalf("goose_db_version: %d versions, %d applied twice", applied, twice)
	}
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	for name := range temporalx.SearchAttributes {
		if _, ok := resp.GetCustomAttributes()[name]; !ok {
			t.Errorf("search attribute %s missing in %s", name, ns)
		}
	}
}

type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
