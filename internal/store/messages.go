package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// messageColumns are read FROM messages (unaliased). replied_id is the
// transcript id of the message an inbound one quoted or answered with a
// button (OriginalRepliedMessageSid), in the same conversation. A tap
// whose OriginalRepliedMessageSid is missing or unknown is linked to the
// latest interactive message before it that offered its payload.
const messageColumns = `id, conversation_id, direction, author, body, media, template, twilio_sid,
	status, error_code, error_message, created_at, details,
	COALESCE((SELECT r.id::text FROM messages r WHERE r.twilio_sid = messages.details->'extra'->>'OriginalRepliedMessageSid'
		AND r.conversation_id = messages.conversation_id),
	(SELECT r.id::text FROM messages r WHERE messages.direction = 'inbound'
		AND COALESCE(messages.details->'extra'->>'ButtonPayload', messages.details->'extra'->>'ListId') IS NOT NULL
		AND r.conversation_id = messages.conversation_id AND r.direction = 'outbound' AND r.created_at <= messages.created_at
		AND r.details->'interactive'->'options' @> jsonb_build_array(jsonb_build_object('id',
			COALESCE(messages.details->'extra'->>'ButtonPayload', messages.details->'extra'->>'ListId')))
		ORDER BY r.created_at DESC LIMIT 1)) AS replied_id`

type messageRow struct {
	domain.Message
	MediaJSON    []byte  `db:"media"`
	TemplateJSON []byte  `db:"template"`
	DetailsJSON  []byte  `db:"details"`
	RepliedID    *string `db:"replied_id"`
}

func (r messageRow) decode() (domain.Message, error) {
	m := r.Message
	m.Note = m.Direction == domain.Internal
	m.Media = []domain.Media{}
	if len(r.MediaJSON) > 0 {
		if err := json.Unmarshal(r.MediaJSON, &m.Media); err != nil {
			return m, err
		}
	}
	if len(r.TemplateJSON) > 0 {
		m.Template = &domain.TemplateUse{}
		if err := json.Unmarshal(r.TemplateJSON, m.Template); err != nil {
			return m, err
		}
	}
	if len(r.DetailsJSON) > 0 {
		var d domain.InboundDetails
		if err := json.Unmarshal(r.DetailsJSON, &d); err != nil {
			return m, err
		}
		replied := ""
		if r.RepliedID != nil {
			replied = *r.RepliedID
		}
		d.Apply(&m, replied)
	}
	return m, nil
}

// CreateOutbound stores an outbound message before it is sent. The id comes
// from the caller, so a retried insert returns the row already there.
func (s *Store) CreateOutbound(ctx context.Context, m domain.Message) (domain.Message, error) {
	media, err := json.Marshal(nonNilMedia(m.Media))
	if err != nil {
		return m, err
	}
	var tmpl []byte
	if m.Template != nil {
		if tmpl, err = json.Marshal(m.Template); err != nil {
			return m, err
		}
	}
	var details []byte
	if m.Interactive != nil {
		if details, err = json.Marshal(domain.InboundDetails{Interactive: m.Interactive}); err != nil {
			return m, err
		}
	}
	if m.Status == "" {
		m.Status = domain.StatusQueued
	}
	// The message and its report facts in one transaction; a retried
	// insert finds the row (and its facts) already there, and reads it.
	var createdAt time.Time
	inserted := false
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryContext(ctx, `
			INSERT INTO messages (id, conversation_id, direction, author, body, media, template, status, created_at, details)
			VALUES ($1, $2, 'outbound', $3, $4, $5, $6, $7, COALESCE($8::timestamptz, now()), $9)
			ON CONFLICT (id) DO NOTHING RETURNING created_at`,
			m.ID, m.ConversationID, m.Author, m.Body, media, tmpl, m.Status, s.stamp(), details)
		if err != nil {
			return err
		}
		inserted = rows.Next()
		if inserted {
			err = rows.Scan(&createdAt)
		}
		rows.Close()
		if err != nil || !inserted {
			return err
		}
		return outboundFacts(ctx, tx, m, createdAt)
	})
	if err != nil {
		return m, err
	}
	if !inserted {
		return s.GetMessage(ctx, m.ID)
	}
	// What was just written, decoded as GetMessage decodes it, without
	// reading it back: one round trip less on every reply.
	row := domain.Message{ID: m.ID, ConversationID: m.ConversationID, Direction: domain.Outbound, Author: m.Author,
		Body: m.Body, Status: m.Status, CreatedAt: createdAt}
	return messageRow{Message: row, MediaJSON: media, TemplateJSON: tmpl, DetailsJSON: details}.decode()
}

// GetMessage returns one message.
func (s *Store) GetMessage(ctx context.Context, id string) (domain.Message, error) {
	var r messageRow
	if !validUUID(id) {
		return domain.Message{}, domain.Errorf(domain.CodeNotFound, "message %s not found", id)
	}
	if err := s.db.GetContext(ctx, &r, `SELECT `+messageColumns+` FROM messages WHERE id = $1`, id); err != nil {
		return domain.Message{}, notFound(err, "message "+id)
	}
	return r.decode()
}

// ListMessages returns a conversation's transcript, oldest first.
func (s *Store) ListMessages(ctx context.Context, conversationID string) ([]domain.Message, error) {
	out := []domain.Message{}
	if !validUUID(conversationID) {
		return out, nil
	}
	var rows []messageRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+messageColumns+`
		FROM messages WHERE conversation_id = $1 ORDER BY created_at, id`, conversationID); err != nil {
		return nil, err
	}
	for _, r := range rows {
		m, err := r.decode()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// MessageOutcomeChannel is the PostgreSQL NOTIFY channel of Twilio's
// answers: its payload is the id of a message that just got its SID or
// failed. The API's send routes wait on it instead of polling the row.
const MessageOutcomeChannel = "switchboard_message_outcome"

// RecordSendResult stores the Twilio SID of a sent message, then applies any
// status callback that arrived before the SID was known. Waiters on
// MessageOutcomeChannel are told at commit.
//
// Nearly always no callback came first: one statement then stores the SID
// and answers the row. Otherwise (or for an unknown id) a transaction
// applies the callbacks with the SID, and the row is read after it.
func (s *Store) RecordSendResult(ctx context.Context, id, sid string, status domain.MessageStatus) (domain.Message, error) {
	var r struct {
		messageRow
		Notified bool `db:"notified"`
	}
	err := s.db.GetContext(ctx, &r, `
		UPDATE messages SET twilio_sid = $2,
			status = CASE WHEN message_status_rank(status) < message_status_rank($3) THEN $3 ELSE status END,
			updated_at = now()
		WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM message_status_events e WHERE e.twilio_sid = $2)
		RETURNING pg_notify($4, id::text) IS NULL AS notified, `+messageColumns, id, sid, string(status), MessageOutcomeChannel)
	switch {
	case err == nil:
		return r.decode()
	case !errors.Is(err, sql.ErrNoRows):
		return domain.Message{}, err
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE messages SET twilio_sid = $2,
				status = CASE WHEN message_status_rank(status) < message_status_rank($3) THEN $3 ELSE status END,
				updated_at = now()
			WHERE id = $1
			RETURNING pg_notify($4, id::text)`, id, sid, string(status), MessageOutcomeChannel)
		if err != nil {
			return err
		}
		return applyBestEvent(ctx, tx, sid, s.stamp())
	})
	if err != nil {
		return domain.Message{}, err
	}
	return s.GetMessage(ctx, id)
}

// MarkSendFailed records a final refusal by Twilio (or a send that gave
// up) and tells the conversation's agent, in the same transaction, with a
// delivery_status event, as a failed status callback does, and the
// waiters on MessageOutcomeChannel.
func (s *Store) MarkSendFailed(ctx context.Context, id string, code int, message string) (domain.Message, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var convID string
		err := tx.QueryRowxContext(ctx, `
			UPDATE messages SET status = 'failed', error_code = NULLIF($2, 0), error_message = NULLIF($3, ''), updated_at = now()
			WHERE id = $1 RETURNING conversation_id, pg_notify($4, id::text) IS NULL`, id, code, truncate(message, 500), MessageOutcomeChannel).Scan(&convID, new(bool))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := AddFact(ctx, tx, convID, Fact{Kind: FactSendFailed, Key: id, At: s.stamp(), Value: code}); err != nil {
			return err
		}
		return emitForConversation(ctx, tx, convID, domain.EventDeliveryStatus, "", map[string]any{
			"conversation_id": convID, "message_id": id, "status": domain.StatusFailed, "error_code": code,
		})
	})
	if err != nil {
		return domain.Message{}, err
	}
	return s.GetMessage(ctx, id)
}

// StatusUpdate is the outcome of a status callback.
type StatusUpdate struct {
	Known          bool // a message with this SID exists
	Applied        bool // the message moved to this status
	MessageID      string
	ConversationID string
	WorkflowID     string
	Status         domain.MessageStatus // the message's status after the callback
}

// ApplyStatus records a status callback that came to accountID's URL; the
// message only moves forward. Only that account's messages are touched: a
// SID of another account's message is, for this account, unknown.
func (s *Store) ApplyStatus(ctx context.Context, accountID, sid string, status domain.MessageStatus, code int, message string) (StatusUpdate, error) {
	var up StatusUpdate
	if !validUUID(accountID) {
		return up, nil
	}
	if !status.IsFailure() {
		if known, err := s.applyKnownStatus(ctx, accountID, sid, status, code, message); err != nil || known.Known {
			return known, err
		}
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO message_status_events (account_id, twilio_sid, status, error_code, error_message)
			VALUES ($1, $2, $3, NULLIF($4, 0), NULLIF($5, ''))
			ON CONFLICT DO NOTHING`, accountID, sid, string(status), code, truncate(message, 500))
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE messages m SET status = $3, error_code = COALESCE(NULLIF($4, 0), m.error_code),
				error_message = COALESCE(NULLIF($5, ''), m.error_message), updated_at = now()
			FROM conversations c
			WHERE m.twilio_sid = $2 AND c.id = m.conversation_id AND c.account_id = $1
			AND message_status_rank(m.status) < message_status_rank($3)`,
			accountID, sid, string(status), code, truncate(message, 500))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		up.Applied = n > 0
		err = tx.QueryRowxContext(ctx, `
			SELECT m.id, m.conversation_id, c.workflow_id, m.status
			FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.twilio_sid = $2 AND c.account_id = $1`, accountID, sid).Scan(&up.MessageID, &up.ConversationID, &up.WorkflowID, &up.Status)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		up.Known = err == nil
		if err != nil || !up.Applied {
			return err
		}
		if err := failureFact(ctx, tx, up.ConversationID, up.MessageID, status, code, s.stamp()); err != nil {
			return err
		}
		return emitForConversation(ctx, tx, up.ConversationID, domain.EventDeliveryStatus, "", map[string]any{
			"conversation_id": up.ConversationID, "message_id": up.MessageID, "status": status, "error_code": code,
		})
	})
	return up, err
}

// applyKnownStatus is ApplyStatus for the callback of a message whose SID
// is recorded, and a status that is not a failure (no report fact, no
// signal): Twilio's three or four callbacks per message, the common case.
// One statement moves the message forward and writes its agent's event
// (as emitForConversation does: its advisory lock keeps an agent's event
// ids in commit order) and keeps the callback in message_status_events,
// instead of a transaction of five or six statements. An unknown SID
// answers Known false and writes nothing: ApplyStatus's transaction then
// keeps the callback for the send that records the SID.
func (s *Store) applyKnownStatus(ctx context.Context, accountID, sid string, status domain.MessageStatus, code int, message string) (StatusUpdate, error) {
	var up StatusUpdate
	err := s.db.QueryRowxContext(ctx, `
		WITH known AS (
			SELECT m.id, m.conversation_id, c.workflow_id, c.agent_id, m.status
			FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.twilio_sid = $2 AND c.account_id = $1
		), moved AS (
			UPDATE messages m SET status = $3, error_code = COALESCE(NULLIF($4, 0), m.error_code),
				error_message = COALESCE(NULLIF($5, ''), m.error_message), updated_at = now()
			FROM known k WHERE m.id = k.id AND message_status_rank(m.status) < message_status_rank($3)
			RETURNING m.id, m.status
		), kept AS (
			INSERT INTO message_status_events (account_id, twilio_sid, status, error_code, error_message)
			SELECT $1, $2, $3, NULLIF($4, 0), NULLIF($5, '') WHERE EXISTS (SELECT 1 FROM known)
			ON CONFLICT DO NOTHING
		), told AS (
			INSERT INTO agent_events (agent_id, conversation_id, type, payload)
			SELECT k.agent_id, k.conversation_id, $6, jsonb_build_object('conversation_id', k.conversation_id,
				'message_id', k.id, 'status', mv.status, 'error_code', $4::int)
			FROM moved mv JOIN known k ON k.id = mv.id
			CROSS JOIN LATERAL (SELECT pg_advisory_xact_lock($7, hashtext(k.agent_id::text))) serialize
			WHERE k.agent_id IS NOT NULL
		)
		SELECT k.id, k.conversation_id, k.workflow_id, COALESCE(mv.status, k.status), mv.id IS NOT NULL
		FROM known k LEFT JOIN moved mv ON mv.id = k.id`,
		accountID, sid, string(status), code, truncate(message, 500), domain.EventDeliveryStatus, agentEventsLock).
		Scan(&up.MessageID, &up.ConversationID, &up.WorkflowID, &up.Status, &up.Applied)
	if errors.Is(err, sql.ErrNoRows) {
		return StatusUpdate{}, nil
	}
	up.Known = err == nil
	return up, err
}

// applyBestEvent applies the furthest status that arrived before the SID
// was known and, when it moved the message, tells the agent as a status
// callback would (callbacks often beat the send's answer). Only events that
// came to the URL of the message's own account count.
func applyBestEvent(ctx context.Context, tx *sqlx.Tx, sid string, at *time.Time) error {
	var id, convID, status string
	var code int
	err := tx.QueryRowxContext(ctx, `
		UPDATE messages m SET status = e.status,
			error_code = COALESCE(e.error_code, m.error_code),
			error_message = COALESCE(e.error_message, m.error_message), updated_at = now()
		FROM conversations c, LATERAL (
			SELECT ev.status, ev.error_code, ev.error_message FROM message_status_events ev
			WHERE ev.twilio_sid = $1 AND ev.account_id = c.account_id
			ORDER BY message_status_rank(ev.status) DESC LIMIT 1) e
		WHERE m.twilio_sid = $1 AND c.id = m.conversation_id
		AND message_status_rank(m.status) < message_status_rank(e.status)
		RETURNING m.id, m.conversation_id, m.status, COALESCE(m.error_code, 0)`, sid).Scan(&id, &convID, &status, &code)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := failureFact(ctx, tx, convID, id, domain.MessageStatus(status), code, at); err != nil {
		return err
	}
	return emitForConversation(ctx, tx, convID, domain.EventDeliveryStatus, "", map[string]any{
		"conversation_id": convID, "message_id": id, "status": status, "error_code": code,
	})
}

// failureFact records a failed send when a status (a callback, or one that
// beat the send's answer) ends the message as failed or undelivered.
func failureFact(ctx context.Context, tx *sqlx.Tx, conversationID, messageID string, status domain.MessageStatus, code int, at *time.Time) error {
	if !status.IsFailure() {
		return nil
	}
	return AddFact(ctx, tx, conversationID, Fact{Kind: FactSendFailed, Key: messageID, At: at, Value: code})
}
