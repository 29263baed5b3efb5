package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/health"
	"github.com/switchboard/switchboard/internal/logging"
	"github.com/switchboard/switchboard/internal/metrics/metricstest"
)

// syncBuffer is a log sink shared by every goroutine of a stack.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestOperationsOnAFullConversation runs a conversation (inbound, reply,
// status callbacks, a duplicate and a forged webhook) with every log line
// captured at debug level, then checks the logs hold no secret and no full
// phone number, that /readyz names its checks, and that both processes'
// /metrics (the API, and the worker's own HTTP server) export the names.
func TestOperationsOnAFullConversation(t *testing.T) {
	logs := &syncBuffer{}
	// The production logger (JSON, phone masking), at debug, without the
	// secret scrubber: our code itself must not log secrets.
	logger := logging.New(io.MultiWriter(logs, testLogWriter{t}), logging.Options{Format: "json", Level: "debug"})
	s := newStackWithLogger(t, temporalAddr, logger)
	ctx := context.Background()
	if _, err := s.app.Store.DB().ExecContext(ctx, `INSERT INTO queues (id, name) VALUES ($1, 'Support')`, uuid.NewString()); err != nil {
		t.Fatal(err)
	}

	sid, status, err := s.emu.SendInbound(ctx, emulator.InboundRequest{
		AccountSID: accountSID, From: customerOne, To: ourNumber, Body: "Bonjour", ProfileName: "Marie",
	})
	if err != nil || status != http.StatusOK {
		t.Fatalf("inbound: %d %v", status, err)
	}
	conv := s.waitConversation(t)
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	if got := s.postWebhook(path, inboundForm(sid, customerOne, "Bonjour"), authToken, ""); got != http.StatusOK {
		t.Fatalf("duplicate: %d", got)
	}
	if got := s.postWebhook(path, inboundForm(newMessageSID(), customerOne, "forged"), "ffffffffffffffffffffffffffffffff", ""); got != http.StatusForbidden {
		t.Fatalf("forged: %d", got)
	}
	var reply domain.Message
	s.admin(http.MethodPost, "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"text": "Bonjour Marie"}, http.StatusCreated, &reply)
	eventually(t, 10*time.Second, "the reply to be read", func() bool {
		for _, m := range s.messages(conv.ID) {
			if m.ID == reply.ID {
				return m.Status == domain.StatusRead
			}
		}
		return false
	})
	agentToken := s.tryAgentToken()

	// Request ids: echoed when sane, generated otherwise.
	resp := s.get(t, "/healthz", map[string]string{"X-Request-Id": "req-abc-123"})
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") != "req-abc-123" {
		t.Fatalf("healthz: %d, request id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	resp = s.get(t, "/healthz", map[string]string{"X-Request-Id": "bad id with spaces"})
	if _, err := uuid.Parse(resp.Header.Get("X-Request-Id")); err != nil {
		t.Fatalf("generated request id %q", resp.Header.Get("X-Request-Id"))
	}

	// Readiness of the API on the operations listener: every dependency named.
	var rep health.Report
	resp = s.getFrom(t, s.opsURL, "/readyz", nil)
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || rep.Status != "ready" {
		t.Fatalf("readyz: %d %+v", resp.StatusCode, rep)
	}
	for _, name := range []string{"postgres", "migrations", "temporal", "task_queue"} {
		if rep.Checks[name].Status != "ok" {
			t.Errorf("readyz check %s: %+v", name, rep.Checks[name])
		}
	}

	// The public port says ready and nothing else, and has no /metrics.
	resp = s.get(t, "/readyz", nil)
	if body := string(s.read(t, resp)); resp.StatusCode != 200 || body != `{"status":"ready"}` {
		t.Errorf("public /readyz: %d %s, want {\"status\":\"ready\"} alone", resp.StatusCode, body)
	}
	if resp := s.get(t, "/metrics", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", resp.StatusCode)
	}

	// The API's /metrics, on the operations listener.
	api := string(s.read(t, s.getFrom(t, s.opsURL, "/metrics", nil)))
	for _, want := range []string{
		`switchboard_http_requests_total{method="POST",route="/api/v1/conversations/:id/messages",status="201"} 1`,
		`switchboard_http_request_duration_seconds_bucket{method="GET",route="/api/v1/conversations/:id/messages"`,
		`switchboard_http_requests_in_flight`,
		`switchboard_webhooks_total{reason="stored",result="accepted",webhook="inbound"} 1`,
		`switchboard_webhooks_total{reason="duplicate",result="accepted",webhook="inbound"} 1`,
		`switchboard_webhooks_total{reason="bad_signature",result="refused",webhook="inbound"} 1`,
		`switchboard_webhooks_total{reason="applied",result="accepted",webhook="status"}`,
		`switchboard_inbox_backlog 0`,
		`switchboard_inbox_oldest_age_seconds 0`,
		`switchboard_conversations{mode="session",state=`,
		`switchboard_queue_length{queue="Support",queue_id=`,
		`switchboard_queue_oldest_wait_seconds{queue="Support",queue_id=`,
		`switchboard_db_stats_up 1`,
		`temporal_request`, // the SDK's client metrics
	} {
		if !strings.Contains(api, want) {
			t.Errorf("API /metrics lacks %s\n%s", want, api)
		}
	}
	if strings.Contains(api, conv.ID) || strings.Contains(api, s.account.ID) {
		t.Error("API /metrics has raw paths (ids) in labels")
	}

	// The worker's HTTP server (the stack runs the worker in-process).
	wsrv := httptest.NewServer(s.app.WorkerHTTPHandler(s.app.ReadyChecker(app.RoleWorker)))
	defer wsrv.Close()
	for _, p := range []string{"/healthz", "/readyz"} {
		r, err := http.Get(wsrv.URL + p)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("worker %s: %v %v", p, r, err)
		}
		r.Body.Close()
	}
	r, err := http.Get(wsrv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	worker := string(s.read(t, r))
	for _, want := range []string{
		`switchboard_twilio_sends_total{error_code="",outcome="accepted"} 1`,
		`switchboard_twilio_send_duration_seconds_bucket{outcome="accepted"`,
		`switchboard_window_expiries_total{reason="window_expired"}`,
		`temporal_workflow_task_execution_latency`,
		`temporal_activity_execution_latency`,
		`go_goroutines`,
	} {
		if !strings.Contains(worker, want) {
			t.Errorf("worker /metrics lacks %s", want)
		}
	}

	// The dashboard and the alerting rules (deploy/) query only what a real
	// API and worker export after a conversation.
	exprs, err := metricstest.DeployExprs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range metricstest.Unknown(exprs, metricstest.ExportedNames(api+"\n"+worker)) {
		t.Errorf("%s: not in the /metrics of the API or the worker", u)
	}

	// Logs: one line per request, with its id; nothing secret, no full number.
	s.stopNow()
	out := logs.String()
	if !strings.Contains(out, `"msg":"http request"`) || !strings.Contains(out, `"request_id":"req-abc-123"`) ||
		!strings.Contains(out, `"route":"/api/v1/conversations/:id/messages"`) {
		t.Errorf("no access log lines with route and request id")
	}
	if !strings.Contains(out, domain.Mask(customerOne)) {
		t.Errorf("the masked customer number never appears: is anything logged about the conversation?")
	}
	leaks := map[string]string{
		"auth token": authToken, "admin key": s.cfg.AdminKey, "secret key": s.cfg.SecretKeys[0],
		"customer number": customerOne, "customer number (digits)": strings.TrimPrefix(customerOne, "+"),
		"sender number": ourNumber, "sender number (digits)": strings.TrimPrefix(ourNumber, "+"),
	}
	if agentToken != "" {
		leaks["agent token"] = agentToken
	} else {
		t.Log("no agent API yet: agent tokens not checked")
	}
	for what, secret := range leaks {
		if i := strings.Index(out, secret); i >= 0 {
			t.Errorf("%s found in the logs: …%s…", what, out[max(0, i-200):min(len(out), i+100)])
		}
	}
	t.Logf("%d log lines checked", strings.Count(out, "\n"))
}

// tryAgentToken creates an agent when the admin API has them and returns
// its token ("" otherwise), so that the log check covers agent tokens.
func (s *stack) tryAgentToken() string {
	b, _ := json.Marshal(map[string]any{"name": "Alice", "email": "alice@example.com", "capacity": 2})
	req, _ := http.NewRequest(http.MethodPost, s.apiURL+"/api/v1/agents", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil || out.Token == "" {
		return ""
	}
	// Use it once, so that a request authenticated with it is logged too.
	req, _ = http.NewRequest(http.MethodGet, s.apiURL+"/api/v1/agent/me", nil)
	req.Header.Set("Authorization", "Bearer "+out.Token)
	if r, err := http.DefaultClient.Do(req); err == nil {
		r.Body.Close()
	}
	return out.Token
}

func (s *stack) get(t *testing.T, path string, headers map[string]string) *http.Response {
	t.Helper()
	return s.getFrom(t, s.apiURL, path, headers)
}

// getFrom is get on another listener (base: s.opsURL, the operations one).
func (s *stack) getFrom(t *testing.T, base, path string, headers map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (s *stack) read(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stopNow stops the stack's API, relay and worker (cleanup would too), so
// that their shutdown logs are captured as well.
func (s *stack) stopNow() {
	s.stop()
	<-s.done
}
