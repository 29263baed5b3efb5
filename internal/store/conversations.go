package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

const conversationColumns = `id, workflow_id, account_id, number_id, customer_e164, profile_name,
	workstream_id, queue_id, agent_id, state, mode, window_expires_at, routing, survey_score, bot_note,
	sla, close_reason, closed_by, close_notes, created_at, closed_at, conversation_labels_json(id) AS labels,
	campaign_id, campaign_name`

// RecordInbound attaches inbound messages to their conversation, creating the
// conversation and contact when needed, and marks their inbox rows
// recorded (and signalled) in the same transaction: a message the
// transcript already had counts as recorded too. Replaying it is harmless:
// a MessageSid is stored once, and Inserted tells the workflow which
// messages are new.
func (s *Store) RecordInbound(ctx context.Context, conv domain.ConversationRecord, msgs []domain.InboundMessage) ([]domain.InboundResult, error) {
	var out []domain.InboundResult
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		out = out[:0]
		var existed bool
		if err := tx.GetContext(ctx, &existed, `SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1)`, conv.ID); err != nil {
			return err
		}
		if err := upsertConversation(ctx, tx, conv, s.stamp()); err != nil {
			return err
		}
		if conv.Campaign != nil {
			if err := recordCampaignOpening(ctx, tx, conv.ID, *conv.Campaign); err != nil {
				return err
			}
		}
		sids := make([]string, 0, len(msgs))
		for _, m := range msgs {
			res, err := insertInbound(ctx, tx, conv.ID, m)
			if err != nil {
				return err
			}
			out = append(out, res)
			sids = append(sids, m.MessageSID)
		}
		if !existed && !slices.ContainsFunc(out, func(r domain.InboundResult) bool { return r.Inserted }) {
			// Only messages recorded elsewhere already (a duplicate that
			// opened a new run): no conversation comes of it.
			if _, err := tx.ExecContext(ctx, `DELETE FROM conversations WHERE id = $1`, conv.ID); err != nil {
				return err
			}
		}
		// One statement, rows locked in id order like the relay's batched
		// marks (MarkSignalled): a burst signalled out of order would
		// otherwise deadlock with them. recorded_at is what the relay's
		// redelivery looks at: set here, with the transcript, and only here.
		_, err := tx.ExecContext(ctx, `
			UPDATE inbound_inbox SET signalled_at = COALESCE(signalled_at, now()), recorded_at = now()
			WHERE id IN (SELECT id FROM inbound_inbox WHERE message_sid = ANY($1) AND recorded_at IS NULL ORDER BY id FOR UPDATE)`,
			pq.Array(sids))
		return err
	})
	return out, err
}

// recordCampaignOpening names the campaign on a conversation that a reply
// to its message opened and copies that message into the transcript,
// dated when it was sent (before the reply: the transcript starts with
// it), with its delivery status and SID. Once: a retried write, or a
// campaign message already in a transcript, changes nothing.
func recordCampaignOpening(ctx context.Context, tx *sqlx.Tx, conversationID string, l domain.CampaignLink) error {
	if _, err := tx.ExecContext(ctx, `UPDATE conversations SET campaign_id = $2, campaign_name = $3
		WHERE id = $1 AND campaign_id IS NULL`, conversationID, l.CampaignID, l.CampaignName); err != nil {
		return fmt.Errorf("name the campaign: %w", err)
	}
	var tmpl []byte
	if l.Template != nil {
		var err error
		if tmpl, err = json.Marshal(l.Template); err != nil {
			return err
		}
	}
	status := l.Status
	if status == "" {
		status = domain.StatusSent
	}
	// The id derives from the SID: the same campaign message is one row.
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("switchboard:campaign-message:"+l.SID)).String()
	_, err := tx.ExecContext(ctx, `
		INSERT INTO messages (id, conversation_id, direction, author, body, template, twilio_sid, status, created_at, updated_at)
		VALUES ($1, $2, 'outbound', $3, $4, $5, $6, $7, $8, $8)
		ON CONFLICT DO NOTHING`,
		id, conversationID, domain.AuthorCampaign, l.Body, tmpl, l.SID, string(status), l.SentAt)
	if err != nil {
		return fmt.Errorf("copy the campaign message: %w", err)
	}
	return nil
}

func insertInbound(ctx context.Context, tx *sqlx.Tx, conversationID string, m domain.InboundMessage) (domain.InboundResult, error) {
	res := domain.InboundResult{MessageSID: m.MessageSID}
	media, err := json.Marshal(nonNilMedia(m.Media))
	if err != nil {
		return res, err
	}
	var details []byte
	if m.MessageType != "" || len(m.Extra) > 0 {
		if details, err = json.Marshal(m.Details()); err != nil {
			return res, err
		}
	}
	id := m.ID
	if id == "" {
		id = uuid.NewString()
	}
	rows, err := tx.QueryContext(ctx, `
		INSERT INTO messages (id, conversation_id, direction, author, body, media, twilio_sid, status, created_at, details)
		VALUES ($1, $2, 'inbound', 'customer', $3, $4, $5, 'received', $6, $7)
		ON CONFLICT (twilio_sid) DO NOTHING RETURNING id`,
		id, conversationID, m.Body, media, m.MessageSID, m.ReceivedAt, details)
	if err != nil {
		return res, err
	}
	res.Inserted = rows.Next()
	rows.Close()
	if res.Inserted {
		res.MessageID = id
		f := Fact{Kind: FactMessageIn, Key: id}
		if !m.ReceivedAt.IsZero() {
			f.At = &m.ReceivedAt // the message's created_at
		}
		if err := AddFact(ctx, tx, conversationID, f); err != nil {
			return res, err
		}
		if err := emitForConversation(ctx, tx, conversationID, domain.EventMessage, "", map[string]any{
			"conversation_id": conversationID, "message_id": id, "direction": domain.Inbound,
		}); err != nil {
			return res, err
		}
		return res, nil
	}
	if err := tx.GetContext(ctx, &res.MessageID, `SELECT id FROM messages WHERE twilio_sid = $1`, m.MessageSID); err != nil {
		return res, err
	}
	// Our own row: an earlier attempt of this write committed (with its
	// event) but its answer was lost, e.g. PostgreSQL crashed right after
	// the commit. It is still this message's first recording.
	res.Inserted = m.ID != "" && res.MessageID == m.ID
	return res, nil
}

// SaveConversation creates the conversation or updates its state, mode,
// window and close reason.
func (s *Store) SaveConversation(ctx context.Context, conv domain.ConversationRecord) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return upsertConversation(ctx, tx, conv, s.stamp()) })
}

// upsertConversation writes the conversation row and, in the same
// transaction, the report facts of the transition it records. at is the
// store's clock (nil: PostgreSQL's).
func upsertConversation(ctx context.Context, tx *sqlx.Tx, c domain.ConversationRecord, at *time.Time) error {
	var contactID string
	err := tx.GetContext(ctx, &contactID, `
		INSERT INTO contacts (id, e164, profile_name) VALUES ($1, $2, $3)
		ON CONFLICT (e164) DO UPDATE SET
			profile_name = CASE WHEN EXCLUDED.profile_name <> '' THEN EXCLUDED.profile_name ELSE contacts.profile_name END,
			last_seen_at = now()
		RETURNING id`, uuid.NewString(), c.CustomerE164, c.ProfileName)
	if err != nil {
		return fmt.Errorf("upsert contact: %w", err)
	}
	var prevRuleID string
	if c.Routing != nil && c.Routing.RuleID != "" {
		if err := tx.GetContext(ctx, &prevRuleID, `SELECT COALESCE((SELECT routing->>'rule_id' FROM conversations WHERE id = $1), '')`, c.ID); err != nil {
			return fmt.Errorf("routing before: %w", err)
		}
	}
	var closedAt *time.Time
	if c.State == domain.StateClosed {
		now := nowUTC()
		if at != nil {
			now = *at
		}
		closedAt = &now
	}
	var routing any
	if c.Routing != nil {
		routing = *c.Routing
	}
	args := []any{c.ID, c.WorkflowID, c.AccountID, c.NumberID, contactID, c.CustomerE164, c.ProfileName,
		nullUUID(c.WorkstreamID), c.State, c.Mode, c.WindowExpiresAt, c.CloseReason, closedAt,
		c.WorkstreamVersion, routing, c.SurveyScore, c.CloseNotes, c.ClosedBy, c.BotNote, at}
	// Service levels are written only by conversations that keep them, so
	// the statement of every other conversation stays what it was.
	slaColumn, slaValue, slaSet := "", "", ""
	if c.SLA != nil {
		slaColumn, slaValue = ", sla", ", $21"
		slaSet = "\t\t\tsla = EXCLUDED.sla,"
		args = append(args, *c.SLA)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO conversations (id, workflow_id, account_id, number_id, contact_id, customer_e164, profile_name,
			workstream_id, state, mode, window_expires_at, close_reason, closed_at,
			workstream_version, routing, survey_score, close_notes, closed_by, bot_note, created_at`+slaColumn+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULLIF($12, ''), $13,
			NULLIF($14, 0), $15, NULLIF($16, 0), NULLIF($17, ''), NULLIF($18, ''), NULLIF($19, ''),
			COALESCE($20::timestamptz, now())`+slaValue+`)
		ON CONFLICT (id) DO UPDATE SET
			profile_name = CASE WHEN EXCLUDED.profile_name <> '' THEN EXCLUDED.profile_name ELSE conversations.profile_name END,
			state = EXCLUDED.state,
			mode = EXCLUDED.mode,
			window_expires_at = EXCLUDED.window_expires_at,
			close_reason = COALESCE(EXCLUDED.close_reason, conversations.close_reason),
			closed_at = COALESCE(conversations.closed_at, EXCLUDED.closed_at),
			workstream_id = COALESCE(EXCLUDED.workstream_id, conversations.workstream_id),
			workstream_version = COALESCE(EXCLUDED.workstream_version, conversations.workstream_version),
			routing = COALESCE(EXCLUDED.routing, conversations.routing),
			survey_score = COALESCE(EXCLUDED.survey_score, conversations.survey_score),
			close_notes = COALESCE(EXCLUDED.close_notes, conversations.close_notes),
			closed_by = COALESCE(EXCLUDED.closed_by, conversations.closed_by),
			bot_note = COALESCE(EXCLUDED.bot_note, conversations.bot_note),
`+slaSet+`
			updated_at = now()`, args...)
	if err != nil {
		return fmt.Errorf("upsert conversation: %w", err)
	}
	if err := conversationFacts(ctx, tx, c, at); err != nil {
		return err
	}
	if c.Note != "" {
		res, err := tx.ExecContext(ctx, `INSERT INTO conversation_events (conversation_id, kind, body, dedupe_key)
			VALUES ($1, 'system', $2, $3) ON CONFLICT (dedupe_key) DO NOTHING`, c.ID, c.Note, c.NoteKey)
		if err != nil {
			return fmt.Errorf("transcript event: %w", err)
		}
		// A notify step tells the queue's supervisors, once: a retried
		// save finds its transcript event already there.
		if n, _ := res.RowsAffected(); n == 1 && c.NotifySupervisors {
			if _, err := tx.ExecContext(ctx, `SELECT supervisor_event(
				ARRAY(SELECT queue_id FROM conversations WHERE id = $1 AND queue_id IS NOT NULL), $1, agent_id, 'sla_notify',
				jsonb_build_object('note', $2::text, 'state', state, 'queue_id', queue_id, 'agent_id', agent_id))
				FROM conversations WHERE id = $1`, c.ID, c.Note); err != nil {
				return fmt.Errorf("supervisor notice: %w", err)
			}
		}
	}
	if err := applyRoutingLabels(ctx, tx, c.ID, prevRuleID, c.Routing); err != nil {
		return fmt.Errorf("routing labels: %w", err)
	}
	if c.RoutingInput != nil {
		if err := recordRoutingInput(ctx, tx, c.ID, *c.RoutingInput); err != nil {
			return fmt.Errorf("record routing input: %w", err)
		}
	}
	if c.Event == domain.EventAssignment {
		// The workflow has applied its assignment: the outbox stops
		// delivering it (any older row is superseded by it).
		if _, err := tx.ExecContext(ctx, `UPDATE assignment_outbox SET delivered_at = now()
			WHERE conversation_id = $1 AND delivered_at IS NULL`, c.ID); err != nil {
			return fmt.Errorf("acknowledge assignment: %w", err)
		}
	}
	if c.Event != "" {
		payload := map[string]any{"conversation_id": c.ID, "state": c.State, "mode": c.Mode, "window_expires_at": c.WindowExpiresAt}
		if err := emitForConversation(ctx, tx, c.ID, c.Event, c.EventKey, payload); err != nil {
			return fmt.Errorf("agent event: %w", err)
		}
	}
	return nil
}

// GetConversation returns one conversation.
func (s *Store) GetConversation(ctx context.Context, id string) (domain.Conversation, error) {
	var c domain.Conversation
	if !validUUID(id) {
		return c, domain.Errorf(domain.CodeNotFound, "conversation %s not found", id)
	}
	err := s.db.GetContext(ctx, &c, `SELECT `+conversationColumns+` FROM conversations WHERE id = $1`, id)
	return c, notFound(err, "conversation "+id)
}

// ConversationFilter narrows ListConversations; zero values match everything.
type ConversationFilter struct {
	State    string
	Mode     string
	NumberID string
	QueueID  string
	AgentID  string
	Customer string
	LabelID  string // conversations that carry this label
	Limit    int
	Before   time.Time // conversations created strictly before
	Cursor   string    // next_cursor of the previous page
}

// ConversationPage is a page of conversations, newest first.
type ConversationPage struct {
	Data       []domain.Conversation `json:"data"`
	NextCursor string                `json:"next_cursor"`
}

// ListConversations returns conversations, newest first.
func (s *Store) ListConversations(ctx context.Context, f ConversationFilter) ([]domain.Conversation, error) {
	p, err := s.ListConversationsPage(ctx, f)
	return p.Data, err
}

// ListConversationsPage returns a page of conversations, newest first, and
// the cursor of the next page when there is one. The order (created_at,
// id) is total, so paging neither repeats nor skips a conversation.
func (s *Store) ListConversationsPage(ctx context.Context, f ConversationFilter) (ConversationPage, error) {
	page := ConversationPage{Data: []domain.Conversation{}}
	where := []string{"true"}
	args := []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	for _, c := range []struct{ col, v string }{{"state", f.State}, {"mode", f.Mode}, {"customer_e164", f.Customer}} {
		if c.v != "" {
			where = append(where, c.col+" = "+arg(c.v))
		}
	}
	for _, c := range []struct{ col, v string }{{"number_id", f.NumberID}, {"queue_id", f.QueueID}, {"agent_id", f.AgentID}} {
		if c.v == "" {
			continue
		}
		if !validUUID(c.v) {
			return page, nil
		}
		where = append(where, c.col+" = "+arg(c.v))
	}
	if f.LabelID != "" {
		if !validUUID(f.LabelID) {
			return page, nil
		}
		where = append(where, "id IN (SELECT cl.conversation_id FROM conversation_labels cl WHERE cl.label_id = "+arg(f.LabelID)+")")
	}
	if !f.Before.IsZero() {
		where = append(where, "created_at < "+arg(f.Before))
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil || c.At.IsZero() || !validUUID(c.ID) {
			return page, domain.Errorf(domain.CodeInvalid, "cursor is not valid: pass next_cursor from the previous page as is")
		}
		where = append(where, fmt.Sprintf("(created_at, id) < (%s, %s)", arg(c.At), arg(c.ID)))
	}
	limit := clampLimit(f.Limit)
	q := fmt.Sprintf(`SELECT %s FROM conversations WHERE %s ORDER BY created_at DESC, id DESC LIMIT %s`,
		conversationColumns, strings.Join(where, " AND "), arg(limit+1))
	if err := s.db.SelectContext(ctx, &page.Data, q, args...); err != nil {
		return page, err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		last := page.Data[limit-1]
		page.NextCursor = encodeCursor(cursor{At: last.CreatedAt, ID: last.ID})
	}
	return page, nil
}

// OpenConversations lists the conversations of an account (numberID "") or
// of one of its numbers that are not closed.
func (s *Store) OpenConversations(ctx context.Context, accountID, numberID string) ([]domain.Conversation, error) {
	out := []domain.Conversation{}
	if !validUUID(accountID) || (numberID != "" && !validUUID(numberID)) {
		return out, nil
	}
	err := s.db.SelectContext(ctx, &out, `SELECT `+conversationColumns+` FROM conversations
		WHERE account_id = $1 AND ($2 = '' OR number_id::text = $2) AND state <> 'closed'
		ORDER BY created_at, id`, accountID, numberID)
	return out, err
}

// CloseConversationRow marks a conversation closed when its workflow can no
// longer do it (the workflow has already ended). It never reopens or
// overwrites a closed conversation.
func (s *Store) CloseConversationRow(ctx context.Context, id, reason string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE conversations
			SET state = 'closed', close_reason = $2, closed_at = COALESCE($3::timestamptz, now()), updated_at = now()
			WHERE id = $1 AND state <> 'closed'`, id, reason, s.stamp())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		// The reports' close, unless the workflow recorded one already.
		return AddFact(ctx, tx, id, Fact{Kind: FactClosed, At: s.stamp(), Detail: reason})
	})
}

func nullUUID(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nonNilMedia(m []domain.Media) []domain.Media {
	if m == nil {
		return []domain.Media{}
	}
	return m
}
