package integration

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// reportRow is one group of the conversations report as the API answers it.
type reportRow struct {
	Group map[string]*string `json:"group"`
	store.ConversationFigures
}

// TestReportsThroughTheStack: through the real stack (webhooks, workflow,
// dispatcher, agent API), one conversation handled by an agent and one
// abandoned in the queue; the report's figures are compared with what the
// transcript and the conversation rows say, read independently.
func TestReportsThroughTheStack(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	start := time.Now().Add(-time.Second)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, queue)

	s.customerSends(customerOne, "Bonjour, ma commande ?")
	handled := s.openConversation(customerOne, "the first conversation assigned to ada", assignedTo(ada.ID))
	const customerTwo = "+33698765432"
	s.customerSends(customerTwo, "Allô ?")
	abandoned := s.openConversation(customerTwo, "the second conversation waiting", waitingInQueue)
	s.agentSend(ada.Token, handled.ID, "Je regarde.")
	var vip domain.Label
	s.admin(http.MethodPost, "/api/v1/labels", map[string]any{"name": "VIP", "color": "#aa0000"}, http.StatusCreated, &vip)
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+handled.ID+"/labels", map[string]any{"label_id": vip.ID}, http.StatusOK, nil)
	closed := func(id string) {
		eventually(t, 30*time.Second, "conversation closed", func() bool {
			var c domain.Conversation
			s.admin(http.MethodGet, "/api/v1/conversations/"+id, nil, http.StatusOK, &c)
			return c.State == domain.StateClosed
		})
	}
	// The waiting one is closed first: closing ada's would free her for it.
	s.admin(http.MethodPost, "/api/v1/conversations/"+abandoned.ID+"/close", map[string]any{"reason": "customer_left"}, http.StatusAccepted, nil)
	closed(abandoned.ID)
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+handled.ID+"/close", map[string]any{"notes": "ok"}, http.StatusAccepted, nil)
	closed(handled.ID)

	// What the transcript and the rows say, read without the facts.
	db := s.app.Store.DB()
	var times struct {
		QueuedAt   time.Time `db:"queued_at"`
		AssignedAt time.Time `db:"assigned_at"`
		ReplyAt    time.Time `db:"reply_at"`
		ClosingMsg time.Time `db:"closing_msg"`
		ClosedAt   time.Time `db:"closed_at"`
	}
	if err := db.Get(&times, `SELECT c.queued_at, a.created_at AS assigned_at,
			(SELECT min(created_at) FROM messages WHERE conversation_id = c.id AND author = $2) AS reply_at,
			(SELECT max(created_at) FROM messages WHERE conversation_id = c.id AND direction = 'outbound') AS closing_msg,
			c.closed_at
		FROM conversations c JOIN assignment_outbox a ON a.conversation_id = c.id WHERE c.id = $1`, handled.ID, domain.AgentAuthor(ada.ID)); err != nil {
		t.Fatal(err)
	}
	var abandonedQueuedAt time.Time
	if err := db.Get(&abandonedQueuedAt, `SELECT queued_at FROM conversations WHERE id = $1`, abandoned.ID); err != nil {
		t.Fatal(err)
	}
	var counts struct {
		In          int `db:"inbound"`
		Out         int `db:"outbound"`
		handledMsgs int
	}
	if err := db.Get(&counts, `SELECT count(*) FILTER (WHERE direction = 'inbound') AS inbound,
			count(*) FILTER (WHERE direction = 'outbound') AS outbound
		FROM messages WHERE conversation_id = ANY(ARRAY[$1, $2]::uuid[])`, handled.ID, abandoned.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&counts.handledMsgs, `SELECT count(*) FROM messages WHERE conversation_id = $1`, handled.ID); err != nil {
		t.Fatal(err)
	}

	q := url.Values{"from": {start.UTC().Format(time.RFC3339Nano)}, "to": {time.Now().Add(time.Minute).UTC().Format(time.RFC3339Nano)}, "group_by": {"queue"}}
	var rep struct{ Data []reportRow }
	s.admin(http.MethodGet, "/api/v1/reports/conversations?"+q.Encode(), nil, http.StatusOK, &rep)
	if len(rep.Data) != 1 {
		t.Fatalf("one queue, got %+v", rep.Data)
	}
	got := rep.Data[0]
	secs := func(d time.Duration) *float64 { f := d.Seconds(); return &f }
	wait := times.AssignedAt.Sub(times.QueuedAt)
	first := times.ReplyAt.Sub(times.QueuedAt)
	if got.Group["queue_id"] == nil || *got.Group["queue_id"] != queue || got.Offered != 2 || got.Handled != 1 || got.Abandoned != 1 ||
		got.BotResolved != 0 || !sameSeconds(got.WaitSecondsP50, secs(wait)) || !sameSeconds(got.WaitSecondsP90, secs(wait)) ||
		!sameSeconds(got.FirstResponseSecondsP50, secs(first)) || !sameSeconds(got.FirstResponseSecondsP90, secs(first)) ||
		got.CSATAvg != nil || got.CSATResponses != 0 || got.CSATResponseRate != nil ||
		got.MessagesIn != counts.In || got.MessagesOut != counts.Out || got.TemplatesSent != 0 || got.WindowExpiries != 0 || got.FailedSends != 0 {
		t.Fatalf("report %s\nwant wait %v, first response %v, %d in, %d out", mustJSON(got), wait, first, counts.In, counts.Out)
	}
	// The close is recorded when the agent's close reached the workflow:
	// after the closed message was stored, before the row was closed.
	lo, hi := times.ClosingMsg.Sub(times.AssignedAt).Seconds(), times.ClosedAt.Sub(times.AssignedAt).Seconds()
	if got.HandleSecondsP50 == nil || *got.HandleSecondsP50 < lo || *got.HandleSecondsP50 > hi || !sameSeconds(got.HandleSecondsP90, got.HandleSecondsP50) {
		t.Fatalf("handle time %v, want within [%v, %v]", p(got.HandleSecondsP50), lo, hi)
	}

	// CSV: a header row, then the same figures.
	lines, err := csv.NewReader(strings.NewReader(s.getAs("/api/v1/reports/conversations?"+q.Encode(), "text/csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || strings.Join(lines[0][:4], ",") != "queue_id,queue_name,offered,handled" || lines[1][0] != queue || lines[1][2] != "2" || lines[1][3] != "1" {
		t.Fatalf("csv lines: %v", lines)
	}

	// label= (an id or a name): only the labelled conversation counts.
	for _, label := range []string{"VIP", vip.ID} {
		lq := url.Values{"from": q["from"], "to": q["to"], "group_by": q["group_by"], "label": {label}}
		var lrep struct{ Data []reportRow }
		s.admin(http.MethodGet, "/api/v1/reports/conversations?"+lq.Encode(), nil, http.StatusOK, &lrep)
		if len(lrep.Data) != 1 || lrep.Data[0].Offered != 1 || lrep.Data[0].Handled != 1 || lrep.Data[0].Abandoned != 0 ||
			!sameSeconds(lrep.Data[0].WaitSecondsP50, secs(wait)) {
			t.Fatalf("label=%s: %s", label, mustJSON(lrep.Data))
		}
	}

	// Bad parameters are 400 with a message that says what is wrong.
	for query, want := range map[string]string{
		"from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&label=nobody": "no label is named",
		"to=2026-01-02T00:00:00Z":                                            "from is required",
		"from=yesterday&to=2026-01-02T00:00:00Z":                             "from must be an RFC 3339 instant",
		"from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z":                  "from must be before to",
		"from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&group_by=weekday": "group_by must be one of",
	} {
		status, _, raw := s.adminRaw(http.MethodGet, "/api/v1/reports/conversations?"+query, nil)
		if status != http.StatusBadRequest || !strings.Contains(string(raw), want) {
			t.Errorf("%s: %d %s, want 400 %q", query, status, raw, want)
		}
	}

	// The transcript in each format, and the export of both closed conversations.
	var tr struct {
		Conversation domain.Conversation
		Messages     []domain.Message
	}
	s.admin(http.MethodGet, "/api/v1/conversations/"+handled.ID+"/transcript", nil, http.StatusOK, &tr)
	if tr.Conversation.ID != handled.ID || len(tr.Messages) != counts.handledMsgs || tr.Messages[0].Body != "Bonjour, ma commande ?" {
		t.Fatalf("transcript: %+v", tr)
	}
	text := s.getAs("/api/v1/conversations/"+handled.ID+"/transcript", "text/plain")
	if !strings.Contains(text, "customer: Bonjour, ma commande ?") || !strings.Contains(text, "agent:"+ada.ID+": Je regarde.") {
		t.Fatalf("plain transcript:\n%s", text)
	}
	rows, err := csv.NewReader(strings.NewReader(s.getAs("/api/v1/conversations/"+handled.ID+"/transcript", "text/csv"))).ReadAll()
	if err != nil || len(rows) != 1+counts.handledMsgs || rows[0][0] != "created_at" || rows[1][3] != "Bonjour, ma commande ?" {
		t.Fatalf("csv transcript: %v %v", err, rows)
	}
	export := s.getAs("/api/v1/exports/conversations?"+url.Values{"from": q["from"], "to": q["to"]}.Encode(), "application/x-ndjson")
	ndLines := strings.Split(strings.TrimSuffix(export, "\n"), "\n")
	if len(ndLines) != 2 {
		t.Fatalf("export: %d lines:\n%s", len(ndLines), export)
	}
	exported := 0
	for _, l := range ndLines {
		var line struct {
			Conversation domain.Conversation
			Messages     []domain.Message
		}
		if err := json.Unmarshal([]byte(l), &line); err != nil || line.Conversation.State != domain.StateClosed {
			t.Fatalf("export line %s: %v", l, err)
		}
		exported += len(line.Messages)
	}
	if exported != counts.In+counts.Out {
		t.Fatalf("export has %d messages, want %d", exported, counts.In+counts.Out)
	}

	var agents struct {
		Data []struct {
			AgentID            string             `json:"agent_id"`
			PresenceSeconds    map[string]float64 `json:"presence_seconds"`
			Handled            int                `json:"handled"`
			HandleSecondsTotal float64            `json:"handle_seconds_total"`
		}
	}
	s.admin(http.MethodGet, "/api/v1/reports/agents?"+q.Encode(), nil, http.StatusOK, &agents)
	if len(agents.Data) != 1 || agents.Data[0].AgentID != ada.ID || agents.Data[0].Handled != 1 ||
		agents.Data[0].HandleSecondsTotal != *got.HandleSecondsP50 || agents.Data[0].PresenceSeconds["available"] <= 0 {
		t.Fatalf("agents report: %+v", agents.Data)
	}
}

// sameSeconds compares durations in seconds to the microsecond PostgreSQL keeps.
func sameSeconds(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	d := *a - *b
	return d < 1e-6 && d > -1e-6
}

func p(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// getAs reads an admin route with an Accept header and returns the body
// (status 200 and that content type required).
func (s *stack) getAs(path, accept string) string {
	s.t.Helper()
	return s.getWith(s.cfg.AdminKey, path, accept)
}

// getWith is getAs with another bearer token (a supervisor's).
func (s *stack) getWith(token, path, accept string) string {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.apiURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), accept) {
		s.t.Fatalf("GET %s as %s: %d %s: %s", path, accept, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	return string(raw)
}
