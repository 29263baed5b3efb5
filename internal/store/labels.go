package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

const labelColumns = `id, name, color, created_at, updated_at`

// CreateLabel stores a label; color is #rrggbb, lower case.
func (s *Store) CreateLabel(ctx context.Context, name, color string, a Audit) (domain.Label, error) {
	var l domain.Label
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &l, `INSERT INTO labels (id, name, color) VALUES ($1, $2, $3) RETURNING `+labelColumns,
			uuid.NewString(), name, color)
		if err != nil {
			return constraintError(err)
		}
		return WriteAudit(ctx, tx, a, ActionCreate, ResourceLabel, l.ID)
	})
	return l, err
}

// ListLabels returns every label, by name.
func (s *Store) ListLabels(ctx context.Context) ([]domain.Label, error) {
	out := []domain.Label{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+labelColumns+` FROM labels ORDER BY lower(name), id`)
	return out, err
}

// GetLabel returns one label.
func (s *Store) GetLabel(ctx context.Context, id string) (domain.Label, error) {
	var l domain.Label
	if !validUUID(id) {
		return l, domain.Errorf(domain.CodeNotFound, "label %s not found", id)
	}
	err := s.db.GetContext(ctx, &l, `SELECT `+labelColumns+` FROM labels WHERE id = $1`, id)
	return l, notFound(err, "label "+id)
}

// UpdateLabel renames or recolors a label (nil: unchanged).
func (s *Store) UpdateLabel(ctx context.Context, id string, name, color *string, a Audit) (domain.Label, error) {
	var l domain.Label
	if !validUUID(id) {
		return l, domain.Errorf(domain.CodeNotFound, "label %s not found", id)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &l, `UPDATE labels SET name = COALESCE($2, name), color = COALESCE($3, color),
			updated_at = now() WHERE id = $1 RETURNING `+labelColumns, id, name, color)
		if err != nil {
			return notFound(constraintError(err), "label "+id)
		}
		return WriteAudit(ctx, tx, a, ActionUpdate, ResourceLabel, id)
	})
	return l, err
}

// DeleteLabel removes a label from every conversation and routing rule,
// then the label.
func (s *Store) DeleteLabel(ctx context.Context, id string, a Audit) error {
	return s.deleteByID(ctx, "labels", "label", ResourceLabel, id, a)
}

// AddConversationLabel puts a label on a conversation (again: no change).
func (s *Store) AddConversationLabel(ctx context.Context, conversationID, labelID string, a Audit) error {
	if !validUUID(labelID) {
		return domain.Errorf(domain.CodeInvalid, "label_id: no such label")
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var exists bool
		if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM labels WHERE id = $1 FOR KEY SHARE)`, labelID); err != nil {
			return err
		}
		if !exists {
			return domain.Errorf(domain.CodeInvalid, "label_id: no such label")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO conversation_labels (conversation_id, label_id, added_by)
			VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, conversationID, labelID, a.Actor)
		if err != nil {
			return constraintError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return WriteAudit(ctx, tx, a, ActionCreate, ResourceConversationLabel, conversationID)
	})
}

// RemoveConversationLabel takes a label off a conversation; a label that
// is not on it is CodeNotFound.
func (s *Store) RemoveConversationLabel(ctx context.Context, conversationID, labelID string, a Audit) error {
	if !validUUID(labelID) {
		return domain.Errorf(domain.CodeNotFound, "label %s is not on this conversation", labelID)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM conversation_labels WHERE conversation_id = $1 AND label_id = $2`,
			conversationID, labelID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.CodeNotFound, "label %s is not on this conversation", labelID)
		}
		return WriteAudit(ctx, tx, a, ActionDelete, ResourceConversationLabel, conversationID)
	})
}

// ConversationLabels returns a conversation's labels.
func (s *Store) ConversationLabels(ctx context.Context, conversationID string) (domain.LabelRefs, error) {
	var out domain.LabelRefs
	err := s.db.GetContext(ctx, &out, `SELECT conversation_labels_json($1)`, conversationID)
	return out, err
}

// setRuleLabels replaces the labels a routing rule adds.
func setRuleLabels(ctx context.Context, tx *sqlx.Tx, ruleID string, labelIDs []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM routing_rule_labels WHERE rule_id = $1`, ruleID); err != nil {
		return err
	}
	if len(labelIDs) == 0 {
		return nil
	}
	for _, id := range labelIDs {
		if !validUUID(id) {
			return domain.Errorf(domain.CodeInvalid, "label_ids: %q is not a label id", id)
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO routing_rule_labels (rule_id, label_id)
		SELECT $1, l.id FROM labels l WHERE l.id = ANY($2::uuid[]) ON CONFLICT DO NOTHING`, ruleID, pq.Array(labelIDs))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); int(n) != len(uniqueStrings(labelIDs)) {
		return domain.Errorf(domain.CodeInvalid, "label_ids: %d of the labels do not exist", len(uniqueStrings(labelIDs))-int(n))
	}
	return nil
}

func uniqueStrings(in []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range in {
		m[s] = true
	}
	return m
}

// applyRoutingLabels puts the labels of the routing rule that routed the
// conversation on it, when the conversation's routing decision is new (a
// later save of the same decision, after an agent removed one of them,
// does not put it back). prevRuleID is the rule the row named before.
func applyRoutingLabels(ctx context.Context, tx *sqlx.Tx, conversationID, prevRuleID string, r *domain.Routing) error {
	if r == nil || r.RuleID == "" || r.RuleID == prevRuleID || !validUUID(r.RuleID) {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO conversation_labels (conversation_id, label_id, added_by)
		SELECT $1, rl.label_id, $3 FROM routing_rule_labels rl WHERE rl.rule_id = $2
		ON CONFLICT DO NOTHING`, conversationID, r.RuleID, "routing_rule:"+r.RuleID)
	return err
}

// LabelByName returns the label of that name, in any case.
func (s *Store) LabelByName(ctx context.Context, name string) (domain.Label, error) {
	var l domain.Label
	err := s.db.GetContext(ctx, &l, `SELECT `+labelColumns+` FROM labels WHERE lower(name) = lower($1)`, name)
	return l, notFound(err, "label "+name)
}
