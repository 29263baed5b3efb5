package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/secret"
)

// lockedLog is a log sink safe for the stack's goroutines.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// apiError is the JSON error answer.
type apiError struct {
	Error struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
}

// adminRaw calls the admin API and returns the status, the headers and the
// raw body, whatever they are.
func (s *stack) adminRaw(method, path string, body any) (int, http.Header, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.apiURL+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}

// wantError calls the admin API and checks the error answer.
func (s *stack) wantError(method, path string, body any, status int, code domain.Code, msgParts ...string) apiError {
	s.t.Helper()
	var e apiError
	s.admin(method, path, body, status, &e)
	if e.Error.Code != string(code) {
		s.t.Fatalf("%s %s: code %q, want %s (%s)", method, path, e.Error.Code, code, e.Error.Message)
	}
	for _, p := range msgParts {
		if !strings.Contains(e.Error.Message, p) {
			s.t.Fatalf("%s %s: message %q does not say %q", method, path, e.Error.Message, p)
		}
	}
	return e
}

// insertQueue adds a queue directly (queues have their own API and tests).
func (s *stack) insertQueue(name string) string {
	s.t.Helper()
	id := uuid.NewString()
	if _, err := s.app.Store.DB().Exec(`INSERT INTO queues (id, name) VALUES ($1, $2)`, id, name); err != nil {
		s.t.Fatal(err)
	}
	return id
}

func TestAgentsCRUDAndTokenShownOnce(t *testing.T) {
	logs := &lockedLog{}
	s := newConfiguredStack(t, temporalAddr, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), nil)
	ctx := context.Background()
	billing, sales := s.insertQueue("billing"), s.insertQueue("sales")

	status, hdr, raw := s.adminRaw(http.MethodPost, "/api/v1/agents", map[string]any{
		"name": "Ada Lovelace", "email": "Ada@Example.com", "capacity": 3,
		"skills": map[string]int{" French ": 8, "billing": 5}, "queue_ids": []string{billing},
	})
	if status != http.StatusCreated || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s", status, raw)
	}
	var ada domain.Agent
	_ = json.Unmarshal(raw, &ada)
	token := ada.Token
	if !strings.HasPrefix(token, "sbat_") || len(token) != len("sbat_")+43 || ada.Email != "ada@example.com" ||
		ada.Presence != domain.PresenceOffline || ada.Skills["french"] != 8 || len(ada.QueueIDs) != 1 || ada.QueueIDs[0] != billing {
		t.Fatalf("created agent: %s", raw)
	}

	// The token is never shown again, and the database keeps only its hash.
	for _, path := range []string{"/api/v1/agents/" + ada.ID, "/api/v1/agents"} {
		status, _, raw := s.adminRaw(http.MethodGet, path, nil)
		if status != http.StatusOK || strings.Contains(string(raw), token) || strings.Contains(string(raw), `"token"`) {
			t.Fatalf("GET %s: %d %s", path, status, raw)
		}
	}
	var hash string
	if err := s.app.Store.DB().Get(&hash, `SELECT token_hash FROM agents WHERE id = $1`, ada.ID); err != nil {
		t.Fatal(err)
	}
	if hash != secret.HashAgentToken(token) {
		t.Fatalf("token_hash %q is not the hex SHA-256 of the token", hash)
	}
	var leaks int
	_ = s.app.Store.DB().Get(&leaks, `SELECT count(*) FROM agents a WHERE row_to_json(a)::text LIKE '%' || $1 || '%'`, token[5:])
	if leaks != 0 {
		t.Fatal("the token is stored in clear")
	}
	if got, err := s.app.Store.AgentByToken(ctx, token); err != nil || got.ID != ada.ID {
		t.Fatalf("AgentByToken: %+v, %v", got, err)
	}

	// Rotation: a new token, once; the old one stops working at once.
	var rotated domain.Agent
	s.admin(http.MethodPost, "/api/v1/agents/"+ada.ID+"/token", nil, http.StatusOK, &rotated)
	if rotated.Token == "" || rotated.Token == token || rotated.ID != ada.ID {
		t.Fatalf("rotated: %+v", rotated)
	}
	if _, err := s.app.Store.AgentByToken(ctx, token); domain.ErrorCode(err) != domain.CodeUnauthorized {
		t.Fatalf("old token after rotation: %v", err)
	}
	if got, err := s.app.Store.AgentByToken(ctx, rotated.Token); err != nil || got.ID != ada.ID {
		t.Fatalf("new token: %+v, %v", got, err)
	}
	s.wantError(http.MethodPost, "/api/v1/agents/"+uuid.NewString()+"/token", nil, http.StatusNotFound, domain.CodeNotFound)

	// PATCH changes only what it names; lists replace.
	var patched domain.Agent
	s.admin(http.MethodPatch, "/api/v1/agents/"+ada.ID, map[string]any{"capacity": 5, "queue_ids": []string{sales, billing}}, http.StatusOK, &patched)
	if patched.Capacity != 5 || len(patched.QueueIDs) != 2 || patched.Name != "Ada Lovelace" || patched.Skills["billing"] != 5 || patched.Token != "" {
		t.Fatalf("patched: %+v", patched)
	}
	patched = domain.Agent{} // decoding into a map merges
	s.admin(http.MethodPatch, "/api/v1/agents/"+ada.ID, map[string]any{"skills": map[string]int{"german": 2}, "presence": "available", "queue_ids": []string{}}, http.StatusOK, &patched)
	if len(patched.Skills) != 1 || patched.Skills["german"] != 2 || patched.Presence != domain.PresenceAvailable || len(patched.QueueIDs) != 0 ||
		!patched.PresenceChangedAt.After(ada.PresenceChangedAt) {
		t.Fatalf("patched: %+v", patched)
	}

	var bob domain.Agent
	s.admin(http.MethodPost, "/api/v1/agents", map[string]any{"name": "Bob", "email": "bob@example.com", "queue_ids": []string{sales}}, http.StatusCreated, &bob)
	if bob.Capacity != 1 {
		t.Fatalf("default capacity: %d", bob.Capacity)
	}
	var list listResponse[domain.Agent]
	s.admin(http.MethodGet, "/api/v1/agents", nil, http.StatusOK, &list)
	if len(list.Data) != 2 || list.Data[0].ID != ada.ID || list.Data[1].ID != bob.ID {
		t.Fatalf("list: %+v", list.Data)
	}
	s.admin(http.MethodGet, "/api/v1/agents?queue_id="+sales+"&presence=offline", nil, http.StatusOK, &list)
	if len(list.Data) != 1 || list.Data[0].ID != bob.ID {
		t.Fatalf("filtered list: %+v", list.Data)
	}

	s.admin(http.MethodDelete, "/api/v1/agents/"+bob.ID, nil, http.StatusNoContent, nil)
	s.wantError(http.MethodGet, "/api/v1/agents/"+bob.ID, nil, http.StatusNotFound, domain.CodeNotFound)
	s.wantError(http.MethodDelete, "/api/v1/agents/"+bob.ID, nil, http.StatusNotFound, domain.CodeNotFound)
	s.wantError(http.MethodGet, "/api/v1/agents/not-a-uuid", nil, http.StatusNotFound, domain.CodeNotFound)

	// Neither token is in the audit log or in any log line.
	var audit string
	_ = s.app.Store.DB().Get(&audit, `SELECT coalesce(string_agg(changes::text, ' '), '') FROM audit_log WHERE resource_type = 'agent'`)
	var entries int
	_ = s.app.Store.DB().Get(&entries, `SELECT count(*) FROM audit_log WHERE resource_type = 'agent'`)
	if entries < 6 || strings.Contains(audit, token) || strings.Contains(audit, rotated.Token) {
		t.Fatalf("audit: %d entries: %s", entries, audit)
	}
	if out := logs.String(); strings.Contains(out, token[5:]) || strings.Contains(out, rotated.Token[5:]) || strings.Contains(out, hash) {
		t.Fatal("an agent token is in the logs")
	}
}

func TestAgentValidation(t *testing.T) {
	s := newStack(t, temporalAddr)
	queue := s.insertQueue("support")
	missing := uuid.NewString()
	valid := func(change func(map[string]any)) map[string]any {
		body := map[string]any{"name": "Ada", "email": "ada@example.com", "capacity": 2,
			"skills": map[string]int{"french": 3}, "queue_ids": []string{queue}, "presence": "away"}
		change(body)
		return body
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   domain.Code
		says   string
	}{
		{"name missing", valid(func(b map[string]any) { delete(b, "name") }), 400, domain.CodeInvalid, "name is required"},
		{"name blank", valid(func(b map[string]any) { b["name"] = "  " }), 400, domain.CodeInvalid, "name is required"},
		{"email missing", valid(func(b map[string]any) { delete(b, "email") }), 400, domain.CodeInvalid, "email"},
		{"email invalid", valid(func(b map[string]any) { b["email"] = "ada-at-example.com" }), 400, domain.CodeInvalid, "email"},
		{"email with a name", valid(func(b map[string]any) { b["email"] = "Ada <ada@example.com>" }), 400, domain.CodeInvalid, "email"},
		{"capacity negative", valid(func(b map[string]any) { b["capacity"] = -1 }), 400, domain.CodeInvalid, "capacity must be from 0 to 50"},
		{"capacity 51", valid(func(b map[string]any) { b["capacity"] = 51 }), 400, domain.CodeInvalid, "capacity must be from 0 to 50"},
		{"capacity not a number", valid(func(b map[string]any) { b["capacity"] = "2" }), 400, domain.CodeInvalid, "capacity"},
		{"proficiency 0", valid(func(b map[string]any) { b["skills"] = map[string]int{"french": 0} }), 400, domain.CodeInvalid, "from 1 to 10"},
		{"proficiency 11", valid(func(b map[string]any) { b["skills"] = map[string]int{"french": 11} }), 400, domain.CodeInvalid, "from 1 to 10"},
		{"skill name empty", valid(func(b map[string]any) { b["skills"] = map[string]int{" ": 3} }), 400, domain.CodeInvalid, "skill name is empty"},
		{"skill twice", valid(func(b map[string]any) { b["skills"] = map[string]int{"French": 3, "french": 4} }), 400, domain.CodeInvalid, "listed twice"},
		{"queue missing", valid(func(b map[string]any) { b["queue_ids"] = []string{queue, missing} }), 400, domain.CodeInvalid, missing},
		{"queue id malformed", valid(func(b map[string]any) { b["queue_ids"] = []string{"q1"} }), 400, domain.CodeInvalid, `"q1"`},
		{"presence unknown", valid(func(b map[string]any) { b["presence"] = "lunch" }), 400, domain.CodeInvalid, "presence must be"},
		{"token is not an input", valid(func(b map[string]any) { b["token"] = "sbat_mine" }), 400, domain.CodeInvalid, "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			s.wantError(http.MethodPost, "/api/v1/agents", tt.body, tt.status, tt.code, tt.says)
		})
	}
	s.t = t
	var list listResponse[domain.Agent]
	s.admin(http.MethodGet, "/api/v1/agents", nil, http.StatusOK, &list)
	if len(list.Data) != 0 {
		t.Fatalf("refused agents were stored: %+v", list.Data)
	}

	// Limits are accepted; e-mail addresses are unique whatever their case.
	var ada domain.Agent
	s.admin(http.MethodPost, "/api/v1/agents", valid(func(b map[string]any) {
		b["capacity"], b["skills"] = 50, map[string]int{"a": 1, "b": 10}
	}), http.StatusCreated, &ada)
	var zero domain.Agent
	s.admin(http.MethodPost, "/api/v1/agents", map[string]any{"name": "Zero", "email": "zero@example.com", "capacity": 0}, http.StatusCreated, &zero)
	if zero.Capacity != 0 {
		t.Fatalf("capacity 0 became %d", zero.Capacity)
	}
	s.wantError(http.MethodPost, "/api/v1/agents", valid(func(b map[string]any) { b["email"] = "ADA@example.com" }), http.StatusConflict, domain.CodeConflict, "email")
	s.wantError(http.MethodPatch, "/api/v1/agents/"+zero.ID, map[string]any{"email": "ada@example.com"}, http.StatusConflict, domain.CodeConflict, "email")

	// A refused PATCH changes nothing.
	s.wantError(http.MethodPatch, "/api/v1/agents/"+ada.ID, map[string]any{"name": "Changed", "queue_ids": []string{missing}}, http.StatusBadRequest, domain.CodeInvalid, missing)
	s.wantError(http.MethodPatch, "/api/v1/agents/"+ada.ID, map[string]any{"name": "Changed", "capacity": 99}, http.StatusBadRequest, domain.CodeInvalid, "capacity")
	var got domain.Agent
	s.admin(http.MethodGet, "/api/v1/agents/"+ada.ID, nil, http.StatusOK, &got)
	if got.Name != "Ada" || got.Capacity != 50 || len(got.QueueIDs) != 1 {
		t.Fatalf("after refused patches: %+v", got)
	}
	s.wantError(http.MethodPatch, "/api/v1/agents/"+uuid.NewString(), map[string]any{"name": "X"}, http.StatusNotFound, domain.CodeNotFound)
	s.wantError(http.MethodGet, "/api/v1/agents?presence=lunch", nil, http.StatusBadRequest, domain.CodeInvalid, "presence")
	s.wantError(http.MethodGet, "/api/v1/agents?queue_id=nope", nil, http.StatusBadRequest, domain.CodeInvalid, "queue_id")
}
