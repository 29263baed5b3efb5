package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// Outlived follow-ups (scheduled_followups, migration 00086): the
// follow-ups marked outlive_close, once their conversation closed.

const followupColumns = `id, conversation_id, account_id, number_id, customer_e164, workflow_id, author,
	send_at, text, template, template_body, fallback_template, fallback_template_body,
	cancel_on_customer_reply, closed_at, status, created_at, done_at, message_id, note`

type followupRow struct {
	domain.OutlivedFollowup
	TemplateJSON []byte `db:"template"`
	FallbackJSON []byte `db:"fallback_template"`
}

func (r followupRow) decode() (domain.OutlivedFollowup, error) {
	f := r.OutlivedFollowup
	for _, d := range []struct {
		raw []byte
		to  **domain.TemplateUse
	}{{r.TemplateJSON, &f.Template}, {r.FallbackJSON, &f.Fallback}} {
		if len(d.raw) > 0 && string(d.raw) != "null" {
			*d.to = &domain.TemplateUse{}
			if err := json.Unmarshal(d.raw, *d.to); err != nil {
				return f, err
			}
		}
	}
	return f, nil
}

func templateJSON(t *domain.TemplateUse) ([]byte, error) {
	if t == nil {
		return nil, nil
	}
	return json.Marshal(t)
}

// SaveOutlivedFollowup writes the follow-up as its conversation closes;
// the same id again keeps the first row (a retried close).
func (s *Store) SaveOutlivedFollowup(ctx context.Context, f domain.OutlivedFollowup) error {
	if !validUUID(f.ConversationID) {
		return domain.Errorf(domain.CodeInvalid, "outlived follow-up %s: no conversation", f.ID)
	}
	tpl, err := templateJSON(f.Template)
	if err != nil {
		return err
	}
	fb, err := templateJSON(f.Fallback)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO scheduled_followups (id, conversation_id, account_id, number_id,
		customer_e164, workflow_id, author, send_at, text, template, template_body, fallback_template,
		fallback_template_body, cancel_on_customer_reply, closed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (id) DO NOTHING`,
		f.ID, f.ConversationID, f.AccountID, f.NumberID, f.CustomerE164, f.WorkflowID, f.Author, f.SendAt,
		f.Text, tpl, f.TemplateBody, fb, f.FallbackBody, f.CancelOnCustomerReply, f.ClosedAt)
	return err
}

// OutlivedFollowup reads one outlived follow-up.
func (s *Store) OutlivedFollowup(ctx context.Context, id string) (domain.OutlivedFollowup, error) {
	var r followupRow
	err := s.db.GetContext(ctx, &r, `SELECT `+followupColumns+` FROM scheduled_followups WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.OutlivedFollowup{}, domain.Errorf(domain.CodeNotFound, "scheduled message not found")
	}
	if err != nil {
		return domain.OutlivedFollowup{}, err
	}
	return r.decode()
}

// OutlivedFollowups lists a conversation's outlived follow-ups, by send_at.
func (s *Store) OutlivedFollowups(ctx context.Context, conversationID string) ([]domain.OutlivedFollowup, error) {
	if !validUUID(conversationID) {
		return nil, nil
	}
	var rows []followupRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+followupColumns+` FROM scheduled_followups
		WHERE conversation_id = $1 ORDER BY send_at, id`, conversationID); err != nil {
		return nil, err
	}
	out := make([]domain.OutlivedFollowup, 0, len(rows))
	for _, r := range rows {
		f, err := r.decode()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// FinishOutlivedFollowup records the outcome of a follow-up still
// scheduled or being sent (status, the message sent, why) and returns the
// row; one already finished (cancelled by an agent meanwhile) is returned
// as it is.
func (s *Store) FinishOutlivedFollowup(ctx context.Context, id, status, messageID, note string) (domain.OutlivedFollowup, error) {
	var msg *string
	if messageID != "" {
		msg = &messageID
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE scheduled_followups
		SET status = $2, message_id = $3, note = $4, done_at = now()
		WHERE id = $1 AND status IN ('scheduled', 'sending')`, id, status, msg, note); err != nil {
		return domain.OutlivedFollowup{}, err
	}
	return s.OutlivedFollowup(ctx, id)
}

// ClaimOutlivedFollowup marks a scheduled follow-up as being sent (from
// then on an agent can no longer cancel it) and returns the row; one no
// longer scheduled is returned as it is.
func (s *Store) ClaimOutlivedFollowup(ctx context.Context, id string) (domain.OutlivedFollowup, error) {
	if _, err := s.db.ExecContext(ctx, `UPDATE scheduled_followups SET status = 'sending'
		WHERE id = $1 AND status = 'scheduled'`, id); err != nil {
		return domain.OutlivedFollowup{}, err
	}
	return s.OutlivedFollowup(ctx, id)
}

// CancelOutlivedFollowup cancels a conversation's outlived follow-up
// still scheduled (NOT_FOUND when the conversation has no such one); one
// being sent or done is returned as it is.
func (s *Store) CancelOutlivedFollowup(ctx context.Context, conversationID, id, by string) (domain.OutlivedFollowup, error) {
	f, err := s.OutlivedFollowup(ctx, id)
	if err != nil {
		return f, err
	}
	if f.ConversationID != conversationID {
		return domain.OutlivedFollowup{}, domain.Errorf(domain.CodeNotFound, "scheduled message not found")
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE scheduled_followups
		SET status = 'cancelled', note = $2, done_at = now()
		WHERE id = $1 AND status = 'scheduled'`, id, "cancelled by "+by); err != nil {
		return domain.OutlivedFollowup{}, err
	}
	return s.OutlivedFollowup(ctx, id)
}

// CustomerWroteSince reports whether the customer wrote to the number
// after since (in any conversation).
func (s *Store) CustomerWroteSince(ctx context.Context, numberID, e164 string, since time.Time) (bool, error) {
	if !validUUID(numberID) {
		return false, nil
	}
	var wrote bool
	err := s.db.GetContext(ctx, &wrote, `SELECT EXISTS (SELECT 1 FROM messages m
		JOIN conversations c ON c.id = m.conversation_id
		WHERE c.number_id = $1 AND c.customer_e164 = $2 AND m.direction = 'inbound' AND m.created_at > $3)`,
		numberID, e164, since)
	return wrote, err
}
