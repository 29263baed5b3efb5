package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// SendResult is phase 4.
type SendResult struct {
	Route         string `json:"route"`
	Fallback      string `json:"fallback,omitempty"` // why the admin route was used
	Conversations int    `json:"conversations"`
	Concurrency   int    `json:"concurrency"`
	Sends         int    `json:"sends"`
	Errors        int    `json:"errors"`
	FirstError    string `json:"first_error,omitempty"`
	ToEmulator    Dist   `json:"call_to_emulator"` // API call start → request received by the emulator
	APIAnswer     Dist   `json:"api_answer"`       // API call start → 201 (Twilio's answer included)
}

const (
	agentSendRoute = "/api/v1/agent/conversations/{id}/messages"
	adminSendRoute = "/api/v1/conversations/{id}/messages"
)

// sender sends one reply in a conversation and returns the Twilio SID of
// the answer.
type sender func(ctx context.Context, convID, text string) (sid string, status int, err error)

// runSend measures an agent's reply: from the API call to the emulator
// receiving Twilio's Messages.json request. It uses the agent API (an
// agent of a push workstream on a second number, each conversation
// assigned to it) when the build has it, else the admin route, and says so.
func (e *env) runSend(ctx context.Context, s *stack) error {
	o := e.opts
	const convs, conc = 8, 2
	res := SendResult{Conversations: convs, Concurrency: conc, Sends: o.Sends}
	var (
		ids  []string
		send sender
		err  error
	)
	if s.hasRoute(ctx, agentSendRoute) {
		ids, send, err = e.agentConversations(ctx, s, convs)
		if err != nil {
			res.Fallback = "the agent API could not be set up: " + err.Error()
			e.progressf(PhaseSend, "%s; using the admin route", res.Fallback)
		} else {
			res.Route = "POST " + agentSendRoute + " (agent token)"
		}
	} else {
		res.Fallback = "no " + agentSendRoute + " in /openapi.json"
	}
	if send == nil {
		res.Route = "POST " + adminSendRoute + " (admin)"
		if ids, err = e.adminConversations(ctx, s, convs); err != nil {
			return err
		}
		send = s.adminSend
	}
	e.progressf(PhaseSend, "%d replies through %s", o.Sends, res.Route)
	for _, id := range ids { // warm-up: one reply per conversation
		if _, _, err := send(ctx, id, "warm-up"); err != nil {
			return err
		}
	}
	type sent struct {
		start time.Time
		sid   string
	}
	var (
		mu      sync.Mutex
		results []sent
	)
	lr := closedLoop(ctx, o.Sends, conc, func(ctx context.Context, i int) error {
		t0 := time.Now()
		sid, status, err := send(ctx, ids[i%len(ids)], fmt.Sprintf("Bonjour, ici le support (%d)", i))
		if err != nil {
			return err
		}
		if status != http.StatusCreated || sid == "" {
			return fmt.Errorf("send answered %d without a Twilio SID", status)
		}
		mu.Lock()
		results = append(results, sent{t0, sid})
		mu.Unlock()
		return nil
	}, func(done int) { e.progressf(PhaseSend, "%d/%d sent", done, o.Sends) })
	res.Errors = lr.errors
	if lr.firstErr != nil {
		res.FirstError = lr.firstErr.Error()
	}
	res.APIAnswer = Summarize(lr.latencies)
	received := map[string]time.Time{}
	for _, m := range s.emu.Messages() {
		received[m.SID] = m.ReceivedAt
	}
	var lags []time.Duration
	for _, r := range results {
		if at, ok := received[r.sid]; ok {
			lags = append(lags, at.Sub(r.start))
		}
	}
	res.ToEmulator = Summarize(lags)
	if evs, _, err := stableHistory(ctx, s.app.Temporal, s.sendSample); err == nil {
		e.dumpHistory("send", evs)
	}
	e.setPhase(PhaseSend, res)
	measure, note := "agent reply → emulator, p50 / p99", "agent API"
	if res.Fallback != "" {
		measure, note = "admin reply → emulator, p50 / p99", "admin route ("+res.Fallback+"), same send path: update `send` → SendMessage activity → Twilio"
	}
	e.addRows(Row{
		ID: "4 send", Measure: measure,
		Result: fmt.Sprintf("%s / %s", fmtMS(res.ToEmulator.P50), fmtMS(res.ToEmulator.P99)),
		Target: "p99 < 100 ms", Verdict: verdict(res.ToEmulator.P99 < 100 && res.Errors == 0),
		Note: fmt.Sprintf("%s; %d sends, %d at a time over %d conversations, from the call to the emulator receiving Messages.json; API answer (201, after Twilio accepted) p50 %s, p99 %s",
			note, o.Sends, conc, len(ids), fmtMS(res.APIAnswer.P50), fmtMS(res.APIAnswer.P99)),
	})
	return nil
}

// adminConversations opens n conversations on the stack's number.
func (e *env) adminConversations(ctx context.Context, s *stack, n int) ([]string, error) {
	before, err := s.countInbound(ctx)
	if err != nil {
		return nil, err
	}
	for i := range n {
		if err := s.post(ctx, s.prepareInbound(s.customer(70, i), "J'ai besoin d'aide")); err != nil {
			return nil, err
		}
	}
	if _, err := s.waitInbound(ctx, before+n, time.Minute, nil); err != nil {
		return nil, err
	}
	ids := make([]string, n)
	for i := range n {
		wf := workflows.ConversationID(s.numberID, s.customer(70, i))
		if ids[i], err = s.conversationID(ctx, wf); err != nil {
			return nil, fmt.Errorf("conversation of customer %d: %w", i, err)
		}
		if i == 0 {
			s.sendSample = wf
		}
	}
	return ids, nil
}

// agentConversations sets up a second number on a push workstream with one
// available agent, opens n conversations there and waits until the agent
// has them all; it returns them and a sender with the agent's token.
func (e *env) agentConversations(ctx context.Context, s *stack, n int) ([]string, sender, error) {
	var q domain.Queue
	if err := s.admin(ctx, http.MethodPost, "/api/v1/queues", map[string]any{"name": "bench"}, http.StatusCreated, &q); err != nil {
		return nil, nil, err
	}
	var ws domain.Workstream
	if err := s.admin(ctx, http.MethodPost, "/api/v1/workstreams", map[string]any{
		"name": "Bench", "language": "fr", "distribution": "push", "default_queue_id": q.ID,
	}, http.StatusCreated, &ws); err != nil {
		return nil, nil, err
	}
	number := "+1555020" + fmt.Sprintf("%04d", e.nextNumber())
	var num domain.Number
	if err := s.admin(ctx, http.MethodPost, "/api/v1/whatsapp-accounts/"+s.accountID+"/numbers", map[string]any{
		"name": "Bench agents", "e164": number, "workstream_id": ws.ID,
	}, http.StatusCreated, &num); err != nil {
		return nil, nil, err
	}
	s.emu.ConfigureSender(s.accountSID, number, s.inboundURL)
	var agent struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	if err := s.admin(ctx, http.MethodPost, "/api/v1/agents", map[string]any{
		"name": "Bench agent", "email": "bench@example.com", "capacity": n, "presence": "available", "queue_ids": []string{q.ID},
	}, http.StatusCreated, &agent); err != nil {
		return nil, nil, err
	}
	if agent.Token == "" {
		return nil, nil, fmt.Errorf("no token for the new agent")
	}
	for i := range n {
		if err := s.post(ctx, s.prepareInboundTo(number, s.customer(71, i), "J'ai besoin d'aide")); err != nil {
			return nil, nil, err
		}
	}
	ids := make([]string, n)
	deadline := time.Now().Add(time.Minute)
	for i := 0; i < n; {
		wf := workflows.ConversationID(num.ID, s.customer(71, i))
		var id string
		err := s.app.Store.DB().GetContext(ctx, &id, `SELECT id FROM conversations
			WHERE workflow_id = $1 AND state = 'assigned' AND agent_id = $2`, wf, agent.ID)
		if err == nil {
			ids[i] = id
			if i == 0 {
				s.sendSample = wf
			}
			i++
			continue
		}
		if time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("conversation %d not assigned to the agent after a minute", i)
		}
		time.Sleep(50 * time.Millisecond)
	}
	send := func(ctx context.Context, convID, text string) (string, int, error) {
		return s.sendAs(ctx, "Bearer "+agent.Token, strings.Replace(agentSendRoute, "{id}", convID, 1), text)
	}
	return ids, send, nil
}

// adminSend replies in a conversation through the admin API.
func (s *stack) adminSend(ctx context.Context, convID, text string) (string, int, error) {
	return s.sendAs(ctx, "Bearer "+s.cfg.AdminKey, strings.Replace(adminSendRoute, "{id}", convID, 1), text)
}

// sendAs posts {text} to a send route and returns the Twilio SID of the
// answer (201 or 202).
func (s *stack) sendAs(ctx context.Context, auth, path, text string) (sid string, status int, err error) {
	body, _ := json.Marshal(map[string]string{"text": text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.apiURL+path, strings.NewReader(string(body)))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var m struct {
		TwilioSID *string `json:"twilio_sid"`
	}
	dec := json.NewDecoder(resp.Body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		var e json.RawMessage
		_ = dec.Decode(&e)
		return "", resp.StatusCode, fmt.Errorf("POST %s: status %d: %s", path, resp.StatusCode, strings.TrimSpace(string(e)))
	}
	if err := dec.Decode(&m); err != nil {
		return "", resp.StatusCode, err
	}
	if m.TwilioSID != nil {
		sid = *m.TwilioSID
	}
	return sid, resp.StatusCode, nil
}

// hasRoute reports whether /openapi.json documents a POST on path.
func (s *stack) hasRoute(ctx context.Context, path string) bool {
	status, raw, err := s.adminRaw(ctx, http.MethodGet, "/openapi.json", nil)
	if err != nil || status != http.StatusOK {
		return false
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return false
	}
	_, ok := doc.Paths[path]["post"]
	return ok
}
