package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// idemHarness serves the idempotency middleware in front of a handler the
// test steers, over real HTTP, on a fresh PostgreSQL schema.
type idemHarness struct {
	t     *testing.T
	base  string
	calls atomic.Int32
	// status and release steer the handler: it answers status once
	// release is closed (nil: at once).
	mu      sync.Mutex
	status  int
	release chan struct{}
	ids     []string // requestUUID of each run
}

func newIdemHarness(t *testing.T, wait time.Duration) *idemHarness {
	h := &idemHarness{t: t, status: http.StatusCreated}
	s := &Server{idempotency: storetest.New(t), logger: slog.New(slog.DiscardHandler), IdempotencyWait: wait}
	app := fiber.New(fiber.Config{ErrorHandler: s.errorHandler, DisableStartupMessage: true})
	handler := func(c *fiber.Ctx) error {
		n := h.calls.Add(1)
		h.mu.Lock()
		status, release := h.status, h.release
		h.ids = append(h.ids, requestUUID(c))
		h.mu.Unlock()
		if release != nil {
			<-release
		}
		return c.Status(status).JSON(fiber.Map{"run": n, "id": requestUUID(c)})
	}
	app.Post("/things/:id", s.idempotent, handler)
	app.Post("/other/:id", s.idempotent, handler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	h.base = "http://" + ln.Addr().String()
	return h
}

type idemAnswer struct {
	status   int
	replayed bool
	body     string
	code     string
}

func (h *idemHarness) post(path, token, key, body string) idemAnswer {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set(HeaderIdempotencyKey, key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := idemAnswer{status: resp.StatusCode, replayed: resp.Header.Get(headerReplayed) == "true", body: string(raw)}
	var e errorBody
	if json.Unmarshal(raw, &e) == nil {
		a.code = string(e.Error.Code)
	}
	return a
}

// The same key and body runs once and replays its answer; another body is
// 422; another credential, route or path parameter is another key; no key
// runs every time; requestUUID is the same for the same key and body.
func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	h := newIdemHarness(t, time.Second)
	first := h.post("/things/1", "alice", "k-1", `{"text":"hi"}`)
	again := h.post("/things/1", "alice", "k-1", `{"text":"hi"}`)
	if first.status != 201 || first.replayed || again.status != 201 || !again.replayed || again.body != first.body {
		t.Fatalf("first %+v, retry %+v", first, again)
	}
	if got := h.post("/things/1", "alice", `"k-1"`, `{"text":"hi"}`); !got.replayed {
		t.Fatalf("the quoted form of the key is the same key: %+v", got)
	}
	if got := h.post("/things/1", "alice", "k-1", `{"text":"hi!"}`); got.status != 422 || got.code != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("another body: %+v", got)
	}
	if h.calls.Load() != 1 {
		t.Fatalf("%d runs, want 1", h.calls.Load())
	}
	for _, other := range []struct{ path, token, key string }{
		{"/things/1", "bob", "k-1"},   // another credential
		{"/things/2", "alice", "k-1"}, // another path parameter
		{"/other/1", "alice", "k-1"},  // another route
		{"/things/1", "alice", "k-2"}, // another key
		{"/things/1", "alice", ""},    // no key
		{"/things/1", "alice", ""},    // no key, again
	} {
		if got := h.post(other.path, other.token, other.key, `{"text":"hi"}`); got.status != 201 || got.replayed {
			t.Fatalf("%+v: %+v", other, got)
		}
	}
	if h.calls.Load() != 7 {
		t.Fatalf("%d runs, want 7", h.calls.Load())
	}
	ids := map[string]bool{}
	for _, id := range h.ids {
		ids[id] = true
	}
	if len(ids) != 7 {
		t.Fatalf("requestUUIDs %v: want 7 distinct", h.ids)
	}
	// The id derived from a key does not change between runs (a 5xx released it).
	h.mu.Lock()
	h.status = http.StatusServiceUnavailable
	h.mu.Unlock()
	h.post("/things/9", "alice", "k-9", `{}`)
	h.post("/things/9", "alice", "k-9", `{}`)
	if n := len(h.ids); h.ids[n-1] != h.ids[n-2] {
		t.Fatalf("requestUUID changed between two runs of one key: %v", h.ids[n-2:])
	}
}

// 2xx and 4xx answers are kept, 5xx and 429 are not: the retry runs.
func TestIdempotencyKeyKeepsOnlyFinalAnswers(t *testing.T) {
	h := newIdemHarness(t, time.Second)
	for i, tc := range []struct {
		status int
		kept   bool
	}{
		{http.StatusAccepted, true}, {http.StatusNotFound, true}, {http.StatusConflict, true},
		{http.StatusTooManyRequests, false}, {http.StatusInternalServerError, false}, {http.StatusServiceUnavailable, false},
	} {
		h.mu.Lock()
		h.status = tc.status
		h.mu.Unlock()
		key := "k" + string(rune('a'+i))
		before := h.calls.Load()
		first := h.post("/things/1", "alice", key, `{}`)
		again := h.post("/things/1", "alice", key, `{}`)
		runs := h.calls.Load() - before
		if first.status != tc.status || again.status != tc.status || again.replayed != tc.kept || (runs == 1) != tc.kept {
			t.Fatalf("status %d: first %+v, retry %+v, %d runs", tc.status, first, again, runs)
		}
	}
}

// A retry while the first request runs waits for its answer; past the
// bound it gets 409 IDEMPOTENCY_KEY_IN_PROGRESS.
func TestIdempotencyKeyRetryWaitsForTheFirstThenGives409(t *testing.T) {
	for _, bound := range []time.Duration{700 * time.Millisecond, 20 * time.Second} {
		h := newIdemHarness(t, bound)
		release := make(chan struct{})
		h.mu.Lock()
		h.release = release
		h.mu.Unlock()
		released := sync.OnceFunc(func() { close(release) })
		firstDone := make(chan idemAnswer)
		go func() { firstDone <- h.post("/things/1", "alice", "k", `{}`) }()
		for h.calls.Load() == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		if bound < time.Second {
			start := time.Now()
			got := h.post("/things/1", "alice", "k", `{}`)
			waited := time.Since(start)
			released()
			<-firstDone
			if got.status != 409 || got.code != "IDEMPOTENCY_KEY_IN_PROGRESS" {
				t.Fatalf("past the bound: %+v", got)
			}
			if waited < 500*time.Millisecond || waited > 5*time.Second {
				t.Fatalf("the 409 came after %s, want about the %s bound", waited, bound)
			}
			continue
		}
		waiting := make(chan idemAnswer)
		go func() { waiting <- h.post("/things/1", "alice", "k", `{}`) }()
		time.Sleep(300 * time.Millisecond)
		released()
		first, second := <-firstDone, <-waiting
		if first.status != 201 || second.status != 201 || !second.replayed || second.body != first.body || h.calls.Load() != 1 {
			t.Fatalf("first %+v, waiting retry %+v, %d runs", first, second, h.calls.Load())
		}
	}
}

func TestIdempotencyKeyMalformedIs400(t *testing.T) {
	h := newIdemHarness(t, time.Second)
	for _, key := range []string{strings.Repeat("k", 256), "tab\tkey", `""`, "é"} {
		if got := h.post("/things/1", "alice", key, `{}`); got.status != 400 || got.code != "INVALID_ARGUMENT" || !strings.Contains(got.body, HeaderIdempotencyKey) {
			t.Fatalf("key %q: %+v", key, got)
		}
	}
	if h.calls.Load() != 0 {
		t.Fatal("a request with a malformed key ran")
	}
	if got := h.post("/things/1", "alice", strings.Repeat("k", 255), `{}`); got.status != 201 {
		t.Fatalf("a 255-character key: %+v", got)
	}
}

// Every route that honours Idempotency-Key documents it in /openapi.json,
// and only those; every POST that creates a message or a conversation
// honours it.
func TestIdempotencyKeyIsDocumentedWhereItIsHonoured(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	app := New(Deps{Config: config.Defaults(), Logger: logger}).App()
	param := regexp.MustCompile(`:([A-Za-z0-9_]+)`)
	honoured := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		for _, h := range r.Handlers {
			if strings.HasSuffix(runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name(), ".idempotent-fm") {
				honoured[strings.ToLower(r.Method)+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
			}
		}
	}
	for _, creating := range []string{
		"post /api/v1/conversations", "post /api/v1/conversations/{id}/messages",
		"post /api/v1/agent/conversations", "post /api/v1/agent/conversations/{id}/messages",
	} {
		if !honoured[creating] {
			t.Errorf("%s does not honour Idempotency-Key", creating)
		}
	}
	raw, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, item := range doc.Paths {
		for method, op := range item {
			if strings.Contains(string(op), `"#/components/parameters/IdempotencyKey"`) {
				documented[method+" "+p] = true
			}
		}
	}
	if !reflect.DeepEqual(honoured, documented) {
		t.Fatalf("routes honouring Idempotency-Key %v, documenting it %v", honoured, documented)
	}
}
