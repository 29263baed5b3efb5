package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// ResourceSLAPolicy is the audit resource of service-level policies.
const ResourceSLAPolicy = "sla_policy"

const slaColumns = `id, name, first_response_ms, next_response_ms, resolution_ms, warning_percent,
	business_hours, escalations, created_at, updated_at`

// slaRow is a policy as stored: targets in milliseconds, the ladder as JSON.
type slaRow struct {
	ID              string    `db:"id"`
	Name            string    `db:"name"`
	FirstResponseMS int64     `db:"first_response_ms"`
	NextResponseMS  int64     `db:"next_response_ms"`
	ResolutionMS    int64     `db:"resolution_ms"`
	WarningPercent  int       `db:"warning_percent"`
	BusinessHours   bool      `db:"business_hours"`
	Escalations     []byte    `db:"escalations"`
	CreatedAt       time.Time `db:"created_at"`
	UpdatedAt       time.Time `db:"updated_at"`
}

func (r slaRow) policy() (domain.SLAPolicy, error) {
	ms := func(v int64) domain.Duration { return domain.Duration(time.Duration(v) * time.Millisecond) }
	p := domain.SLAPolicy{
		ID: r.ID, Name: r.Name, FirstResponse: ms(r.FirstResponseMS), NextResponse: ms(r.NextResponseMS),
		Resolution: ms(r.ResolutionMS), WarningPercent: r.WarningPercent, BusinessHours: r.BusinessHours,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Escalations: []domain.SLAEscalation{},
	}
	if err := json.Unmarshal(r.Escalations, &p.Escalations); err != nil {
		return p, fmt.Errorf("sla policy %s: escalations: %w", r.ID, err)
	}
	return p, nil
}

func slaArgs(p domain.SLAPolicy) ([]any, error) {
	esc, err := json.Marshal(p.Escalations)
	if err != nil {
		return nil, err
	}
	return []any{p.Name, p.FirstResponse.D().Milliseconds(), p.NextResponse.D().Milliseconds(),
		p.Resolution.D().Milliseconds(), p.WarningPercent, p.BusinessHours, esc}, nil
}

// checkEscalationQueues refuses a ladder that moves conversations to a
// queue that does not exist (the ladder is JSON: no foreign key sees it).
func checkEscalationQueues(ctx context.Context, tx *sqlx.Tx, p domain.SLAPolicy) error {
	for i, e := range p.Escalations {
		if e.QueueID == "" {
			continue
		}
		var n int
		if !validUUID(e.QueueID) {
			return domain.Errorf(domain.CodeInvalid, "escalations[%d].queue_id: no such queue", i)
		}
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM queues WHERE id = $1`, e.QueueID); err != nil {
			return err
		}
		if n == 0 {
			return domain.Errorf(domain.CodeInvalid, "escalations[%d].queue_id: no such queue", i)
		}
	}
	return nil
}

// CreateSLAPolicy stores a normalized policy (domain.NormalizeSLAPolicy).
func (s *Store) CreateSLAPolicy(ctx context.Context, p domain.SLAPolicy, a Audit) (domain.SLAPolicy, error) {
	args, err := slaArgs(p)
	if err != nil {
		return p, err
	}
	var row slaRow
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := checkEscalationQueues(ctx, tx, p); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &row, `INSERT INTO sla_policies (id, name, first_response_ms, next_response_ms,
			resolution_ms, warning_percent, business_hours, escalations) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			RETURNING `+slaColumns, append([]any{uuid.NewString()}, args...)...)
		if err != nil {
			return constraintError(err)
		}
		return WriteAudit(ctx, tx, a, ActionCreate, ResourceSLAPolicy, row.ID)
	})
	if err != nil {
		return p, err
	}
	return row.policy()
}

// GetSLAPolicy returns one policy.
func (s *Store) GetSLAPolicy(ctx context.Context, id string) (domain.SLAPolicy, error) {
	if !validUUID(id) {
		return domain.SLAPolicy{}, domain.Errorf(domain.CodeNotFound, "sla policy %s not found", id)
	}
	var row slaRow
	if err := s.db.GetContext(ctx, &row, `SELECT `+slaColumns+` FROM sla_policies WHERE id = $1`, id); err != nil {
		return domain.SLAPolicy{}, notFound(err, "sla policy "+id)
	}
	return row.policy()
}

// ListSLAPolicies returns every policy by name.
func (s *Store) ListSLAPolicies(ctx context.Context) ([]domain.SLAPolicy, error) {
	var rows []slaRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+slaColumns+` FROM sla_policies ORDER BY name, id`); err != nil {
		return nil, err
	}
	out := make([]domain.SLAPolicy, 0, len(rows))
	for _, r := range rows {
		p, err := r.policy()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// UpdateSLAPolicy replaces a policy's settings. Conversations already
// open keep the snapshot they took.
func (s *Store) UpdateSLAPolicy(ctx context.Context, id string, p domain.SLAPolicy, a Audit) (domain.SLAPolicy, error) {
	if !validUUID(id) {
		return p, domain.Errorf(domain.CodeNotFound, "sla policy %s not found", id)
	}
	args, err := slaArgs(p)
	if err != nil {
		return p, err
	}
	var row slaRow
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := checkEscalationQueues(ctx, tx, p); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &row, `UPDATE sla_policies SET name = $2, first_response_ms = $3,
			next_response_ms = $4, resolution_ms = $5, warning_percent = $6, business_hours = $7,
			escalations = $8, updated_at = now() WHERE id = $1 RETURNING `+slaColumns, append([]any{id}, args...)...)
		if err != nil {
			return notFound(constraintError(err), "sla policy "+id)
		}
		return WriteAudit(ctx, tx, a, ActionUpdate, ResourceSLAPolicy, id)
	})
	if err != nil {
		return p, err
	}
	return row.policy()
}

// DeleteSLAPolicy removes a policy no workstream or routing rule names.
func (s *Store) DeleteSLAPolicy(ctx context.Context, id string, a Audit) error {
	if !validUUID(id) {
		return domain.Errorf(domain.CodeNotFound, "sla policy %s not found", id)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var name string
		if err := tx.GetContext(ctx, &name, `SELECT name FROM sla_policies WHERE id = $1 FOR UPDATE`, id); err != nil {
			return notFound(err, "sla policy "+id)
		}
		var users []string
		if err := tx.SelectContext(ctx, &users, `
			SELECT 'workstream ' || name FROM workstreams WHERE sla_policy_id = $1
			UNION ALL SELECT 'routing rule ' || name FROM routing_rules WHERE sla_policy_id = $1
			ORDER BY 1 LIMIT 5`, id); err != nil {
			return err
		}
		if len(users) > 0 {
			return domain.Errorf(domain.CodeConflict, "sla policy %s is still used by %v; point them elsewhere first", name, users)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sla_policies WHERE id = $1`, id); err != nil {
			return deleteRefused(err, "sla policy "+name)
		}
		return WriteAudit(ctx, tx, a, ActionDelete, ResourceSLAPolicy, id)
	})
}

// ListConversationEvents returns the system events of a conversation's
// transcript, oldest first.
func (s *Store) ListConversationEvents(ctx context.Context, conversationID string) ([]domain.ConversationEvent, error) {
	out := []domain.ConversationEvent{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, conversation_id, kind, body, created_at FROM conversation_events
		WHERE conversation_id = $1 ORDER BY id`, conversationID)
	return out, err
}
