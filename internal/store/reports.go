package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

// Report groupings of GET /api/v1/reports/conversations.
const (
	GroupByDay        = "day"
	GroupByQueue      = "queue"
	GroupByAgent      = "agent"
	GroupByWorkstream = "workstream"
	GroupByNumber     = "number"
)

// GroupBys lists the groupings, in the order the docs give them.
var GroupBys = []string{GroupByDay, GroupByQueue, GroupByAgent, GroupByWorkstream, GroupByNumber}

// ReportQuery selects the conversations of a report: those that entered
// their first queue in [From, To) (those never queued: opened in it),
// optionally only those first queued in one of QueueIDs (nil: all), and
// only those that carry the label LabelID ("": any; the conversations
// report only).
type ReportQuery struct {
	From, To time.Time
	GroupBy  string
	QueueIDs []string
	LabelID  string
}

// ConversationFigures is one row of the conversations report
// (docs/supervisor-reports.md defines each figure). Durations are seconds;
// nil means no conversation of the group had that measure.
type ConversationFigures struct {
	GroupID                 *string  `db:"group_id" json:"-"`
	GroupName               *string  `db:"group_name" json:"-"`
	Offered                 int      `db:"offered" json:"offered"`
	Handled                 int      `db:"handled" json:"handled"`
	Abandoned               int      `db:"abandoned" json:"abandoned"`
	BotResolved             int      `db:"bot_resolved" json:"bot_resolved"`
	WaitSecondsP50          *float64 `db:"wait_p50" json:"wait_seconds_p50"`
	WaitSecondsP90          *float64 `db:"wait_p90" json:"wait_seconds_p90"`
	FirstResponseSecondsP50 *float64 `db:"first_response_p50" json:"first_response_seconds_p50"`
	FirstResponseSecondsP90 *float64 `db:"first_response_p90" json:"first_response_seconds_p90"`
	HandleSecondsP50        *float64 `db:"handle_p50" json:"handle_seconds_p50"`
	HandleSecondsP90        *float64 `db:"handle_p90" json:"handle_seconds_p90"`
	CSATAvg                 *float64 `db:"csat_avg" json:"csat_avg"`
	CSATResponses           int      `db:"csat_responses" json:"csat_responses"`
	CSATResponseRate        *float64 `db:"csat_response_rate" json:"csat_response_rate"`
	MessagesIn              int      `db:"messages_in" json:"messages_in"`
	MessagesOut             int      `db:"messages_out" json:"messages_out"`
	TemplatesSent           int      `db:"templates_sent" json:"templates_sent"`
	WindowExpiries          int      `db:"window_expiries" json:"window_expiries"`
	FailedSends             int      `db:"failed_sends" json:"failed_sends"`
	// Service-level targets that ended in the group's conversations, by
	// target (each next-response cycle counts).
	SLAMetFirstResponse      int `db:"sla_met_first_response" json:"-"`
	SLAMetNextResponse       int `db:"sla_met_next_response" json:"-"`
	SLAMetResolution         int `db:"sla_met_resolution" json:"-"`
	SLABreachedFirstResponse int `db:"sla_breached_first_response" json:"-"`
	SLABreachedNextResponse  int `db:"sla_breached_next_response" json:"-"`
	SLABreachedResolution    int `db:"sla_breached_resolution" json:"-"`
}

// SLAMet is the met targets by name, for the JSON answer.
func (f ConversationFigures) SLAMet() map[string]int {
	return map[string]int{domain.SLAFirstResponse: f.SLAMetFirstResponse, domain.SLANextResponse: f.SLAMetNextResponse, domain.SLAResolution: f.SLAMetResolution}
}

// SLABreached is the breached targets by name, for the JSON answer.
func (f ConversationFigures) SLABreached() map[string]int {
	return map[string]int{domain.SLAFirstResponse: f.SLABreachedFirstResponse, domain.SLANextResponse: f.SLABreachedNextResponse, domain.SLAResolution: f.SLABreachedResolution}
}

// perConversation folds each conversation's report facts into one row:
// its anchor (first queued, else opened), the first time of each
// transition, and its counts. $1, $2: [from, to); $3: queue scope or NULL;
// $4: a label the conversation carries, or NULL.
const perConversation = `
	WITH cand AS (
		SELECT conversation_id AS id FROM report_facts WHERE kind = 'queued' AND at >= $1 AND at < $2
		UNION
		SELECT id FROM conversations WHERE created_at >= $1 AND created_at < $2
	), per AS (
		SELECT c.id, c.workstream_id, c.number_id, c.created_at,
			min(f.at) FILTER (WHERE f.kind = 'queued') AS first_queued,
			(array_agg(f.queue_id ORDER BY f.at, f.key) FILTER (WHERE f.kind = 'queued'))[1] AS first_queue,
			min(f.at) FILTER (WHERE f.kind = 'assigned') AS first_assigned,
			(array_agg(f.agent_id ORDER BY f.at DESC, length(f.key) DESC, f.key DESC) FILTER (WHERE f.kind = 'assigned'))[1] AS last_agent,
			min(f.at) FILTER (WHERE f.kind = 'first_agent_reply') AS first_reply,
			COALESCE(bool_or(f.kind = 'bot'), false) AS bot,
			min(f.at) FILTER (WHERE f.kind = 'closed') AS closed_at,
			COALESCE(bool_or(f.kind = 'survey_asked'), false) AS surveyed,
			max(f.value) FILTER (WHERE f.kind = 'survey_score') AS score,
			count(*) FILTER (WHERE f.kind = 'message_in') AS messages_in,
			count(*) FILTER (WHERE f.kind = 'message_out') AS messages_out,
			count(*) FILTER (WHERE f.kind = 'template_sent') AS templates_sent,
			count(*) FILTER (WHERE f.kind = 'window_expired') AS window_expiries,
			count(*) FILTER (WHERE f.kind = 'send_failed') AS failed_sends,
			count(*) FILTER (WHERE f.kind = 'sla_met' AND f.detail = 'first_response') AS sla_met_first_response,
			count(*) FILTER (WHERE f.kind = 'sla_met' AND f.detail = 'next_response') AS sla_met_next_response,
			count(*) FILTER (WHERE f.kind = 'sla_met' AND f.detail = 'resolution') AS sla_met_resolution,
			count(*) FILTER (WHERE f.kind = 'sla_breached' AND f.detail = 'first_response') AS sla_breached_first_response,
			count(*) FILTER (WHERE f.kind = 'sla_breached' AND f.detail = 'next_response') AS sla_breached_next_response,
			count(*) FILTER (WHERE f.kind = 'sla_breached' AND f.detail = 'resolution') AS sla_breached_resolution
		FROM cand JOIN conversations c ON c.id = cand.id
		LEFT JOIN report_facts f ON f.conversation_id = c.id
		GROUP BY c.id
	), conv AS (
		SELECT per.*, COALESCE(first_queued, created_at) AS anchor FROM per
		WHERE COALESCE(first_queued, created_at) >= $1 AND COALESCE(first_queued, created_at) < $2
			AND ($3::uuid[] IS NULL OR first_queue = ANY($3::uuid[]))
			AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM conversation_labels cl WHERE cl.conversation_id = per.id AND cl.label_id = $4::uuid))
	)`

// groupColumns is, per grouping, the group's id and name (and the joins
// they need). A day is the anchor's date in the workstream's time zone.
var groupColumns = map[string]string{
	GroupByDay: `to_char(conv.anchor AT TIME ZONE COALESCE(NULLIF(ws.operating_hours->>'timezone', ''), 'UTC'), 'YYYY-MM-DD') AS group_id,
		NULL::text AS group_name FROM conv LEFT JOIN workstreams ws ON ws.id = conv.workstream_id`,
	GroupByQueue:      `conv.first_queue::text AS group_id, q.name AS group_name FROM conv LEFT JOIN queues q ON q.id = conv.first_queue`,
	GroupByAgent:      `conv.last_agent::text AS group_id, a.name AS group_name FROM conv LEFT JOIN agents a ON a.id = conv.last_agent`,
	GroupByWorkstream: `conv.workstream_id::text AS group_id, ws.name AS group_name FROM conv LEFT JOIN workstreams ws ON ws.id = conv.workstream_id`,
	GroupByNumber:     `conv.number_id::text AS group_id, n.e164 AS group_name FROM conv LEFT JOIN numbers n ON n.id = conv.number_id`,
}

// ConversationReport computes the conversations report, one row per group,
// ordered by group (conversations without one, such as never assigned ones
// grouped by agent, last).
func (s *Store) ConversationReport(ctx context.Context, q ReportQuery) ([]ConversationFigures, error) {
	cols, ok := groupColumns[q.GroupBy]
	if !ok {
		return nil, domain.Errorf(domain.CodeInvalid, "group_by must be one of day, queue, agent, workstream, number")
	}
	query := perConversation + `, grouped AS (
		SELECT conv.*, ` + cols + `
	), measured AS (
		SELECT grouped.*,
			CASE WHEN first_assigned >= first_queued THEN extract(epoch FROM first_assigned - first_queued)::float8 END AS wait,
			CASE WHEN first_reply >= first_queued THEN extract(epoch FROM first_reply - first_queued)::float8 END AS first_response,
			CASE WHEN closed_at >= first_assigned THEN extract(epoch FROM closed_at - first_assigned)::float8 END AS handle
		FROM grouped
	)
	SELECT group_id, max(group_name) AS group_name,
		count(*) FILTER (WHERE first_queued IS NOT NULL) AS offered,
		count(*) FILTER (WHERE first_assigned IS NOT NULL) AS handled,
		count(*) FILTER (WHERE first_queued IS NOT NULL AND first_assigned IS NULL AND closed_at IS NOT NULL) AS abandoned,
		count(*) FILTER (WHERE bot AND first_queued IS NULL AND first_assigned IS NULL AND closed_at IS NOT NULL) AS bot_resolved,
		percentile_disc(0.5) WITHIN GROUP (ORDER BY wait) AS wait_p50,
		percentile_disc(0.9) WITHIN GROUP (ORDER BY wait) AS wait_p90,
		percentile_disc(0.5) WITHIN GROUP (ORDER BY first_response) AS first_response_p50,
		percentile_disc(0.9) WITHIN GROUP (ORDER BY first_response) AS first_response_p90,
		percentile_disc(0.5) WITHIN GROUP (ORDER BY handle) AS handle_p50,
		percentile_disc(0.9) WITHIN GROUP (ORDER BY handle) AS handle_p90,
		sum(score)::float8 / NULLIF(count(score), 0) AS csat_avg,
		count(score) AS csat_responses,
		count(score)::float8 / NULLIF(count(*) FILTER (WHERE surveyed), 0) AS csat_response_rate,
		COALESCE(sum(messages_in), 0) AS messages_in,
		COALESCE(sum(messages_out), 0) AS messages_out,
		COALESCE(sum(templates_sent), 0) AS templates_sent,
		COALESCE(sum(window_expiries), 0) AS window_expiries,
		COALESCE(sum(failed_sends), 0) AS failed_sends,
		COALESCE(sum(sla_met_first_response), 0) AS sla_met_first_response,
		COALESCE(sum(sla_met_next_response), 0) AS sla_met_next_response,
		COALESCE(sum(sla_met_resolution), 0) AS sla_met_resolution,
		COALESCE(sum(sla_breached_first_response), 0) AS sla_breached_first_response,
		COALESCE(sum(sla_breached_next_response), 0) AS sla_breached_next_response,
		COALESCE(sum(sla_breached_resolution), 0) AS sla_breached_resolution
	FROM measured GROUP BY group_id ORDER BY group_id COLLATE "C" NULLS LAST`
	out := []ConversationFigures{}
	var label any
	if q.LabelID != "" {
		if !validUUID(q.LabelID) {
			return nil, domain.Errorf(domain.CodeInvalid, "label: %q is not a label id", q.LabelID)
		}
		label = q.LabelID
	}
	err := s.db.SelectContext(ctx, &out, query, q.From, q.To, scopeArray(q.QueueIDs), label)
	if err != nil {
		return nil, fmt.Errorf("conversations report: %w", err)
	}
	return out, nil
}

// scopeArray is the queue scope as a query parameter: NULL for no scope.
func scopeArray(ids []string) any {
	if ids == nil {
		return nil
	}
	return pq.Array(ids)
}

// AgentFigures is one row of the agents report.
type AgentFigures struct {
	AgentID            string   `db:"agent_id" json:"agent_id"`
	Name               string   `db:"name" json:"name"`
	AvailableSeconds   float64  `db:"available_seconds" json:"-"`
	BusySeconds        float64  `db:"busy_seconds" json:"-"`
	AwaySeconds        float64  `db:"away_seconds" json:"-"`
	OfflineSeconds     float64  `db:"offline_seconds" json:"-"`
	Handled            int      `db:"handled" json:"handled"`
	HandleSecondsTotal float64  `db:"handle_seconds_total" json:"handle_seconds_total"`
	HandleSecondsAvg   *float64 `db:"handle_seconds_avg" json:"handle_seconds_avg"`
}

// AgentReport computes, per agent (of the scope's queues, when set): the
// time spent in each presence within [From, To) (up to now for the
// current one), and the conversations the agent worked: assignments that
// started in [From, To) and have ended (closed, transferred, requeued).
func (s *Store) AgentReport(ctx context.Context, q ReportQuery) ([]AgentFigures, error) {
	query := `
	WITH ag AS (
		SELECT a.id, a.name FROM agents a
		WHERE $4::uuid[] IS NULL OR EXISTS (SELECT 1 FROM agent_queues aq WHERE aq.agent_id = a.id AND aq.queue_id = ANY($4::uuid[]))
	), seg AS (
		SELECT l.agent_id, l.presence, l.at AS start,
			COALESCE(lead(l.at) OVER (PARTITION BY l.agent_id ORDER BY l.at), COALESCE($3::timestamptz, now())) AS stop
		FROM agent_presence_log l JOIN ag ON ag.id = l.agent_id
	), presence AS (
		SELECT agent_id, presence, sum(extract(epoch FROM LEAST(stop, $2) - GREATEST(start, $1)))::float8 AS seconds
		FROM seg WHERE start < $2 AND stop > $1 AND LEAST(stop, $2) > GREATEST(start, $1)
		GROUP BY agent_id, presence
	), work AS (
		SELECT f.conversation_id, f.agent_id, f.at AS start,
			(SELECT min(g.at) FROM report_facts g WHERE g.conversation_id = f.conversation_id
				AND g.kind IN ('assigned', 'queued', 'closed') AND g.at > f.at) AS stop
		FROM report_facts f JOIN ag ON ag.id = f.agent_id
		WHERE f.kind = 'assigned' AND f.at >= $1 AND f.at < $2
	), handled AS (
		SELECT agent_id, count(DISTINCT conversation_id) AS handled,
			sum(extract(epoch FROM stop - start))::float8 AS total
		FROM work WHERE stop IS NOT NULL GROUP BY agent_id
	)
	SELECT ag.id AS agent_id, ag.name,
		COALESCE((SELECT seconds FROM presence p WHERE p.agent_id = ag.id AND p.presence = 'available'), 0) AS available_seconds,
		COALESCE((SELECT seconds FROM presence p WHERE p.agent_id = ag.id AND p.presence = 'busy'), 0) AS busy_seconds,
		COALESCE((SELECT seconds FROM presence p WHERE p.agent_id = ag.id AND p.presence = 'away'), 0) AS away_seconds,
		COALESCE((SELECT seconds FROM presence p WHERE p.agent_id = ag.id AND p.presence = 'offline'), 0) AS offline_seconds,
		COALESCE(h.handled, 0) AS handled,
		COALESCE(h.total, 0) AS handle_seconds_total,
		h.total / NULLIF(h.handled, 0) AS handle_seconds_avg
	FROM ag LEFT JOIN handled h ON h.agent_id = ag.id
	ORDER BY ag.name, ag.id`
	out := []AgentFigures{}
	if err := s.db.SelectContext(ctx, &out, query, q.From, q.To, s.stamp(), scopeArray(q.QueueIDs)); err != nil {
		return nil, fmt.Errorf("agents report: %w", err)
	}
	return out, nil
}
