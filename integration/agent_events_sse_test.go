package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// sseEvent is one event read from /api/v1/agent/events.
type sseEvent struct {
	ID   int64
	Type string
	Data struct {
		ID             int64          `json:"id"`
		Type           string         `json:"type"`
		ConversationID string         `json:"conversation_id"`
		Payload        map[string]any `json:"payload"`
		CreatedAt      time.Time      `json:"created_at"`
	}
	At time.Time // when its closing blank line was read
}

// sseClient reads an agent's stream line by line, as a console would.
type sseClient struct {
	t      *testing.T
	cancel context.CancelFunc
	events chan sseEvent
	ended  chan struct{} // the stream ended (EOF or error)
	got    []sseEvent    // every event taken with next

	mu    sync.Mutex
	retry string
	pings int
	bad   string // a malformed block, if any
}

// openEvents opens the stream with token and extra headers or query; it
// checks the answer is a stream.
func (s *stack) openEvents(t *testing.T, token, query string, header map[string]string) *sseClient {
	t.Helper()
	return s.openStream(t, "/api/v1/agent/events", token, query, header)
}

// openStream is openEvents for any event stream (the supervisor's too).
func (s *stack) openStream(t *testing.T, path, token, query string, header map[string]string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.apiURL+path+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" ||
		resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("X-Accel-Buffering") != "no" {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("events: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	c := &sseClient{t: t, cancel: cancel, events: make(chan sseEvent, 1000), ended: make(chan struct{})}
	go c.read(resp.Body)
	t.Cleanup(c.close)
	return c
}

func (c *sseClient) read(body io.ReadCloser) {
	defer close(c.ended)
	defer body.Close()
	rd := bufio.NewReader(body)
	var block []string
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		if line != "" {
			block = append(block, line)
			continue
		}
		c.dispatch(block)
		block = nil
	}
}

// dispatch checks one block: a retry line, a ping comment, or an event
// written exactly as id, event, data.
func (c *sseClient) dispatch(block []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case len(block) == 1 && strings.HasPrefix(block[0], "retry: "):
		c.retry = strings.TrimPrefix(block[0], "retry: ")
		return
	case len(block) == 1 && block[0] == ": ping":
		c.pings++
		return
	}
	var e sseEvent
	e.At = time.Now()
	ok := len(block) == 3 && strings.HasPrefix(block[0], "id: ") && strings.HasPrefix(block[1], "event: ") && strings.HasPrefix(block[2], "data: ")
	if ok {
		var err error
		e.ID, err = strconv.ParseInt(strings.TrimPrefix(block[0], "id: "), 10, 64)
		e.Type = strings.TrimPrefix(block[1], "event: ")
		ok = err == nil && json.Unmarshal([]byte(strings.TrimPrefix(block[2], "data: ")), &e.Data) == nil &&
			e.Data.ID == e.ID && e.Data.Type == e.Type && !e.Data.CreatedAt.IsZero() && e.Data.Payload != nil
	}
	if !ok {
		if c.bad == "" {
			c.bad = strings.Join(block, "\\n")
		}
		return
	}
	c.events <- e
}

// next returns the next event, failing after within.
func (c *sseClient) next(within time.Duration) sseEvent {
	c.t.Helper()
	select {
	case e := <-c.events:
		c.got = append(c.got, e)
		return e
	case <-c.ended:
		c.t.Fatalf("the stream ended; malformed block: %q", c.malformed())
	case <-time.After(within):
		c.t.Fatalf("no event within %s (received so far: %s)", within, describe(c.got))
	}
	return sseEvent{}
}

// quiet checks that no event arrives for d.
func (c *sseClient) quiet(d time.Duration) {
	c.t.Helper()
	select {
	case e := <-c.events:
		c.t.Fatalf("unexpected event %d %s %v", e.ID, e.Type, e.Data.Payload)
	case <-time.After(d):
	}
}

func (c *sseClient) malformed() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bad
}

func (c *sseClient) close() { c.cancel() }

func describe(evs []sseEvent) string {
	var parts []string
	for _, e := range evs {
		p := fmt.Sprintf("%d:%s", e.ID, e.Type)
		if st, ok := e.Data.Payload["status"].(string); ok && e.Type == domain.EventDeliveryStatus {
			p += "(" + st + ")"
		}
		parts = append(parts, p)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// evRouting gives the stack's number a workstream whose default queue is
// returned: push distribution, no bot, no automated messages, no survey
// or wrap-up, so that the only events are the ones a test causes.
func (s *stack) evRouting() string {
	s.t.Helper()
	queue := s.insertQueue("support")
	var ws domain.Workstream
	s.admin(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Support", "language": "en", "default_queue_id": queue}, http.StatusCreated, &ws)
	s.admin(http.MethodPatch, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID,
		map[string]any{"workstream_id": ws.ID}, http.StatusOK, nil)
	return queue
}

// evAgent creates an agent of queue with capacity 1; the answer has its token.
func (s *stack) evAgent(name, queue, presence string) domain.Agent {
	s.t.Helper()
	var ag domain.Agent
	s.admin(http.MethodPost, "/api/v1/agents", map[string]any{"name": name, "email": strings.ToLower(name) + "@example.com",
		"capacity": 1, "queue_ids": []string{queue}, "presence": presence}, http.StatusCreated, &ag)
	if ag.Token == "" {
		s.t.Fatalf("agent %s: no token", name)
	}
	return ag
}

// customerWrites sends an inbound WhatsApp message as the customer.
func (s *stack) customerWrites(from, body string) {
	s.t.Helper()
	if _, status, err := s.emu.SendInbound(context.Background(), emulator.InboundRequest{
		AccountSID: accountSID, From: from, To: ourNumber, Body: body, ProfileName: "Marie",
	}); err != nil || status != http.StatusOK {
		s.t.Fatalf("inbound from the customer: %d %v", status, err)
	}
}

// conversationOf is the customer's open conversation, once it exists.
func (s *stack) conversationOf(customer string) domain.Conversation {
	s.t.Helper()
	var conv domain.Conversation
	eventually(s.t, 15*time.Second, "the conversation of "+customer[:5]+"…", func() bool {
		for _, c := range s.conversations() {
			if c.CustomerE164 == customer && c.State != domain.StateClosed {
				conv = c
				return true
			}
		}
		return false
	})
	return conv
}

// agentEventIDs are the agent's events in the database, by id.
func (s *stack) agentEventIDs(agentID string) []sseEvent {
	s.t.Helper()
	evs, err := s.app.Store.AgentEventsAfter(context.Background(), agentID, 0, 10000)
	if err != nil {
		s.t.Fatal(err)
	}
	out := make([]sseEvent, len(evs))
	for i, e := range evs {
		out[i].ID, out[i].Type = e.ID, e.Type
		if err := json.Unmarshal(e.Payload, &out[i].Data.Payload); err != nil {
			s.t.Fatal(err)
		}
	}
	return out
}

// waitStatuses reads the delivery_status events of an outbound message
// until it reaches final: each moves it forward (a callback that came
// before the send's answer is folded into the next event).
func (s *stack) waitStatuses(c *sseClient, messageID string, final domain.MessageStatus) {
	s.t.Helper()
	prev := 0
	for {
		e := c.next(10 * time.Second)
		st, _ := e.Data.Payload["status"].(string)
		rank, ok := domain.StatusRank(domain.MessageStatus(st))
		if e.Type != domain.EventDeliveryStatus || e.Data.Payload["message_id"] != messageID || !ok || rank <= prev {
			s.t.Fatalf("want a delivery_status moving message %s forward from rank %d, got %+v", messageID, prev, e)
		}
		prev = rank
		if st == string(final) {
			return
		}
	}
}

// sameEvents compares ids and types, in order.
func sameEvents(a, b []sseEvent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Type != b[i].Type {
			return false
		}
	}
	return true
}
