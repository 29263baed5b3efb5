package integration

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
)

const customerTwo = "+4915112345678"

// TestAgentEventsDeliversEachTypeToItsAgent: with a 6 s session window
// (warning 0.5 s before it closes), one conversation goes through every
// event type on its agent's stream — assignment, a customer message, the
// delivery statuses of a reply, the window warning, the window closing and
// the close — while another agent's stream gets only its own conversation.
func TestAgentEventsDeliversEachTypeToItsAgent(t *testing.T) {
	// 12 s: the warning comes window/12 = 1 s before the window closes, and
	// the dev server's timers fire up to ~0.9 s late under -race; a warning
	// whose timer fires after the deadline is (rightly) skipped.
	const window = 12 * time.Second
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.SessionWindow = window })
	queue := s.evRouting()
	alice := s.evAgent("Alice", queue, domain.PresenceAvailable)
	bob := s.evAgent("Bob", queue, domain.PresenceOffline)
	aliceStream := s.openEvents(t, alice.Token, "", nil)
	bobStream := s.openEvents(t, bob.Token, "", nil)

	s.customerWrites(customerOne, "Bonjour")
	e := aliceStream.next(15 * time.Second)
	conv := s.conversationOf(customerOne)
	if e.Type != domain.EventAssignment || e.Data.ConversationID != conv.ID || e.Data.Payload["state"] != domain.StateAssigned {
		t.Fatalf("first event: %+v", e)
	}

	s.customerWrites(customerOne, "Où en est ma commande ?")
	e = aliceStream.next(10 * time.Second)
	msgs := s.messages(conv.ID)
	if e.Type != domain.EventMessage || e.Data.ConversationID != conv.ID || e.Data.Payload["message_id"] != msgs[len(msgs)-1].ID ||
		e.Data.Payload["direction"] != string(domain.Inbound) {
		t.Fatalf("message event: %+v (last message %s)", e, msgs[len(msgs)-1].ID)
	}

	var reply domain.Message
	s.admin(http.MethodPost, "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"text": "Elle part demain."}, http.StatusCreated, &reply)
	s.waitStatuses(aliceStream, reply.ID, domain.StatusRead)

	// Bob comes online; Alice is at capacity, so the next customer is his.
	s.admin(http.MethodPatch, "/api/v1/agents/"+bob.ID, map[string]any{"presence": domain.PresenceAvailable}, http.StatusOK, nil)
	s.customerWrites(customerTwo, "Hallo")
	e = bobStream.next(15 * time.Second)
	conv2 := s.conversationOf(customerTwo)
	if e.Type != domain.EventAssignment || e.Data.ConversationID != conv2.ID {
		t.Fatalf("Bob's first event: %+v", e)
	}

	e = aliceStream.next(window + 5*time.Second)
	if e.Type != domain.EventWindowWarning || e.Data.ConversationID != conv.ID || e.Data.Payload["mode"] != domain.ModeSession {
		t.Fatalf("want the window warning, got %+v", e)
	}
	warnedAt := e.At
	e = aliceStream.next(5 * time.Second)
	if e.Type != domain.EventWindowClosed || e.Data.ConversationID != conv.ID || e.Data.Payload["mode"] != domain.ModeTemplateOnly {
		t.Fatalf("want the window closed, got %+v", e)
	}
	t.Logf("warning %s before the window closed (lead window/12 = %s)", e.At.Sub(warnedAt).Round(time.Millisecond), window/12)

	s.admin(http.MethodPost, "/api/v1/conversations/"+conv.ID+"/close", map[string]any{"notes": "done"}, http.StatusAccepted, nil)
	e = aliceStream.next(10 * time.Second)
	if e.Type != domain.EventConversationClosed || e.Data.ConversationID != conv.ID || e.Data.Payload["state"] != domain.StateClosed {
		t.Fatalf("want conversation_closed, got %+v", e)
	}

	// Bob's conversation runs out its window too, then closes.
	for _, want := range []string{domain.EventWindowWarning, domain.EventWindowClosed} {
		if e = bobStream.next(window + 5*time.Second); e.Type != want || e.Data.ConversationID != conv2.ID {
			t.Fatalf("Bob: want %s of his conversation, got %+v", want, e)
		}
	}
	s.admin(http.MethodPost, "/api/v1/conversations/"+conv2.ID+"/close", nil, http.StatusAccepted, nil)
	if e = bobStream.next(10 * time.Second); e.Type != domain.EventConversationClosed || e.Data.ConversationID != conv2.ID {
		t.Fatalf("Bob: want conversation_closed, got %+v", e)
	}

	// Each stream carried exactly its agent's events, nothing of the other's.
	aliceStream.quiet(300 * time.Millisecond)
	bobStream.quiet(0)
	wantAlice := []string{domain.EventAssignment, domain.EventMessage}
	for range countType(aliceStream.got, domain.EventDeliveryStatus) {
		wantAlice = append(wantAlice, domain.EventDeliveryStatus)
	}
	wantAlice = append(wantAlice, domain.EventWindowWarning, domain.EventWindowClosed, domain.EventConversationClosed)
	if db := s.agentEventIDs(alice.ID); !sameEvents(aliceStream.got, db) || !slices.Equal(types(db), wantAlice) {
		t.Fatalf("Alice's stream %s, her events in the database %s", describe(aliceStream.got), describe(db))
	}
	if db := s.agentEventIDs(bob.ID); !sameEvents(bobStream.got, db) || len(db) != 4 {
		t.Fatalf("Bob's stream %s, his events in the database %s", describe(bobStream.got), describe(db))
	}
	for _, e := range aliceStream.got {
		if e.Data.ConversationID != conv.ID {
			t.Fatalf("Alice received an event of another conversation: %+v", e)
		}
	}
	for _, e := range bobStream.got {
		if e.Data.ConversationID != conv2.ID {
			t.Fatalf("Bob received an event of another conversation: %+v", e)
		}
	}
	if aliceStream.retry != "2000" {
		t.Fatalf("retry line %q", aliceStream.retry)
	}
	var lat []time.Duration
	for _, e := range aliceStream.got {
		lat = append(lat, e.At.Sub(e.Data.CreatedAt))
	}
	t.Logf("transaction start (created_at) → SSE line, per event: %v", lat)
}

func countType(evs []sseEvent, typ string) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func types(evs []sseEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// TestAgentEventsResumeAfterAReconnect: a stream resumed with
// Last-Event-ID gets exactly what happened after that id — including what
// happened while it was away — then goes live; ?last_event_id=0 replays
// everything; a new stream replays nothing. Bad credentials and a bad id
// are refused before any stream starts; shutting down ends the streams.
func TestAgentEventsResumeAfterAReconnect(t *testing.T) {
	s := newStack(t, temporalAddr)
	queue := s.evRouting()
	alice := s.evAgent("Alice", queue, domain.PresenceAvailable)

	for name, token := range map[string]string{"a wrong token": "sbat_" + alice.Token[5:10] + "wrong", "no token": "", "the admin key": s.cfg.AdminKey} {
		req, _ := http.NewRequest(http.MethodGet, s.apiURL+"/api/v1/agent/events", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := string(s.read(t, resp))
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") == "text/event-stream" || !jsonError(body, domain.CodeUnauthorized) {
			t.Fatalf("%s: %d %s %s", name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	for _, h := range []map[string]string{{"Last-Event-ID": "abc"}, {"Last-Event-ID": "-3"}} {
		resp := s.get(t, "/api/v1/agent/events", map[string]string{"Authorization": "Bearer " + alice.Token, "Last-Event-ID": h["Last-Event-ID"]})
		if body := string(s.read(t, resp)); resp.StatusCode != http.StatusBadRequest || !jsonError(body, domain.CodeInvalid) {
			t.Fatalf("Last-Event-ID %q: %d %s", h["Last-Event-ID"], resp.StatusCode, body)
		}
	}

	first := s.openEvents(t, alice.Token, "", nil)
	s.customerWrites(customerOne, "Bonjour")
	if e := first.next(15 * time.Second); e.Type != domain.EventAssignment {
		t.Fatalf("first event %+v", e)
	}
	conv := s.conversationOf(customerOne)
	s.customerWrites(customerOne, "Ma commande ?")
	last := first.next(10 * time.Second)
	if last.Type != domain.EventMessage {
		t.Fatalf("second event %+v", last)
	}
	first.close()

	// Away: two customer messages and a reply, delivered then read.
	s.customerWrites(customerOne, "Allô ?")
	s.customerWrites(customerOne, "Quelqu'un ?")
	var reply domain.Message
	s.admin(http.MethodPost, "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"text": "Oui, pardon."}, http.StatusCreated, &reply)
	var missed []sseEvent
	eventually(t, 15*time.Second, "the events of the absence", func() bool {
		all := s.agentEventIDs(alice.ID)
		missed = all[slices.IndexFunc(all, func(e sseEvent) bool { return e.ID == last.ID })+1:]
		return countType(missed, domain.EventMessage) == 2 && len(missed) > 2 &&
			missed[len(missed)-1].Data.Payload["status"] == string(domain.StatusRead)
	})

	resumed := s.openEvents(t, alice.Token, "", map[string]string{"Last-Event-ID": strconv.FormatInt(last.ID, 10)})
	for range missed {
		resumed.next(5 * time.Second)
	}
	if !sameEvents(resumed.got, missed) {
		t.Fatalf("resumed after %d: got %s, missed %s", last.ID, describe(resumed.got), describe(missed))
	}
	s.customerWrites(customerOne, "Merci !")
	if e := resumed.next(10 * time.Second); e.Type != domain.EventMessage {
		t.Fatalf("live after the replay: %+v", e)
	}
	all := s.agentEventIDs(alice.ID)
	if seen := append(slices.Clone(first.got), resumed.got...); !sameEvents(seen, all) {
		t.Fatalf("across the reconnect: %s, in the database %s", describe(seen), describe(all))
	}

	// From the start (query form), and from now (no id).
	replay := s.openEvents(t, alice.Token, "?last_event_id=0", nil)
	for range all {
		replay.next(5 * time.Second)
	}
	fresh := s.openEvents(t, alice.Token, "", nil)
	replay.quiet(200 * time.Millisecond)
	fresh.quiet(0)
	if !sameEvents(replay.got, all) {
		t.Fatalf("full replay %s, want %s", describe(replay.got), describe(all))
	}

	lat := measureLatency(t, s, alice.ID, fresh, 30)
	t.Logf("COMMIT → SSE line over %d events: p50 %s, p90 %s, max %s", len(lat), lat[len(lat)/2], lat[len(lat)*9/10], lat[len(lat)-1])
	if lat[len(lat)/2] > 500*time.Millisecond {
		t.Fatalf("median latency %s: notifications are not waking the stream", lat[len(lat)/2])
	}
	for _, c := range []*sseClient{resumed, replay} {
		for range lat {
			c.next(5 * time.Second)
		}
	}

	// Shutdown ends the open streams instead of waiting for them.
	start := time.Now()
	s.stopNow()
	for _, c := range []*sseClient{resumed, replay, fresh} {
		select {
		case <-c.ended:
		case <-time.After(5 * time.Second):
			t.Fatal("a stream outlived the server")
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("shutdown with 3 open streams took %s", d)
	} else {
		t.Logf("shutdown with 3 open streams: %s", d.Round(time.Millisecond))
	}
}

// measureLatency commits n events for agentID, one transaction each, and
// measures from just before COMMIT to the line read on c; sorted.
func measureLatency(t *testing.T, s *stack, agentID string, c *sseClient, n int) []time.Duration {
	t.Helper()
	var out []time.Duration
	for range n {
		tx, err := s.app.Store.DB().Beginx()
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := tx.Get(&id, `INSERT INTO agent_events (agent_id, type, payload) VALUES ($1, 'latency_probe', '{}') RETURNING id`, agentID); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		e := c.next(10 * time.Second)
		if e.ID != id {
			t.Fatalf("probe %d: got event %d", id, e.ID)
		}
		out = append(out, e.At.Sub(start))
	}
	slices.Sort(out)
	return out
}

func jsonError(body string, code domain.Code) bool {
	return len(body) > 0 && body[0] == '{' && strings.Contains(body, `"code":"`+string(code)+`"`)
}
