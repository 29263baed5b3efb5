package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/agentevents"
	"github.com/switchboard/switchboard/internal/store"
)

// fakeEvents is an in-memory agent_events table.
type fakeEvents struct {
	mu     sync.Mutex
	events []store.AgentEvent
	pages  int
}

func (f *fakeEvents) add(agentID, typ string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	conv := "c-" + typ
	f.events = append(f.events, store.AgentEvent{ID: int64(len(f.events) + 1), AgentID: agentID, ConversationID: &conv,
		Type: typ, Payload: json.RawMessage(`{"a": 1}`), CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
}

func (f *fakeEvents) after(_ context.Context, agentID string, after int64, limit int) ([]store.AgentEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages++
	var out []store.AgentEvent
	for _, e := range f.events {
		if e.AgentID == agentID && e.ID > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// streamServer serves one route that opens an eventStream with timing,
// under a server-wide WriteTimeout, on a real socket.
func streamServer(t *testing.T, writeTimeout time.Duration, timing streamTiming, pushDeadline bool, ev *fakeEvents, hub *agentevents.Hub) string {
	t.Helper()
	app := fiber.New(fiber.Config{WriteTimeout: writeTimeout, DisableStartupMessage: true})
	app.Get("/events", func(c *fiber.Ctx) error {
		st := &eventStream{agentID: "a1", last: int64(c.QueryInt("after")), fetch: ev.after, sub: hub.Subscribe("a1"),
			ctx: hub.Context(), logger: slog.New(slog.NewTextHandler(io.Discard, nil)), timing: timing}
		if pushDeadline {
			st.conn = c.Context().Conn()
		}
		c.Set(fiber.HeaderContentType, "text/event-stream")
		c.Context().SetBodyStreamWriter(st.run)
		return nil
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(time.Second) })
	return "http://" + ln.Addr().String() + "/events"
}

// readFor collects the stream's lines until it ends or d passes; it
// returns the lines and how long the stream lasted.
func readFor(t *testing.T, url string, d time.Duration) ([]string, time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, time.Since(start), sc.Err()
}

// TestStreamOutlivesTheServerWriteTimeout: fasthttp sets WriteTimeout once
// for a whole response, so a stream that does not push the deadline dies
// when it passes; ours lives on, beating, until the client leaves.
func TestStreamOutlivesTheServerWriteTimeout(t *testing.T) {
	hub := agentevents.New("", slog.New(slog.NewTextHandler(io.Discard, nil)))
	timing := streamTiming{retry: time.Second, heartbeat: 50 * time.Millisecond, poll: time.Hour, write: 300 * time.Millisecond, page: 10}
	const writeTimeout = 300 * time.Millisecond

	plain := streamServer(t, writeTimeout, timing, false, &fakeEvents{}, hub)
	lines, lasted, _ := readFor(t, plain, 3*time.Second)
	if lasted > 2*time.Second {
		t.Fatalf("without pushing the deadline the stream lasted %s: WriteTimeout no longer covers the whole response, revisit flush", lasted)
	}
	t.Logf("without pushing the deadline: cut after %s (%d lines)", lasted.Round(time.Millisecond), len(lines))

	pushed := streamServer(t, writeTimeout, timing, true, &fakeEvents{}, hub)
	lines, lasted, _ = readFor(t, pushed, 1500*time.Millisecond)
	if lasted < 1400*time.Millisecond || strings.Count(strings.Join(lines, "\n"), ": ping") < 15 {
		t.Fatalf("stream lasted %s with %d lines, want the whole 1.5 s (5 WriteTimeouts) of heartbeats", lasted, len(lines))
	}
	if lines[0] != "retry: 1000" {
		t.Fatalf("first line %q", lines[0])
	}
	// The client left: the next heartbeat fails and the stream unsubscribes.
	deadline := time.Now().Add(2 * time.Second)
	for hub.Subscribers() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions left after the clients disconnected", hub.Subscribers())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStreamFormatPagingAndWakeUps: events go out in id order, page by
// page, in the documented format; a wake-up sends what was added.
func TestStreamFormatPagingAndWakeUps(t *testing.T) {
	hub := agentevents.New("", slog.New(slog.NewTextHandler(io.Discard, nil)))
	ev := &fakeEvents{}
	for i := range 7 {
		ev.add("a1", fmt.Sprint("t", i))
	}
	ev.add("other", "not-mine")
	timing := streamTiming{retry: 2 * time.Second, heartbeat: 100 * time.Millisecond, poll: time.Hour, write: time.Second, page: 3}
	url := streamServer(t, 0, timing, true, ev, hub)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"?after=2", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	block := func() string {
		t.Helper()
		var b strings.Builder
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("stream ended: %v (so far %q)", err, b.String())
			}
			if line == "\n" {
				return b.String()
			}
			b.WriteString(line)
		}
	}
	if got := block(); got != "retry: 2000\n" {
		t.Fatalf("first block %q", got)
	}
	want := func(id int, typ string) string {
		return fmt.Sprintf("id: %d\nevent: %s\ndata: {\"id\":%d,\"type\":%q,\"conversation_id\":\"c-%s\",\"payload\":{\"a\":1},\"created_at\":\"2026-01-02T03:04:05Z\"}\n", id, typ, id, typ, typ)
	}
	for i := 3; i <= 7; i++ {
		if got := block(); got != want(i, fmt.Sprint("t", i-1)) {
			t.Fatalf("event %d:\n got %q\nwant %q", i, got, want(i, fmt.Sprint("t", i-1)))
		}
	}
	ev.add("a1", "late") // id 9 (8 is the other agent's)
	hub.Wake("a1")
	if got := block(); got != want(9, "late") {
		t.Fatalf("after the wake-up: %q", got)
	}
	ev.mu.Lock()
	pages := ev.pages
	ev.mu.Unlock()
	if pages != 3 { // 3 then 2 events after id 2, then 1 after the wake-up
		t.Fatalf("%d queries, want 3", pages)
	}
}

func TestLastEventID(t *testing.T) {
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		id, ok, err := lastEventID(c)
		if err != nil {
			return c.Status(400).SendString(err.Error())
		}
		return c.SendString(fmt.Sprint(id, ok))
	})
	for _, tt := range []struct{ header, query, want string }{
		{"", "", "0 false"},
		{"42", "", "42 true"},
		{"", "7", "7 true"},
		{"42", "7", "42 true"},
		{" 0 ", "", "0 true"},
		{"abc", "", "Last-Event-ID must be an event id"},
		{"-1", "", "Last-Event-ID must be an event id"},
		{"", "1e3", "Last-Event-ID must be an event id"},
	} {
		req, _ := http.NewRequest(http.MethodGet, "/?last_event_id="+tt.query, nil)
		if tt.header != "" {
			req.Header.Set("Last-Event-ID", tt.header)
		}
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(b), tt.want) {
			t.Errorf("header %q query %q: %s, want %s", tt.header, tt.query, b, tt.want)
		}
	}
}
