package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// Audit resource types of agent productivity (quick replies, labels,
// customer profiles).
const (
	ResourceQuickReply        = "quick_reply"
	ResourceLabel             = "label"
	ResourceConversationLabel = "conversation_label"
	ResourceCustomerProfile   = "customer_profile"
)

func init() {
	constraintErrors["quick_replies_shortcut_idx"] = domain.Errorf(domain.CodeConflict, "shortcut: a quick reply with this shortcut already exists")
	constraintErrors["quick_replies_workstream_id_fkey"] = domain.Errorf(domain.CodeInvalid, "workstream_id: no such workstream")
	constraintErrors["labels_name_idx"] = domain.Errorf(domain.CodeConflict, "name: a label with this name already exists")
	constraintErrors["labels_color_check"] = domain.Errorf(domain.CodeInvalid, "color: a color is #rrggbb")
}

const quickReplyColumns = `id, title, shortcut, text, workstream_id, created_at, updated_at`

// QuickReplyInput is a quick reply's settings, validated by the caller.
type QuickReplyInput struct {
	Title        string
	Shortcut     string
	Text         string
	WorkstreamID *string
}

// CreateQuickReply stores a quick reply.
func (s *Store) CreateQuickReply(ctx context.Context, in QuickReplyInput, a Audit) (domain.QuickReply, error) {
	var q domain.QuickReply
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &q, `INSERT INTO quick_replies (id, title, shortcut, text, workstream_id)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+quickReplyColumns,
			uuid.NewString(), in.Title, in.Shortcut, in.Text, in.WorkstreamID)
		if err != nil {
			return constraintError(err)
		}
		return WriteAudit(ctx, tx, a, ActionCreate, ResourceQuickReply, q.ID)
	})
	return q, err
}

// ListQuickReplies returns every quick reply, by shortcut.
func (s *Store) ListQuickReplies(ctx context.Context) ([]domain.QuickReply, error) {
	out := []domain.QuickReply{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+quickReplyColumns+` FROM quick_replies ORDER BY lower(shortcut), id`)
	return out, err
}

// GetQuickReply returns one quick reply.
func (s *Store) GetQuickReply(ctx context.Context, id string) (domain.QuickReply, error) {
	var q domain.QuickReply
	if !validUUID(id) {
		return q, domain.Errorf(domain.CodeNotFound, "quick reply %s not found", id)
	}
	err := s.db.GetContext(ctx, &q, `SELECT `+quickReplyColumns+` FROM quick_replies WHERE id = $1`, id)
	return q, notFound(err, "quick reply "+id)
}

// UpdateQuickReply replaces a quick reply's settings.
func (s *Store) UpdateQuickReply(ctx context.Context, id string, in QuickReplyInput, a Audit) (domain.QuickReply, error) {
	var q domain.QuickReply
	if !validUUID(id) {
		return q, domain.Errorf(domain.CodeNotFound, "quick reply %s not found", id)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &q, `UPDATE quick_replies SET title = $2, shortcut = $3, text = $4, workstream_id = $5,
			updated_at = now() WHERE id = $1 RETURNING `+quickReplyColumns,
			id, in.Title, in.Shortcut, in.Text, in.WorkstreamID)
		if err != nil {
			return notFound(constraintError(err), "quick reply "+id)
		}
		return WriteAudit(ctx, tx, a, ActionUpdate, ResourceQuickReply, id)
	})
	return q, err
}

// DeleteQuickReply removes a quick reply.
func (s *Store) DeleteQuickReply(ctx context.Context, id string, a Audit) error {
	return s.deleteByID(ctx, "quick_replies", "quick reply", ResourceQuickReply, id, a)
}

// deleteByID deletes the row id of table and audits it; what names it in
// the not-found answer.
func (s *Store) deleteByID(ctx context.Context, table, what, resource, id string, a Audit) error {
	if !validUUID(id) {
		return domain.Errorf(domain.CodeNotFound, "%s %s not found", what, id)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.CodeNotFound, "%s %s not found", what, id)
		}
		return WriteAudit(ctx, tx, a, ActionDelete, resource, id)
	})
}

// AgentQuickReplies lists the quick replies an agent may use: those
// without a workstream, and those of a workstream that sends work to one
// of the agent's queues (as its default queue or through a routing rule).
func (s *Store) AgentQuickReplies(ctx context.Context, agentID string) ([]domain.QuickReply, error) {
	out := []domain.QuickReply{}
	if !validUUID(agentID) {
		return out, nil
	}
	err := s.db.SelectContext(ctx, &out, `SELECT `+quickReplyColumns+` FROM quick_replies q
		WHERE q.workstream_id IS NULL OR q.workstream_id IN (`+agentWorkstreams+`)
		ORDER BY lower(q.shortcut), q.id`, agentID)
	return out, err
}

// agentWorkstreams selects the workstreams that send work to a queue of
// agent $1.
const agentWorkstreams = `SELECT w.id FROM workstreams w
	WHERE w.default_queue_id IN (SELECT aq.queue_id FROM agent_queues aq WHERE aq.agent_id = $1)
	UNION SELECT r.workstream_id FROM routing_rules r
	WHERE r.queue_id IN (SELECT aq.queue_id FROM agent_queues aq WHERE aq.agent_id = $1)`
