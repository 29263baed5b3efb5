package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

const ruleColumns = `id, workstream_id, position, name, conditions, queue_id, skills, priority, sla_policy_id, created_at, updated_at,
	COALESCE((SELECT jsonb_agg(rl.label_id ORDER BY rl.label_id) FROM routing_rule_labels rl
		WHERE rl.rule_id = routing_rules.id), '[]') AS label_ids`

type ruleRow struct {
	ID           string    `db:"id"`
	WorkstreamID string    `db:"workstream_id"`
	Position     int       `db:"position"`
	Name         string    `db:"name"`
	Conditions   []byte    `db:"conditions"`
	QueueID      string    `db:"queue_id"`
	Skills       []byte    `db:"skills"`
	Priority     int       `db:"priority"`
	SLAPolicyID  *string   `db:"sla_policy_id"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
	LabelIDs     []byte    `db:"label_ids"`
}

func (r ruleRow) rule() (domain.RoutingRule, error) {
	out := domain.RoutingRule{
		ID: r.ID, WorkstreamID: r.WorkstreamID, Order: r.Position, Name: r.Name, QueueID: r.QueueID,
		Priority: r.Priority, SLAPolicyID: r.SLAPolicyID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Conditions: []domain.Condition{}, Skills: []domain.SkillRequired{}, LabelIDs: []string{},
	}
	if err := json.Unmarshal(r.LabelIDs, &out.LabelIDs); err != nil {
		return out, fmt.Errorf("routing rule %s: labels: %w", r.ID, err)
	}
	if err := json.Unmarshal(r.Conditions, &out.Conditions); err != nil {
		return out, fmt.Errorf("routing rule %s: conditions: %w", r.ID, err)
	}
	if err := json.Unmarshal(r.Skills, &out.Skills); err != nil {
		return out, fmt.Errorf("routing rule %s: skills: %w", r.ID, err)
	}
	return out, nil
}

// ListRoutingRules returns a workstream's rules in evaluation order.
func (s *Store) ListRoutingRules(ctx context.Context, workstreamID string) ([]domain.RoutingRule, error) {
	if _, err := s.GetWorkstream(ctx, workstreamID); err != nil {
		return nil, err
	}
	return listRules(ctx, s.db, workstreamID)
}

func listRules(ctx context.Context, q sqlx.QueryerContext, workstreamID string) ([]domain.RoutingRule, error) {
	var rows []ruleRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+ruleColumns+` FROM routing_rules
		WHERE workstream_id = $1 ORDER BY position, id`, workstreamID); err != nil {
		return nil, err
	}
	out := make([]domain.RoutingRule, 0, len(rows))
	for _, r := range rows {
		rule, err := r.rule()
		if err != nil {
			return nil, err
		}
		out = append(out, rule)
	}
	return out, nil
}

// GetRoutingRule returns one rule of a workstream.
func (s *Store) GetRoutingRule(ctx context.Context, workstreamID, ruleID string) (domain.RoutingRule, error) {
	return getRule(ctx, s.db, workstreamID, ruleID)
}

func getRule(ctx context.Context, q sqlx.QueryerContext, workstreamID, ruleID string) (domain.RoutingRule, error) {
	if !validUUID(workstreamID) || !validUUID(ruleID) {
		return domain.RoutingRule{}, domain.Errorf(domain.CodeNotFound, "routing rule %s not found", ruleID)
	}
	var row ruleRow
	err := sqlx.GetContext(ctx, q, &row, `SELECT `+ruleColumns+` FROM routing_rules WHERE id = $1 AND workstream_id = $2`, ruleID, workstreamID)
	if err != nil {
		return domain.RoutingRule{}, notFound(err, "routing rule "+ruleID+" in this workstream")
	}
	return row.rule()
}

// CreateRoutingRule adds a validated rule (domain.NormalizeRoutingRule) to
// a workstream: at r.Order (1 = evaluated first), shifting the rules from
// there down, or last when r.Order is 0 or beyond the end.
func (s *Store) CreateRoutingRule(ctx context.Context, workstreamID string, r domain.RoutingRule, a Audit) (domain.RoutingRule, error) {
	var out domain.RoutingRule
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockWorkstream(ctx, tx, workstreamID); err != nil {
			return err
		}
		ids, err := ruleIDs(ctx, tx, workstreamID)
		if err != nil {
			return err
		}
		id := uuid.NewString()
		cond, skills, err := ruleJSON(r)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO routing_rules (id, workstream_id, position, name, conditions, queue_id, skills, priority, sla_policy_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			id, workstreamID, len(ids)+1, r.Name, cond, r.QueueID, skills, r.Priority, r.SLAPolicyID); err != nil {
			return constraintError(err)
		}
		if err := setRuleLabels(ctx, tx, id, r.LabelIDs); err != nil {
			return err
		}
		if err := renumberRules(ctx, tx, moveTo(append(ids, id), id, r.Order)); err != nil {
			return err
		}
		if err := WriteAudit(ctx, tx, a, ActionCreate, ResourceRoutingRule, id); err != nil {
			return err
		}
		out, err = getRule(ctx, tx, workstreamID, id)
		return err
	})
	return out, err
}

// UpdateRoutingRule replaces a rule's settings; a non-zero r.Order moves it.
func (s *Store) UpdateRoutingRule(ctx context.Context, workstreamID, ruleID string, r domain.RoutingRule, a Audit) (domain.RoutingRule, error) {
	var out domain.RoutingRule
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockWorkstream(ctx, tx, workstreamID); err != nil {
			return err
		}
		if _, err := getRule(ctx, tx, workstreamID, ruleID); err != nil {
			return err
		}
		cond, skills, err := ruleJSON(r)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE routing_rules SET name = $2, conditions = $3, queue_id = $4, skills = $5, priority = $6, sla_policy_id = $7, updated_at = now()
			WHERE id = $1`, ruleID, r.Name, cond, r.QueueID, skills, r.Priority, r.SLAPolicyID); err != nil {
			return constraintError(err)
		}
		if err := setRuleLabels(ctx, tx, ruleID, r.LabelIDs); err != nil {
			return err
		}
		if r.Order != 0 {
			ids, err := ruleIDs(ctx, tx, workstreamID)
			if err != nil {
				return err
			}
			if err := renumberRules(ctx, tx, moveTo(ids, ruleID, r.Order)); err != nil {
				return err
			}
		}
		if err := WriteAudit(ctx, tx, a, ActionUpdate, ResourceRoutingRule, ruleID); err != nil {
			return err
		}
		out, err = getRule(ctx, tx, workstreamID, ruleID)
		return err
	})
	return out, err
}

// DeleteRoutingRule removes a rule; the rules after it move up.
func (s *Store) DeleteRoutingRule(ctx context.Context, workstreamID, ruleID string, a Audit) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockWorkstream(ctx, tx, workstreamID); err != nil {
			return err
		}
		if _, err := getRule(ctx, tx, workstreamID, ruleID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM routing_rules WHERE id = $1`, ruleID); err != nil {
			return err
		}
		ids, err := ruleIDs(ctx, tx, workstreamID)
		if err != nil {
			return err
		}
		if err := renumberRules(ctx, tx, ids); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, a, ActionDelete, ResourceRoutingRule, ruleID)
	})
}

// ReorderRoutingRules sets the evaluation order of all of a workstream's
// rules at once; ids must list each of them exactly once.
func (s *Store) ReorderRoutingRules(ctx context.Context, workstreamID string, ids []string, a Audit) ([]domain.RoutingRule, error) {
	var out []domain.RoutingRule
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockWorkstream(ctx, tx, workstreamID); err != nil {
			return err
		}
		current, err := ruleIDs(ctx, tx, workstreamID)
		if err != nil {
			return err
		}
		if err := samePermutation(current, ids); err != nil {
			return err
		}
		if err := renumberRules(ctx, tx, ids); err != nil {
			return err
		}
		if err := WriteAudit(ctx, tx, a, ActionUpdate, ResourceWorkstream, workstreamID); err != nil {
			return err
		}
		out, err = listRules(ctx, tx, workstreamID)
		return err
	})
	return out, err
}

func samePermutation(current, ids []string) error {
	want := map[string]bool{}
	for _, id := range current {
		want[id] = true
	}
	seen := map[string]bool{}
	for i, id := range ids {
		switch {
		case seen[id]:
			return domain.Errorf(domain.CodeInvalid, "rule_ids[%d]: %s is listed twice", i, id)
		case !want[id]:
			return domain.Errorf(domain.CodeInvalid, "rule_ids[%d]: %s is not a rule of this workstream", i, id)
		}
		seen[id] = true
	}
	if len(ids) != len(current) {
		for _, id := range current {
			if !seen[id] {
				return domain.Errorf(domain.CodeInvalid, "rule_ids must list every rule of the workstream: %s is missing", id)
			}
		}
	}
	return nil
}

func ruleIDs(ctx context.Context, tx *sqlx.Tx, workstreamID string) ([]string, error) {
	var ids []string
	err := tx.SelectContext(ctx, &ids, `SELECT id FROM routing_rules WHERE workstream_id = $1 ORDER BY position, id`, workstreamID)
	return ids, err
}

// moveTo returns ids with id moved to the 1-based position order (0 or
// past the end: last).
func moveTo(ids []string, id string, order int) []string {
	i := slices.Index(ids, id)
	out := slices.Delete(slices.Clone(ids), i, i+1)
	if order <= 0 || order > len(out) {
		return append(out, id)
	}
	return slices.Insert(out, order-1, id)
}

// renumberRules gives the rules positions 1..n in the order of ids. The
// unique (workstream_id, position) constraint is deferred to commit, so the
// rows may pass through duplicate positions on the way.
func renumberRules(ctx context.Context, tx *sqlx.Tx, ids []string) error {
	_, err := tx.ExecContext(ctx, `
		UPDATE routing_rules r SET position = v.pos
		FROM unnest($1::uuid[]) WITH ORDINALITY AS v(id, pos)
		WHERE r.id = v.id AND r.position <> v.pos`, pq.Array(ids))
	return err
}

func ruleJSON(r domain.RoutingRule) (cond, skills []byte, err error) {
	if r.Conditions == nil {
		r.Conditions = []domain.Condition{}
	}
	if r.Skills == nil {
		r.Skills = []domain.SkillRequired{}
	}
	if cond, err = json.Marshal(r.Conditions); err == nil {
		skills, err = json.Marshal(r.Skills)
	}
	return cond, skills, err
}
