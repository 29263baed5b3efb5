package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// idemAnswer is one answer to a POST with an Idempotency-Key.
type idemAnswer struct {
	status   int
	replayed bool
	body     string
	code     string
}

// idemPost posts body with the bearer token and the Idempotency-Key.
func (s *stack) idemPost(token, path, key string, body any) idemAnswer {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.apiURL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := idemAnswer{status: resp.StatusCode, replayed: resp.Header.Get("Idempotent-Replayed") == "true", body: string(raw)}
	var e apiError
	if json.Unmarshal(raw, &e) == nil {
		a.code = e.Error.Code
	}
	return a
}

// createdWithBody counts the transcript rows and the Twilio creates with text.
func (s *stack) createdWithBody(convID, text string) (rows, creates int) {
	for _, m := range s.messages(convID) {
		if m.Body == text {
			rows++
		}
	}
	for _, m := range s.emu.Messages() {
		if m.Body == text {
			creates++
		}
	}
	return rows, creates
}

// TestIdempotencyKeyOnSendsAndStarts: a retried send with the same key and
// body gets the first answer and creates nothing (one transcript row, one
// create at Twilio); the same key with another body is 422; a retry while
// the first is still at Twilio waits for its answer; keys are per
// credential and per route (admin and agent, send and proactive start).
func TestIdempotencyKeyOnSendsAndStarts(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	s.admin(http.MethodPost, "/api/v1/templates", plainTemplate("order_ready"), http.StatusCreated, nil)
	s.customerSends(customerOne, "Bonjour")
	conv := s.openConversation(customerOne, "ada's conversation", assignedTo(ada.ID))
	path := "/api/v1/agent/conversations/" + conv.ID + "/messages"
	const key = "7f1c2a9e-0d3b-4f4e-9a51-2f6f3b1d8c11"

	first := s.idemPost(ada.Token, path, key, map[string]any{"text": "Je regarde."})
	again := s.idemPost(ada.Token, path, key, map[string]any{"text": "Je regarde."})
	if first.status != http.StatusCreated || first.replayed || again.status != first.status || !again.replayed || again.body != first.body {
		t.Fatalf("first %+v\nretry %+v", first, again)
	}
	if rows, creates := s.createdWithBody(conv.ID, "Je regarde."); rows != 1 || creates != 1 {
		t.Fatalf("%d transcript rows, %d Twilio creates, want 1 and 1", rows, creates)
	}

	other := s.idemPost(ada.Token, path, key, map[string]any{"text": "Autre chose."})
	if other.status != http.StatusUnprocessableEntity || other.code != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("another body: %+v", other)
	}
	if rows, creates := s.createdWithBody(conv.ID, "Autre chose."); rows != 0 || creates != 0 {
		t.Fatalf("another body created %d rows, %d creates", rows, creates)
	}

	// A retry while Twilio holds the first request waits and gets its answer.
	s.emu.InjectFailure(emulator.Failure{To: customerOne, Count: 1, Delay: 2 * time.Second})
	firstDone := make(chan idemAnswer, 1)
	go func() { firstDone <- s.idemPost(ada.Token, path, "held-1", map[string]any{"text": "Un instant."}) }()
	eventually(t, 10*time.Second, "the first send to be held at Twilio", func() bool { return s.emu.Held() == 1 })
	waited := s.idemPost(ada.Token, path, "held-1", map[string]any{"text": "Un instant."})
	held := <-firstDone
	if held.status != http.StatusCreated || waited.status != http.StatusCreated || !waited.replayed || waited.body != held.body {
		t.Fatalf("held first %+v\nwaiting retry %+v", held, waited)
	}
	if rows, creates := s.createdWithBody(conv.ID, "Un instant."); rows != 1 || creates != 1 {
		t.Fatalf("held: %d transcript rows, %d Twilio creates", rows, creates)
	}

	// Another agent's same key is another key.
	bob := s.newAgent("bob", domain.PresenceAvailable, 2, queue)
	const customerTwo = "+33612345679"
	s.customerSends(customerTwo, "Bonsoir")
	conv2 := s.openConversation(customerTwo, "bob's conversation", assignedTo(bob.ID))
	bobs := s.idemPost(bob.Token, "/api/v1/agent/conversations/"+conv2.ID+"/messages", key, map[string]any{"text": "Je regarde."})
	if bobs.status != http.StatusCreated || bobs.replayed {
		t.Fatalf("bob with ada's key: %+v", bobs)
	}
	// The admin's same key on the same conversation is another credential.
	admins := s.idemPost(s.cfg.AdminKey, "/api/v1/conversations/"+conv.ID+"/messages", key, map[string]any{"text": "Je regarde."})
	if admins.status != http.StatusCreated || admins.replayed {
		t.Fatalf("admin with ada's key: %+v", admins)
	}
	if rows, _ := s.createdWithBody(conv.ID, "Je regarde."); rows != 2 {
		t.Fatalf("%d rows after the admin's send, want 2", rows)
	}
	adminAgain := s.idemPost(s.cfg.AdminKey, "/api/v1/conversations/"+conv.ID+"/messages", key, map[string]any{"text": "Je regarde."})
	if !adminAgain.replayed || adminAgain.body != admins.body {
		t.Fatalf("admin retry: %+v", adminAgain)
	}

	// Ada's same key on another route (a proactive start) is another key,
	// and a start is itself idempotent.
	const customerThree = "+33612345670"
	start := map[string]any{"number_id": s.account.Numbers[0].ID, "customer_e164": customerThree,
		"template": map[string]any{"name": "order_ready", "variables": []string{"Marie", "#8"}}}
	started := s.idemPost(ada.Token, "/api/v1/agent/conversations", key, start)
	startedAgain := s.idemPost(ada.Token, "/api/v1/agent/conversations", key, start)
	if started.status != http.StatusCreated || started.replayed || !startedAgain.replayed || startedAgain.body != started.body {
		t.Fatalf("proactive start %+v\nretry %+v", started, startedAgain)
	}
	if n := sentTo(s.emu, customerThree); n != 1 {
		t.Fatalf("%d templates sent to the proactive customer, want 1", n)
	}
	// And the admin's start with the same key again another.
	adminStart := s.idemPost(s.cfg.AdminKey, "/api/v1/conversations", key, map[string]any{"number_id": s.account.Numbers[0].ID,
		"customer_e164": "+33612345671", "template": map[string]any{"name": "order_ready", "variables": []string{"Paul", "#9"}}})
	if adminStart.status != http.StatusCreated || adminStart.replayed {
		t.Fatalf("admin start: %+v", adminStart)
	}
}
