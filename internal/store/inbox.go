package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

// InboxInsert is the outcome of storing an inbound webhook.
type InboxInsert struct {
	ID       int64
	Inserted bool // false: Twilio retried a MessageSid we already have
	// OlderPending: an earlier message of the same workflow is still waiting
	// for Temporal, so this one must be delivered after it, not alone.
	OlderPending bool
}

// InsertInbound stores an inbound message in the inbox, once per MessageSid.
func (s *Store) InsertInbound(ctx context.Context, workflowID string, m domain.InboundMessage) (InboxInsert, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return InboxInsert{}, err
	}
	rows, err := s.db.QueryContext(ctx, `
		WITH ins AS (
			INSERT INTO inbound_inbox (message_sid, account_id, number_id, workflow_id, payload, received_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (message_sid) DO NOTHING
			RETURNING id
		)
		SELECT ins.id, EXISTS (
			SELECT 1 FROM inbound_inbox p
			WHERE p.workflow_id = $4 AND p.signalled_at IS NULL AND p.id < ins.id
		) FROM ins`,
		m.MessageSID, m.AccountID, m.NumberID, workflowID, payload, m.ReceivedAt)
	if err != nil {
		return InboxInsert{}, err
	}
	var res InboxInsert
	for rows.Next() {
		res.Inserted = true
		if err := rows.Scan(&res.ID, &res.OlderPending); err != nil {
			rows.Close()
			return InboxInsert{}, err
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return InboxInsert{}, err
	}
	// The returned row arrives before the statement's implicit commit:
	// only Close, which reads up to ReadyForQuery, proves the commit. A
	// crash in between used to answer Twilio 200 for a row that was never
	// committed (the PostgreSQL fault test caught it: 249 inbox rows for
	// 250 accepted messages).
	if err := rows.Close(); err != nil {
		return InboxInsert{}, err
	}
	return res, nil
}

// PendingInbound is an inbox row not yet handed to Temporal, or (with
// Redelivery) handed to Temporal but never recorded in the transcript.
type PendingInbound struct {
	WorkflowID string
	Message    domain.InboundMessage
	Redelivery bool
}

// PendingInbound returns up to limit undelivered messages received before
// the cut-off, in arrival order. workflowID "" means any workflow.
func (s *Store) PendingInbound(ctx context.Context, workflowID string, before time.Time, limit int) ([]PendingInbound, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, workflow_id, payload FROM inbound_inbox
		WHERE signalled_at IS NULL AND received_at <= $1 AND ($2 = '' OR workflow_id = $2)
		ORDER BY id LIMIT $3`, before, workflowID, limit)
	if err != nil {
		return nil, err
	}
	return scanInbox(rows, false)
}

func scanInbox(rows *sql.Rows, redelivery bool) ([]PendingInbound, error) {
	defer rows.Close()
	var out []PendingInbound
	for rows.Next() {
		p := PendingInbound{Redelivery: redelivery}
		var id int64
		var payload []byte
		if err := rows.Scan(&id, &p.WorkflowID, &payload); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(payload, &p.Message); err != nil {
			return nil, err
		}
		p.Message.InboxID = id
		out = append(out, p)
	}
	return out, rows.Err()
}

// maxRedeliveryDoublings caps the exponent of UnrecordedInbound's backoff.
const maxRedeliveryDoublings = 16

// UnrecordedInbound returns up to limit inbox rows Temporal took (their
// signal succeeded) whose message never reached the transcript, due for
// another delivery: signalled after·2^redeliveries ago (at most maxWait),
// in arrival order. The backoff keeps a conversation whose worker is down
// for hours from collecting a signal every few minutes per message.
func (s *Store) UnrecordedInbound(ctx context.Context, after, maxWait time.Duration, limit int) ([]PendingInbound, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, workflow_id, payload FROM inbound_inbox
		WHERE recorded_at IS NULL AND signalled_at IS NOT NULL
		AND signalled_at <= now() - make_interval(secs => $1)
		AND signalled_at <= now() - LEAST(make_interval(secs => $1 * power(2, LEAST(redeliveries, $4))), make_interval(secs => $2))
		ORDER BY id LIMIT $3`, after.Seconds(), maxWait.Seconds(), limit, maxRedeliveryDoublings)
	if err != nil {
		return nil, err
	}
	return scanInbox(rows, true)
}

// MarkRedelivered records another delivery of an unrecorded inbox row: the
// next one waits twice as long.
func (s *Store) MarkRedelivered(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE inbound_inbox SET signalled_at = now(), redeliveries = redeliveries + 1
		WHERE id = $1 AND recorded_at IS NULL`, id)
	return err
}

// MarkSignalled records that Temporal has these inbox rows.
func (s *Store) MarkSignalled(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	// Rows are locked in id order, the order in which a workflow recording a
	// burst marks them (RecordInbound): in any other order the two deadlock.
	_, err := s.db.ExecContext(ctx, `
		UPDATE inbound_inbox SET signalled_at = now()
		WHERE id IN (SELECT id FROM inbound_inbox WHERE id = ANY($1) AND signalled_at IS NULL ORDER BY id FOR UPDATE)`, pq.Array(ids))
	return err
}

// MarkAttemptFailed counts a failed hand-over to Temporal.
func (s *Store) MarkAttemptFailed(ctx context.Context, id int64, reason string) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE inbound_inbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, id, truncate(reason, 500))
	return err
}

// CountInbox returns how many rows the inbox holds for a MessageSid (tests, ops).
func (s *Store) CountInbox(ctx context.Context, messageSID string) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM inbound_inbox WHERE message_sid = $1`, messageSID)
	return n, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
