package store

import (
	"context"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

// Supervisor scopes: a nil queue list is every queue (the admin key); an
// empty one is none (a supervisor who belongs to no queue).

// scopeArgs gives SQL `($n::uuid[] IS NULL OR col = ANY($n))` its value.
func scopeArg(queues []string) any {
	if queues == nil {
		return nil
	}
	return pq.Array(queues)
}

// QueueOverview is one queue of the supervisor's live view.
type QueueOverview struct {
	ID                string     `json:"id" db:"id"`
	Name              string     `json:"name" db:"name"`
	Waiting           int        `json:"waiting" db:"waiting"`
	OldestQueuedAt    *time.Time `json:"oldest_queued_at" db:"oldest_queued_at"`
	OldestWaitSeconds int64      `json:"oldest_wait_seconds" db:"-"`
	Assigned          int        `json:"assigned" db:"assigned"`
	// ServiceLevelBreaches counts the queue's open conversations with a
	// breached service-level target (docs/service-levels.md).
	ServiceLevelBreaches int `json:"service_level_breaches" db:"service_level_breaches"`
}

// AgentOverview is one agent of the supervisor's live view.
type AgentOverview struct {
	ID                string         `json:"id" db:"id"`
	Name              string         `json:"name" db:"name"`
	Role              string         `json:"role" db:"role"`
	Presence          string         `json:"presence" db:"presence"`
	PresenceChangedAt time.Time      `json:"presence_changed_at" db:"presence_changed_at"`
	PresenceSeconds   int64          `json:"presence_seconds" db:"-"`
	Load              int            `json:"load" db:"load"`
	Capacity          int            `json:"capacity" db:"capacity"`
	OpenConversations int            `json:"open_conversations" db:"open_conversations"`
	QueueIDs          []string       `json:"queue_ids" db:"-"`
	QueueIDsRaw       pq.StringArray `json:"-" db:"queue_ids"`
}

// At-risk reasons.
const (
	RiskWaiting       = "waiting_too_long"
	RiskWindowClosing = "window_closing"
	RiskNoAgentReply  = "no_agent_reply"
	RiskSLAWarned     = "sla_warned"   // a service-level target is about to be missed
	RiskSLABreached   = "sla_breached" // a service-level target was missed
)

// slaBreached is true for a conversation (c) with a breached target: the
// sla column holds each target as an object with its status.
const slaBreached = `EXISTS (SELECT 1 FROM jsonb_each(COALESCE(c.sla, '{}')) t
	WHERE jsonb_typeof(t.value) = 'object' AND t.value->>'status' = 'breached')`

// AtRisk is an open conversation a supervisor should look at, and why.
type AtRisk struct {
	ConversationID string     `json:"conversation_id" db:"id"`
	Reason         string     `json:"reason" db:"reason"`
	State          string     `json:"state" db:"state"`
	QueueID        *string    `json:"queue_id" db:"queue_id"`
	AgentID        *string    `json:"agent_id" db:"agent_id"`
	ProfileName    string     `json:"profile_name" db:"profile_name"`
	Since          time.Time  `json:"since" db:"since"`
	WindowExpires  *time.Time `json:"window_expires_at" db:"window_expires_at"`
	// Detail says it in words: "waiting 12m0s (threshold 5m0s)".
	Detail string `json:"detail" db:"-"`
	// targets are the service-level targets of an sla_ reason.
	Targets pq.StringArray `json:"-" db:"targets"`
	// thresholdMS is the threshold a waiting_too_long or no_agent_reply
	// conversation crossed: its workstream's, else the global one.
	ThresholdMS *int64 `json:"-" db:"threshold_ms"`
}

// RiskThresholds decide what is at risk. Waiting and NoAgentReply are the
// global defaults: a conversation whose workstream has its own supervision
// thresholds (domain.Supervision) is measured against those.
type RiskThresholds struct {
	// Waiting: queued longer than this.
	Waiting time.Duration
	// WindowClosing: the window closes within this, the customer's last
	// message unanswered.
	WindowClosing time.Duration
	// NoAgentReply: assigned, the customer's last message unanswered for
	// this long.
	NoAgentReply time.Duration
}

// Overview is the supervisor's live view.
type Overview struct {
	At     time.Time       `json:"at"`
	Queues []QueueOverview `json:"queues"`
	Agents []AgentOverview `json:"agents"`
	AtRisk []AtRisk        `json:"at_risk"`
	// Distributions feed the page's plots.
	Distributions Distributions `json:"distributions"`
}

// Distributions are raw samples, in seconds, for histograms: how long each
// conversation now waiting has waited, and how long each conversation
// closed in the last 24 hours took from its queue to its close.
type Distributions struct {
	WaitingSeconds []float64 `json:"waiting_seconds"`
	HandleSeconds  []float64 `json:"handle_seconds"`
}

// SupervisorOverview reads the live view of queues (nil: every queue) at
// the database's now.
func (s *Store) SupervisorOverview(ctx context.Context, queues []string, th RiskThresholds) (Overview, error) {
	o := Overview{Queues: []QueueOverview{}, Agents: []AgentOverview{}, AtRisk: []AtRisk{}}
	scope := scopeArg(queues)
	if err := s.db.GetContext(ctx, &o.At, `SELECT now()`); err != nil {
		return o, err
	}
	if err := s.db.SelectContext(ctx, &o.Queues, `
		SELECT q.id, q.name,
			count(c.id) FILTER (WHERE c.state = 'queued') AS waiting,
			min(c.queued_at) FILTER (WHERE c.state = 'queued') AS oldest_queued_at,
			count(c.id) FILTER (WHERE c.state = 'assigned') AS assigned,
			count(c.id) FILTER (WHERE `+slaBreached+`) AS service_level_breaches
		FROM queues q
		LEFT JOIN conversations c ON c.queue_id = q.id AND c.state <> 'closed'
		WHERE ($1::uuid[] IS NULL OR q.id = ANY($1))
		GROUP BY q.id, q.name ORDER BY q.name`, scope); err != nil {
		return o, err
	}
	for i := range o.Queues {
		if t := o.Queues[i].OldestQueuedAt; t != nil {
			o.Queues[i].OldestWaitSeconds = int64(o.At.Sub(*t).Seconds())
		}
	}
	if err := s.db.SelectContext(ctx, &o.Agents, `
		SELECT a.id, a.name, a.role, a.presence, a.presence_changed_at, a.capacity,
			COALESCE((SELECT sum(c.capacity_cost) FROM conversations c WHERE c.agent_id = a.id AND c.holds_capacity), 0) AS load,
			(SELECT count(*) FROM conversations c WHERE c.agent_id = a.id AND c.state <> 'closed') AS open_conversations,
			ARRAY(SELECT aq.queue_id::text FROM agent_queues aq WHERE aq.agent_id = a.id ORDER BY aq.queue_id) AS queue_ids
		FROM agents a
		WHERE $1::uuid[] IS NULL OR EXISTS (SELECT 1 FROM agent_queues aq WHERE aq.agent_id = a.id AND aq.queue_id = ANY($1))
		ORDER BY a.name, a.id`, scope); err != nil {
		return o, err
	}
	for i := range o.Agents {
		a := &o.Agents[i]
		a.PresenceSeconds = int64(o.At.Sub(a.PresenceChangedAt).Seconds())
		a.QueueIDs = []string(a.QueueIDsRaw)
		if a.QueueIDs == nil {
			a.QueueIDs = []string{}
		}
	}
	// The customer's last message is unanswered when no outbound message
	// (an agent's, the bot's or an automated one) follows it.
	if err := s.db.SelectContext(ctx, &o.AtRisk, `
		WITH open AS (
			SELECT c.*, last_in.at AS last_inbound_at,
				COALESCE(ws.supervision_wait_threshold_ms, ($2::float8 * 1000)::bigint) AS wait_ms,
				COALESCE(ws.supervision_no_reply_after_ms, ($4::float8 * 1000)::bigint) AS no_reply_ms
			FROM conversations c
			LEFT JOIN workstreams ws ON ws.id = c.workstream_id
			LEFT JOIN LATERAL (SELECT max(m.created_at) AS at FROM messages m
				WHERE m.conversation_id = c.id AND m.direction = 'inbound') last_in ON true
			WHERE c.state IN ('bot', 'queued', 'assigned')
			  AND ($1::uuid[] IS NULL OR c.queue_id = ANY($1))
		), unanswered AS (
			SELECT o.* FROM open o WHERE o.last_inbound_at IS NOT NULL AND NOT EXISTS (
				SELECT 1 FROM messages m WHERE m.conversation_id = o.id AND m.direction = 'outbound'
				AND m.created_at > o.last_inbound_at)
		), sla AS (
			-- Each warned or breached target, since its warning or due time.
			SELECT o.id, o.state, o.queue_id, o.agent_id, o.profile_name, o.window_expires_at, t.key AS target,
				t.value->>'status' AS status,
				(CASE WHEN t.value->>'status' = 'breached' THEN t.value->>'due_at' ELSE t.value->>'warn_at' END)::timestamptz AS at
			FROM open o, jsonb_each(COALESCE(o.sla, '{}')) t
			WHERE jsonb_typeof(t.value) = 'object' AND t.value->>'status' IN ('warned', 'breached')
		)
		SELECT id, 'waiting_too_long' AS reason, state, queue_id, agent_id, profile_name, queued_at AS since, window_expires_at,
				NULL::text[] AS targets, wait_ms AS threshold_ms
			FROM open WHERE state = 'queued' AND queued_at < now() - make_interval(secs => wait_ms / 1000.0)
		UNION ALL
		SELECT id, 'window_closing', state, queue_id, agent_id, profile_name, last_inbound_at, window_expires_at, NULL, NULL
			FROM unanswered WHERE mode = 'session' AND window_expires_at > now() AND window_expires_at < now() + make_interval(secs => $3)
		UNION ALL
		SELECT id, 'no_agent_reply', state, queue_id, agent_id, profile_name, last_inbound_at, window_expires_at, NULL, no_reply_ms
			FROM unanswered WHERE state = 'assigned' AND last_inbound_at < now() - make_interval(secs => no_reply_ms / 1000.0)
		UNION ALL
		SELECT id, 'sla_' || status, state, queue_id, agent_id, profile_name, min(at), window_expires_at, array_agg(target ORDER BY target), NULL
			FROM sla GROUP BY id, status, state, queue_id, agent_id, profile_name, window_expires_at
		ORDER BY since, id`, scope, interval(th.Waiting), interval(th.WindowClosing), interval(th.NoAgentReply)); err != nil {
		return o, err
	}
	o.Distributions = Distributions{WaitingSeconds: []float64{}, HandleSeconds: []float64{}}
	if err := s.db.SelectContext(ctx, &o.Distributions.WaitingSeconds, `
		SELECT extract(epoch FROM now() - queued_at)::float8 FROM conversations
		WHERE state = 'queued' AND queued_at IS NOT NULL AND ($1::uuid[] IS NULL OR queue_id = ANY($1))
		ORDER BY queued_at LIMIT 1000`, scope); err != nil {
		return o, err
	}
	if err := s.db.SelectContext(ctx, &o.Distributions.HandleSeconds, `
		SELECT extract(epoch FROM closed_at - queued_at)::float8 FROM conversations
		WHERE state = 'closed' AND closed_at > now() - interval '24 hours' AND queued_at IS NOT NULL
		  AND ($1::uuid[] IS NULL OR queue_id = ANY($1))
		ORDER BY closed_at DESC LIMIT 1000`, scope); err != nil {
		return o, err
	}
	for i := range o.AtRisk {
		r := &o.AtRisk[i]
		since := o.At.Sub(r.Since).Round(time.Second)
		switch r.Reason {
		case RiskWaiting:
			r.Detail = "waiting " + since.String() + " (threshold " + r.threshold(th.Waiting).String() + ")"
		case RiskWindowClosing:
			r.Detail = "window closes in " + r.WindowExpires.Sub(o.At).Round(time.Second).String() + ", the customer's last message unanswered"
		case RiskNoAgentReply:
			r.Detail = "no agent reply for " + since.String() + " (threshold " + r.threshold(th.NoAgentReply).String() + ")"
		case RiskSLAWarned:
			r.Detail = "service level " + strings.Join(r.Targets, ", ") + " about to be missed (warned " + since.String() + " ago)"
		case RiskSLABreached:
			r.Detail = "service level " + strings.Join(r.Targets, ", ") + " missed " + since.String() + " ago"
		}
	}
	return o, nil
}

// threshold is the threshold the conversation crossed, else def.
func (r AtRisk) threshold(def time.Duration) time.Duration {
	if r.ThresholdMS == nil {
		return def
	}
	return time.Duration(*r.ThresholdMS) * time.Millisecond
}

// interval is a Go duration in seconds, for make_interval.
func interval(d time.Duration) float64 {
	return d.Seconds()
}

// supervisorEventsLock serializes placements (the second key is 0).
const supervisorEventsLock = 0x53425345 // "SBSE"

// placeSupervisorEvents gives the committed events not placed yet their
// place in the stream. An event becomes visible only once its transaction
// commits, whatever its id: placing what is visible, one placement at a time
// (the lock is held to this short transaction's commit), makes places
// visible in increasing order, and an event committed late just gets a
// later place. No writer waits for this, and a long transaction elsewhere
// delays nothing but its own events.
func (s *Store) placeSupervisorEvents(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `
		WITH locked AS (SELECT pg_advisory_xact_lock($1, 0)),
		todo AS (
			SELECT e.id FROM supervisor_events e, locked
			WHERE e.pos IS NULL ORDER BY e.id LIMIT 5000
		),
		placed AS (SELECT id, nextval('supervisor_events_pos') AS pos FROM (SELECT id FROM todo ORDER BY id) o)
		UPDATE supervisor_events e SET pos = placed.pos FROM placed
		WHERE e.id = placed.id AND e.pos IS NULL`, supervisorEventsLock)
	return err
}

// SupervisorEventsAfter returns the supervisor events of queues (nil:
// every event) placed after position after, in order, in the agent events'
// shape (ID is the position).
func (s *Store) SupervisorEventsAfter(ctx context.Context, queues []string, after int64, limit int) ([]AgentEvent, error) {
	if err := s.placeSupervisorEvents(ctx); err != nil {
		return nil, err
	}
	out := []AgentEvent{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT pos AS id, COALESCE(agent_id::text, '') AS agent_id, conversation_id, type, payload, created_at
		FROM supervisor_events
		WHERE pos > $2 AND ($1::uuid[] IS NULL OR queue_ids && $1)
		ORDER BY pos LIMIT $3`, scopeArg(queues), after, limit)
	return out, err
}

// LatestSupervisorEventID is where a new supervisor stream starts.
func (s *Store) LatestSupervisorEventID(ctx context.Context) (int64, error) {
	if err := s.placeSupervisorEvents(ctx); err != nil {
		return 0, err
	}
	var id int64
	err := s.db.GetContext(ctx, &id, `SELECT COALESCE(max(pos), 0) FROM supervisor_events`)
	return id, err
}

// CreateNote stores an internal note in a conversation's transcript
// (direction internal, status note): never handed to Twilio. The id comes
// from the caller, so a retried insert returns the row already there.
func (s *Store) CreateNote(ctx context.Context, m domain.Message) (domain.Message, error) {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO messages (id, conversation_id, direction, author, body, status)
		VALUES ($1, $2, 'internal', $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`,
		m.ID, m.ConversationID, m.Author, m.Body, domain.StatusNote)
	if err != nil {
		return m, err
	}
	return s.GetMessage(ctx, m.ID)
}
