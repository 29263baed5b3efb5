package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/api"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/distribution"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

const (
	chanAdminKey = "first-admin-key-0123456789"
	chanOpsKey   = "second-admin-key-0123456789"
)

// chanAPI is the API over real HTTP on a fresh database, without Temporal
// (the routes tested with it never reach a workflow), with every log line
// and response body kept to look for secrets.
type chanAPI struct {
	t      *testing.T
	base   string
	cfg    config.Config
	store  *store.Store
	mu     sync.Mutex
	logs   bytes.Buffer
	bodies bytes.Buffer
}

func newChanAPI(t *testing.T) *chanAPI {
	t.Helper()
	return newChanAPIWith(t, nil)
}

// newChanAPIWith is newChanAPI with its dependencies changed by tweak
// (nil changes nothing) before the API is built.
func newChanAPIWith(t *testing.T, tweak func(*api.Deps)) *chanAPI {
	t.Helper()
	a := &chanAPI{t: t, store: storetest.New(t)}
	box, err := secret.NewBox(secret.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.cfg = config.Defaults()
	a.cfg.PublicBaseURL = "http://" + ln.Addr().String()
	a.cfg.AdminKeys = []string{chanAdminKey, "ops:" + chanOpsKey}
	a.cfg.AdminKey = chanAdminKey
	logger := slog.New(slog.NewTextHandler(lockedWriter{a}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	deps := storeDeps(a.cfg, a.store, box, logger)
	if tweak != nil {
		tweak(&deps)
	}
	app := api.New(deps).App()
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	a.base = a.cfg.PublicBaseURL
	return a
}

type lockedWriter struct{ a *chanAPI }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.a.mu.Lock()
	defer w.a.mu.Unlock()
	return w.a.logs.Write(p)
}

// do calls the API with the first admin key and decodes the answer into out.
func (a *chanAPI) do(method, path string, body any, want int, out any) string {
	a.t.Helper()
	return a.doKey(chanAdminKey, method, path, body, want, out)
}

func (a *chanAPI) doKey(key, method, path string, body any, want int, out any) string {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, a.base+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a.mu.Lock()
	a.bodies.Write(raw)
	a.mu.Unlock()
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return string(raw)
}

// fails calls the API expecting an error status whose message mentions each part.
func (a *chanAPI) fails(method, path string, body any, want int, parts ...string) {
	a.t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	raw := a.do(method, path, body, want, &e)
	for _, p := range parts {
		if !strings.Contains(e.Error.Message, p) {
			a.t.Fatalf("%s %s: %s does not mention %q", method, path, raw, p)
		}
	}
}

// seen reports whether s appears in any response body or log line so far.
func (a *chanAPI) seen(s string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Contains(a.logs.String(), s) || strings.Contains(a.bodies.String(), s)
}

type list[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor"`
}

// storeDeps gives every area of the API the store, and the distribution of
// its database (no Temporal: nothing waits to be assigned in these tests),
// as app.New does.
func storeDeps(cfg config.Config, st *store.Store, box *secret.Box, logger *slog.Logger) api.Deps {
	tokens := secret.NewTokens(func(ctx context.Context, id string) (secret.StoredToken, error) {
		a, err := st.AccountSecret(ctx, id)
		return secret.StoredToken{AccountSID: a.AccountSID, AuthTokenEnc: a.AuthTokenEnc}, err
	}, box)
	return api.Deps{Config: cfg, Logger: logger, Box: box, Tokens: tokens,
		Accounts: st, Workstreams: st, Queues: st, SLAPolicies: st, Agents: st, Templates: st, Audit: st,
		Conversations: st, AgentAPI: st, AgentEvents: st, Webhooks: st, Customers: st, RoutingInputs: st,
		Idempotency: st, Postgres: st, Reports: st, Campaigns: st, Distribution: distribution.New(st, nil, logger)}
}
