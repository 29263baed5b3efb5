package integration

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows"
)

// overviewOf reads the supervisor's live view with token.
func (s *stack) overviewOf(token string) store.Overview {
	s.t.Helper()
	var o store.Overview
	s.agentDo(token, http.MethodGet, "/api/v1/supervisor/overview", nil, http.StatusOK, &o)
	return o
}

// TestSupervisorWatchesAndStepsIn: a supervisor of a queue watches it live
// (overview and stream), reads a conversation of it, writes a note (so
// does its agent: neither reaches Twilio), changes the agent's presence,
// takes the conversation over and force-closes it; each action is in the
// audit log and the workflow's state. Supervisors of other queues and
// plain agents see none of it.
func TestSupervisorWatchesAndStepsIn(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	var other domain.Queue
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "elsewhere"}, http.StatusCreated, &other)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	carl := s.newAgent("carl", domain.PresenceAvailable, 2, other.ID)
	sup := s.newAgent("sue", domain.PresenceOffline, 2, queue)
	far := s.newAgent("fred", domain.PresenceOffline, 1, other.ID)

	// The role: 422 for anything else, kept by PATCH.
	s.wantError(http.MethodPatch, "/api/v1/agents/"+sup.ID, map[string]any{"role": "boss"}, http.StatusUnprocessableEntity, domain.CodeUnprocessable, "role must be agent or supervisor")
	var got domain.Agent
	s.admin(http.MethodPatch, "/api/v1/agents/"+sup.ID, map[string]any{"role": "supervisor"}, http.StatusOK, &got)
	s.admin(http.MethodPatch, "/api/v1/agents/"+far.ID, map[string]any{"role": "supervisor"}, http.StatusOK, nil)
	if got.Role != domain.RoleSupervisor || ada.Role != domain.RoleAgent {
		t.Fatalf("roles: sue %q, ada %q", got.Role, ada.Role)
	}
	s.agentError(ada.Token, http.MethodGet, "/api/v1/supervisor/overview", nil, http.StatusForbidden, domain.CodeForbidden)

	stream := s.openStream(t, "/api/v1/supervisor/events", sup.Token, "", nil)
	farStream := s.openStream(t, "/api/v1/supervisor/events", far.Token, "", nil)

	s.customerSends(customerOne, "Bonjour, ma commande ?")
	conv := s.openConversation(customerOne, "the conversation to be assigned to ada", assignedTo(ada.ID))
	for {
		e := stream.next(15 * time.Second)
		if e.Type == "conversation" && e.Data.ConversationID == conv.ID && e.Data.Payload["state"] == domain.StateAssigned {
			break
		}
	}

	o := s.overviewOf(sup.Token)
	if len(o.Queues) != 1 || o.Queues[0].ID != queue || o.Queues[0].Assigned != 1 || o.Queues[0].Waiting != 0 {
		t.Fatalf("sue's queues: %+v", o.Queues)
	}
	i := slices.IndexFunc(o.Agents, func(a store.AgentOverview) bool { return a.ID == ada.ID })
	if len(o.Agents) != 2 || i < 0 || o.Agents[i].Load != 1 || o.Agents[i].OpenConversations != 1 || o.Agents[i].Capacity != 2 {
		t.Fatalf("sue's agents: %+v", o.Agents)
	}
	var all store.Overview
	s.admin(http.MethodGet, "/api/v1/supervisor/overview", nil, http.StatusOK, &all)
	if len(all.Queues) != 2 || len(all.Agents) != 4 {
		t.Fatalf("the admin's overview: %d queues, %d agents", len(all.Queues), len(all.Agents))
	}

	base := "/api/v1/supervisor/conversations/" + conv.ID
	var seen domain.Conversation
	s.agentDo(sup.Token, http.MethodGet, base, nil, http.StatusOK, &seen)
	if seen.ID != conv.ID {
		t.Fatalf("sue reads %+v", seen)
	}
	s.agentError(far.Token, http.MethodGet, base, nil, http.StatusNotFound, domain.CodeNotFound)
	s.agentError(far.Token, http.MethodPost, base+"/notes", map[string]any{"text": "x"}, http.StatusNotFound, domain.CodeNotFound)
	s.agentError(sup.Token, http.MethodPost, base+"/notes", map[string]any{"text": "  "}, http.StatusBadRequest, domain.CodeInvalid)

	// Notes: the agent's and the supervisor's, in the transcript, never sent.
	sentBefore := len(s.emu.Messages())
	var agentNote, supNote domain.Message
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/notes", map[string]any{"text": "client VIP, secret-agent-note"}, http.StatusCreated, &agentNote)
	s.agentDo(sup.Token, http.MethodPost, base+"/notes", map[string]any{"text": "propose le remboursement, secret-sup-note"}, http.StatusCreated, &supNote)
	for _, n := range []domain.Message{agentNote, supNote} {
		if !n.Note || n.Direction != domain.Internal || n.Status != domain.StatusNote || n.TwilioSID != nil || n.ConversationID != conv.ID {
			t.Fatalf("note: %+v", n)
		}
	}
	if agentNote.Author != "agent:"+ada.ID || supNote.Author != "agent:"+sup.ID {
		t.Fatalf("authors: %s, %s", agentNote.Author, supNote.Author)
	}
	var transcript listResponse[domain.Message]
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations/"+conv.ID+"/messages", nil, http.StatusOK, &transcript)
	if n := countNotes(transcript.Data); n != 2 {
		t.Fatalf("ada sees %d notes in %+v", n, transcript.Data)
	}
	s.agentDo(sup.Token, http.MethodGet, base+"/messages", nil, http.StatusOK, &transcript)
	if n := countNotes(transcript.Data); n != 2 {
		t.Fatalf("sue sees %d notes", n)
	}
	for {
		e := stream.next(15 * time.Second)
		if e.Type == "message" && e.Data.Payload["message_id"] == supNote.ID && e.Data.Payload["note"] == true {
			break
		}
	}

	// Presence: of an agent of sue's queues only.
	var ag domain.Agent
	s.agentDo(sup.Token, http.MethodPut, "/api/v1/supervisor/agents/"+ada.ID+"/presence", map[string]any{"presence": "away"}, http.StatusOK, &ag)
	if ag.Presence != domain.PresenceAway {
		t.Fatalf("ada is %s", ag.Presence)
	}
	s.agentError(sup.Token, http.MethodPut, "/api/v1/supervisor/agents/"+carl.ID+"/presence", map[string]any{"presence": "away"}, http.StatusNotFound, domain.CodeNotFound)

	// Step in: take the conversation over, then force-close it.
	s.agentError(sup.Token, http.MethodPost, base+"/transfer", map[string]any{"queue_id": other.ID}, http.StatusBadRequest, domain.CodeInvalid)
	s.agentDo(sup.Token, http.MethodPut, "/api/v1/supervisor/agents/"+sup.ID+"/presence", map[string]any{"presence": "available"}, http.StatusOK, nil)
	s.agentDo(sup.Token, http.MethodPost, base+"/transfer", map[string]any{"agent_id": sup.ID, "reason": "escalation"}, http.StatusOK, nil)
	s.openConversation(customerOne, "the conversation to be sue's", assignedTo(sup.ID))
	if st := s.workflowStateWhen(conv.WorkflowID, "sue", func(st workflows.ConversationState) bool { return st.AgentID == sup.ID }); st.NoteCount != 2 || st.LastNoteBy != "agent:"+sup.ID || st.Routing == nil ||
		!strings.Contains(st.Routing.Reason, "supervisor:"+sup.ID) {
		t.Fatalf("workflow state: notes %d by %s, routing %+v", st.NoteCount, st.LastNoteBy, st.Routing)
	}
	s.agentDo(sup.Token, http.MethodPost, base+"/close", nil, http.StatusAccepted, nil)
	eventually(t, 20*time.Second, "the conversation to close", func() bool {
		var c domain.Conversation
		s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &c)
		return c.State == domain.StateClosed && c.CloseReason != nil && *c.CloseReason == "closed_by_supervisor" &&
			c.ClosedBy != nil && *c.ClosedBy == "supervisor:"+sup.ID
	})

	// Twilio got the automated messages, never a note.
	for _, m := range s.emu.Messages() {
		if strings.Contains(m.Body, "secret-") {
			t.Fatalf("a note reached Twilio: %+v", m)
		}
	}
	if len(s.emu.Messages()) < sentBefore {
		t.Fatal("the emulator lost messages")
	}

	// Audited: both notes, the presence, the transfer, the close.
	var audit store.AuditPage
	s.admin(http.MethodGet, "/api/v1/audit-log?resource_type=conversation&resource_id="+conv.ID, nil, http.StatusOK, &audit)
	var actions []string
	for _, e := range audit.Data {
		actions = append(actions, e.Actor+" "+e.Action)
	}
	for _, want := range []string{"agent:" + ada.ID + " note", "agent:" + sup.ID + " note", "agent:" + sup.ID + " transfer", "agent:" + sup.ID + " close"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit log lacks %q: %v", want, actions)
		}
	}
	s.admin(http.MethodGet, "/api/v1/audit-log?resource_type=agent&resource_id="+ada.ID, nil, http.StatusOK, &audit)
	if !slices.ContainsFunc(audit.Data, func(e store.AuditEntry) bool { return e.Action == "presence" && e.Actor == "agent:"+sup.ID }) {
		t.Errorf("the presence change is not audited: %+v", audit.Data)
	}

	// Fred supervises the other queue: nothing of this reached his stream.
	farStream.quiet(500 * time.Millisecond)

	s.supervisorReadsReports(conv, queue, sup, far, ada)
}

// supervisorReadsReports: the reports, the transcript and the export answer
// a supervisor for its queues only (sup supervises queue, where conv was
// handled; far another queue), the admin key for everything, a plain
// agent 403.
func (s *stack) supervisorReadsReports(conv domain.Conversation, queue string, sup, far, plain domain.Agent) {
	t := s.t
	t.Helper()
	span := "from=" + url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)) +
		"&to=" + url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	type report struct {
		Data []struct {
			Group   map[string]*string `json:"group"`
			Offered int                `json:"offered"`
			AgentID string             `json:"agent_id"`
		} `json:"data"`
	}
	var mine, theirs, all report
	s.agentDo(sup.Token, http.MethodGet, "/api/v1/reports/conversations?group_by=queue&"+span, nil, http.StatusOK, &mine)
	s.agentDo(far.Token, http.MethodGet, "/api/v1/reports/conversations?group_by=queue&"+span, nil, http.StatusOK, &theirs)
	s.admin(http.MethodGet, "/api/v1/reports/conversations?group_by=queue&"+span, nil, http.StatusOK, &all)
	if len(mine.Data) != 1 || str(mine.Data[0].Group["queue_id"]) != queue || mine.Data[0].Offered != 1 || len(theirs.Data) != 0 || len(all.Data) != 1 {
		t.Fatalf("conversations report: sue %+v, fred %+v, admin %+v", mine, theirs, all)
	}
	s.agentDo(sup.Token, http.MethodGet, "/api/v1/reports/agents?"+span, nil, http.StatusOK, &mine)
	s.agentDo(far.Token, http.MethodGet, "/api/v1/reports/agents?"+span, nil, http.StatusOK, &theirs)
	s.admin(http.MethodGet, "/api/v1/reports/agents?"+span, nil, http.StatusOK, &all)
	agents := func(r report) []string {
		var ids []string
		for _, a := range r.Data {
			ids = append(ids, a.AgentID)
		}
		slices.Sort(ids)
		return ids
	}
	want := []string{sup.ID, plain.ID}
	slices.Sort(want)
	if !slices.Equal(agents(mine), want) || slices.Contains(agents(theirs), plain.ID) || len(all.Data) != 4 {
		t.Fatalf("agents report: sue %v (want %v), fred %v, admin %d agents", agents(mine), want, agents(theirs), len(all.Data))
	}

	transcript := "/api/v1/conversations/" + conv.ID + "/transcript"
	var got struct {
		Conversation domain.Conversation `json:"conversation"`
		Messages     []domain.Message    `json:"messages"`
	}
	s.agentDo(sup.Token, http.MethodGet, transcript, nil, http.StatusOK, &got)
	if got.Conversation.ID != conv.ID || countNotes(got.Messages) != 2 {
		t.Fatalf("sue's transcript: %+v", got)
	}
	// The notes are marked in every format.
	if text := s.getWith(sup.Token, transcript, "text/plain"); !strings.Contains(text, " [note] agent:"+plain.ID+": client VIP, secret-agent-note") ||
		!strings.Contains(text, " [note] agent:"+sup.ID+": propose le remboursement") || strings.Count(text, "[note]") != 2 {
		t.Fatalf("plain transcript:\n%s", text)
	}
	rows, err := csv.NewReader(strings.NewReader(s.getWith(sup.Token, transcript, "text/csv"))).ReadAll()
	if err != nil || len(rows) != 1+len(got.Messages) || rows[0][len(rows[0])-1] != "note" {
		t.Fatalf("csv transcript: %v %v", err, rows)
	}
	notes := 0
	for i, r := range rows[1:] {
		if want := strconv.FormatBool(got.Messages[i].Note); r[len(r)-1] != want || (want == "true") != (r[1] == domain.Internal) {
			t.Fatalf("csv row %v: note column, want %s", r, want)
		}
		if r[len(r)-1] == "true" {
			notes++
		}
	}
	if notes != 2 {
		t.Fatalf("csv transcript: %d notes: %v", notes, rows)
	}
	s.agentError(far.Token, http.MethodGet, transcript, nil, http.StatusNotFound, domain.CodeNotFound)
	for _, path := range []string{transcript, "/api/v1/reports/agents?" + span, "/api/v1/exports/conversations?" + span} {
		s.agentError(plain.Token, http.MethodGet, path, nil, http.StatusForbidden, domain.CodeForbidden)
	}

	if export := s.getWith(sup.Token, "/api/v1/exports/conversations?"+span, "application/x-ndjson"); strings.Count(export, "\n") != 1 || !strings.Contains(export, conv.ID) {
		t.Fatalf("sue's export: %q", export)
	}
	if export := s.getWith(far.Token, "/api/v1/exports/conversations?"+span, "application/x-ndjson"); export != "" {
		t.Fatalf("fred's export: %q", export)
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func countNotes(msgs []domain.Message) int {
	n := 0
	for _, m := range msgs {
		if m.Note {
			n++
		}
	}
	return n
}

// TestSupervisorSearchesCustomersOfItsQueues: GET /api/v1/customers?q=
// answers a supervisor with the customers of its queues' conversations,
// the admin key with everyone, and a plain agent with 403.
func TestSupervisorSearchesCustomersOfItsQueues(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	var other domain.Queue
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "elsewhere"}, http.StatusCreated, &other)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	sup := s.newAgent("sue", domain.PresenceOffline, 2, queue)
	far := s.newAgent("fred", domain.PresenceOffline, 1, other.ID)
	for _, a := range []domain.Agent{sup, far} {
		s.admin(http.MethodPatch, "/api/v1/agents/"+a.ID, map[string]any{"role": "supervisor"}, http.StatusOK, nil)
	}
	s.customerSends(customerOne, "Bonjour")
	conv := s.openConversation(customerOne, "the conversation assigned to ada", assignedTo(ada.ID))

	type hits struct {
		Data []struct {
			E164             string `json:"e164"`
			Conversations    int    `json:"conversations"`
			LastConversation string `json:"last_conversation_id"`
		} `json:"data"`
	}
	q := "/api/v1/customers?q=" + url.QueryEscape(customerOne[3:])
	var mine, theirs, all hits
	s.agentDo(sup.Token, http.MethodGet, q, nil, http.StatusOK, &mine)
	if len(mine.Data) != 1 || mine.Data[0].E164 != customerOne || mine.Data[0].Conversations != 1 || mine.Data[0].LastConversation != conv.ID {
		t.Fatalf("the supervisor of the queue: %+v", mine)
	}
	s.agentDo(far.Token, http.MethodGet, q, nil, http.StatusOK, &theirs)
	if len(theirs.Data) != 0 {
		t.Fatalf("the supervisor of another queue found: %+v", theirs)
	}
	s.admin(http.MethodGet, q, nil, http.StatusOK, &all)
	if len(all.Data) != 1 || all.Data[0].E164 != customerOne {
		t.Fatalf("the admin key: %+v", all)
	}
	s.agentError(ada.Token, http.MethodGet, q, nil, http.StatusForbidden, domain.CodeForbidden)
}
