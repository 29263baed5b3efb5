package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/workflows"
)

// workstreamWith creates a queue and a workstream distributing to it
// (extra fields override the defaults) and connects the stack's number to
// it. It returns the queue's id.
func (s *stack) workstreamWith(distribution string, extra map[string]any) string {
	s.t.Helper()
	var q domain.Queue
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "support-" + distribution}, http.StatusCreated, &q)
	body := map[string]any{"name": "Support " + distribution, "language": "fr", "distribution": distribution, "default_queue_id": q.ID}
	for k, v := range extra {
		body[k] = v
	}
	var ws domain.Workstream
	s.admin(http.MethodPost, "/api/v1/workstreams", body, http.StatusCreated, &ws)
	s.admin(http.MethodPatch, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID,
		map[string]any{"workstream_id": ws.ID}, http.StatusOK, nil)
	return q.ID
}

// routeAlsoTo adds a routing rule to the workstream of the stack's number
// that sends to queueID (conditions no message meets: routing is unchanged,
// the workstream just reaches the queue).
func (s *stack) routeAlsoTo(queueID string) {
	s.t.Helper()
	var n domain.Number
	s.admin(http.MethodGet, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID, nil, http.StatusOK, &n)
	if n.WorkstreamID == nil {
		s.t.Fatal("the number has no workstream")
	}
	s.admin(http.MethodPost, "/api/v1/workstreams/"+*n.WorkstreamID+"/routing-rules", map[string]any{
		"name": "also " + queueID[:8], "queue_id": queueID,
		"conditions": []map[string]string{{"field": "message.body", "op": "eq", "value": "never-" + queueID}},
	}, http.StatusCreated, nil)
}

// newAgent creates an agent of the queues, with the given presence, and
// returns it with its token.
func (s *stack) newAgent(name, presence string, capacity int, queues ...string) domain.Agent {
	s.t.Helper()
	if queues == nil {
		queues = []string{}
	}
	var a domain.Agent
	s.admin(http.MethodPost, "/api/v1/agents", map[string]any{"name": name, "email": name + "@example.com",
		"capacity": capacity, "presence": presence, "queue_ids": queues}, http.StatusCreated, &a)
	if a.Token == "" {
		s.t.Fatal("no token for the new agent")
	}
	return a
}

// agentRaw calls the agent API with token and returns the status, headers
// and body, whatever they are.
func (s *stack) agentRaw(token, method, path string, body any) (int, http.Header, []byte) {
	s.t.Helper()
	return s.agentRawWithKey(token, method, path, body, "")
}

// agentRawWithKey is agentRaw with an Idempotency-Key ("" for none).
func (s *stack) agentRawWithKey(token, method, path string, body any, key string) (int, http.Header, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.apiURL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}

// agentSend sends an agent's message as a client should: with an
// Idempotency-Key, retried with it while the API answers 503 (Temporal did
// not answer in time on a loaded machine); the answer is 201 or 202.
func (s *stack) agentSend(token, convID, text string) domain.Message {
	s.t.Helper()
	return s.agentSendBody(token, convID, map[string]any{"text": text})
}

// agentSendBody is agentSend with any body of the messages route.
func (s *stack) agentSendBody(token, convID string, body map[string]any) domain.Message {
	s.t.Helper()
	key := uuid.NewString()
	path := "/api/v1/agent/conversations/" + convID + "/messages"
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, _, raw := s.agentRawWithKey(token, http.MethodPost, path, body, key)
		if status == http.StatusCreated || status == http.StatusAccepted {
			var m domain.Message
			if err := json.Unmarshal(raw, &m); err != nil {
				s.t.Fatalf("agent send: decode %s: %v", raw, err)
			}
			return m
		}
		if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			s.t.Fatalf("agent POST %s: status %d: %s", path, status, raw)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// agentDo calls the agent API, checks the status and decodes the answer.
func (s *stack) agentDo(token, method, path string, body any, wantStatus int, out any) {
	s.t.Helper()
	status, _, raw := s.agentRaw(token, method, path, body)
	if status != wantStatus {
		s.t.Fatalf("agent %s %s: status %d, want %d: %s", method, path, status, wantStatus, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("agent %s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// agentError calls the agent API and checks the error's status and code.
func (s *stack) agentError(token, method, path string, body any, status int, code domain.Code) apiError {
	s.t.Helper()
	var e apiError
	s.agentDo(token, method, path, body, status, &e)
	if e.Error.Code != string(code) {
		s.t.Fatalf("agent %s %s: code %q, want %s (%s)", method, path, e.Error.Code, code, e.Error.Message)
	}
	return e
}

// customerSends sends an inbound message through the emulator.
func (s *stack) customerSends(from, body string, media ...emulator.InboundMedia) string {
	s.t.Helper()
	sid, status, err := s.emu.SendInbound(context.Background(), emulator.InboundRequest{
		AccountSID: accountSID, From: from, To: ourNumber, Body: body, ProfileName: "Marie", Media: media,
	})
	if err != nil || status != http.StatusOK {
		s.t.Fatalf("inbound: %d %v", status, err)
	}
	return sid
}

// openConversation waits until the customer's open conversation is stored
// and cond holds for it, and returns it (admin view).
func (s *stack) openConversation(customer, what string, cond func(domain.Conversation) bool) domain.Conversation {
	s.t.Helper()
	var conv domain.Conversation
	eventually(s.t, 20*time.Second, what, func() bool {
		var page listResponse[domain.Conversation]
		s.admin(http.MethodGet, "/api/v1/conversations?customer=%2B"+customer[1:], nil, http.StatusOK, &page)
		for _, c := range page.Data {
			if c.State != domain.StateClosed && cond(c) {
				conv = c
				return true
			}
		}
		return false
	})
	return conv
}

// assignedTo is a openConversation condition: the workflow has assigned the
// conversation to the agent (state assigned) and the row says so.
func assignedTo(agentID string) func(domain.Conversation) bool {
	return func(c domain.Conversation) bool {
		return c.State == domain.StateAssigned && c.AgentID != nil && *c.AgentID == agentID
	}
}

// waitingInQueue is a openConversation condition: the conversation waits in
// its queue (the workflow says queued, and the dispatcher has it in line).
func waitingInQueue(c domain.Conversation) bool {
	return c.State == domain.StateQueued && c.QueueID != nil && c.AgentID == nil
}

// workflowState queries the conversation workflow's `state`.
func (s *stack) workflowState(workflowID string) workflows.ConversationState {
	s.t.Helper()
	val, err := s.app.Temporal.QueryWorkflow(context.Background(), workflowID, "", workflows.QueryState)
	if err != nil {
		s.t.Fatal(err)
	}
	var st workflows.ConversationState
	if err := val.Get(&st); err != nil {
		s.t.Fatal(err)
	}
	return st
}

// workflowStateWhen is the workflow's state once ok says it caught up
// with what PostgreSQL already shows: an activity writes the row before
// the workflow's next task records the same change in its state, so a
// query right after a row changed may still answer the state before.
// After 10 s it fails the test with the last state.
func (s *stack) workflowStateWhen(workflowID, what string, ok func(workflows.ConversationState) bool) workflows.ConversationState {
	s.t.Helper()
	var st workflows.ConversationState
	deadline := time.Now().Add(10 * time.Second)
	for st = s.workflowState(workflowID); !ok(st); st = s.workflowState(workflowID) {
		if time.Now().After(deadline) {
			s.t.Fatalf("the workflow's state never showed %s: %+v", what, st)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return st
}

// plainTemplate is a template without a Content SID (sent as Body).
func plainTemplate(name string) map[string]any {
	return map[string]any{"name": name, "category": "utility", "default_language": "fr",
		"variants": []map[string]any{{"language": "fr", "body": "Bonjour {{1}}, votre commande {{2}} est prête."}}}
}
