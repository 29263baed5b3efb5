package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/secret"
)

// ResourceAgent is the audit log's name for agents.
const ResourceAgent = "agent"

const agentColumns = `id, name, email, capacity, skills, presence, role, presence_changed_at, created_at, updated_at`

type agentRow struct {
	ID                string    `db:"id"`
	Name              string    `db:"name"`
	Email             string    `db:"email"`
	Capacity          int       `db:"capacity"`
	Skills            []byte    `db:"skills"`
	Presence          string    `db:"presence"`
	Role              string    `db:"role"`
	PresenceChangedAt time.Time `db:"presence_changed_at"`
	CreatedAt         time.Time `db:"created_at"`
	UpdatedAt         time.Time `db:"updated_at"`
}

func (r agentRow) agent(queueIDs []string) (domain.Agent, error) {
	a := domain.Agent{ID: r.ID, Name: r.Name, Email: r.Email, Capacity: r.Capacity, Presence: r.Presence, Role: r.Role,
		PresenceChangedAt: r.PresenceChangedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, QueueIDs: queueIDs}
	if err := json.Unmarshal(r.Skills, &a.Skills); err != nil {
		return a, err
	}
	if a.Skills == nil {
		a.Skills = map[string]int{}
	}
	if a.QueueIDs == nil {
		a.QueueIDs = []string{}
	}
	return a, nil
}

// roleOrDefault is the role stored for an agent: agent unless it says
// otherwise (callers that build an agent without NormalizeAgent).
func roleOrDefault(role string) string {
	if role == "" {
		return domain.RoleAgent
	}
	return role
}

// AgentFilter narrows ListAgents; zero fields match everything.
type AgentFilter struct {
	QueueID  string
	Presence string
}

// CreateAgent stores a normalized agent (domain.NormalizeAgent) with the
// hash of its token, and its queues, in one transaction.
func (s *Store) CreateAgent(ctx context.Context, a domain.Agent, tokenHash string, audit Audit) (domain.Agent, error) {
	var out domain.Agent
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockQueues(ctx, tx, a.QueueIDs); err != nil {
			return err
		}
		skills, err := json.Marshal(a.Skills)
		if err != nil {
			return err
		}
		var r agentRow
		err = tx.GetContext(ctx, &r, `
			INSERT INTO agents (id, name, email, capacity, skills, presence, token_hash, presence_changed_at, role)
			VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8::timestamptz, now()), $9) RETURNING `+agentColumns,
			uuid.NewString(), a.Name, a.Email, a.Capacity, skills, a.Presence, tokenHash, s.stamp(), roleOrDefault(a.Role))
		if err != nil {
			return agentWriteError(err)
		}
		if err := logPresence(ctx, tx, r.ID, r.Presence, r.PresenceChangedAt); err != nil {
			return err
		}
		if err := setAgentQueues(ctx, tx, r.ID, a.QueueIDs); err != nil {
			return err
		}
		if out, err = r.agent(sortedCopy(a.QueueIDs)); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, audit, ActionCreate, ResourceAgent, r.ID)
	})
	return out, err
}

// ListAgents returns the agents, by name.
func (s *Store) ListAgents(ctx context.Context, f AgentFilter) ([]domain.Agent, error) {
	q := `SELECT ` + agentColumns + ` FROM agents a WHERE ($1 = '' OR presence = $1)
		AND ($2 = '' OR EXISTS (SELECT 1 FROM agent_queues aq WHERE aq.agent_id = a.id AND aq.queue_id::text = $2))
		ORDER BY name, id`
	var rows []agentRow
	if err := s.db.SelectContext(ctx, &rows, q, f.Presence, f.QueueID); err != nil {
		return nil, err
	}
	var links []struct {
		AgentID string `db:"agent_id"`
		QueueID string `db:"queue_id"`
	}
	if err := s.db.SelectContext(ctx, &links, `SELECT agent_id, queue_id FROM agent_queues ORDER BY queue_id`); err != nil {
		return nil, err
	}
	queues := map[string][]string{}
	for _, l := range links {
		queues[l.AgentID] = append(queues[l.AgentID], l.QueueID)
	}
	out := make([]domain.Agent, 0, len(rows))
	for _, r := range rows {
		a, err := r.agent(queues[r.ID])
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// GetAgent returns one agent.
func (s *Store) GetAgent(ctx context.Context, id string) (domain.Agent, error) {
	return getAgent(ctx, s.db, id, false)
}

// AgentByToken finds the agent a bearer token belongs to: the token is
// hashed and the hash looked up. An unknown token is CodeUnauthorized.
func (s *Store) AgentByToken(ctx context.Context, token string) (domain.Agent, error) {
	if !secret.LooksLikeAgentToken(token) {
		return domain.Agent{}, domain.Errorf(domain.CodeUnauthorized, "invalid agent token")
	}
	var id string
	err := s.db.GetContext(ctx, &id, `SELECT id FROM agents WHERE token_hash = $1`, secret.HashAgentToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Agent{}, domain.Errorf(domain.CodeUnauthorized, "invalid agent token")
	}
	if err != nil {
		return domain.Agent{}, err
	}
	return s.GetAgent(ctx, id)
}

// UpdateAgent locks an agent, lets change edit it (the caller applies its
// patch and normalizes), checks the queues and writes it back with its
// queues, all in one transaction.
func (s *Store) UpdateAgent(ctx context.Context, id string, change func(*domain.Agent) error, audit Audit) (domain.Agent, error) {
	var out domain.Agent
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		cur, err := getAgent(ctx, tx, id, true)
		if err != nil {
			return err
		}
		next := cur
		next.Skills = maps.Clone(cur.Skills)
		next.QueueIDs = slices.Clone(cur.QueueIDs)
		if err := change(&next); err != nil {
			return err
		}
		if err := lockQueues(ctx, tx, next.QueueIDs); err != nil {
			return err
		}
		skills, err := json.Marshal(next.Skills)
		if err != nil {
			return err
		}
		var r agentRow
		err = tx.GetContext(ctx, &r, `
			UPDATE agents SET name = $2, email = $3, capacity = $4, skills = $5, presence = $6,
				presence_changed_at = CASE WHEN presence = $6 THEN presence_changed_at ELSE COALESCE($7::timestamptz, now()) END,
				role = $8, updated_at = now()
			WHERE id = $1 RETURNING `+agentColumns,
			id, next.Name, next.Email, next.Capacity, skills, next.Presence, s.stamp(), roleOrDefault(next.Role))
		if err != nil {
			return agentWriteError(err)
		}
		if err := logPresence(ctx, tx, r.ID, r.Presence, r.PresenceChangedAt); err != nil {
			return err
		}
		queueIDs := sortedCopy(next.QueueIDs)
		if !slices.Equal(queueIDs, cur.QueueIDs) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM agent_queues WHERE agent_id = $1`, id); err != nil {
				return err
			}
			if err := setAgentQueues(ctx, tx, id, queueIDs); err != nil {
				return err
			}
		}
		if out, err = r.agent(queueIDs); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, audit, ActionUpdate, ResourceAgent, id)
	})
	return out, err
}

// SetPresence changes an agent's presence (and when it changed, if it did).
func (s *Store) SetPresence(ctx context.Context, id, presence string) (domain.Agent, error) {
	if !domain.ValidPresence(presence) {
		return domain.Agent{}, domain.Errorf(domain.CodeInvalid, "presence must be available, busy, away or offline, got %q", presence)
	}
	if !validUUID(id) {
		return domain.Agent{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
	}
	// The change and its line in the presence log (the agents report) in
	// one statement.
	if _, err := s.db.ExecContext(ctx, `
		WITH changed AS (
			UPDATE agents SET presence = $2, presence_changed_at = COALESCE($3::timestamptz, now()), updated_at = now()
			WHERE id = $1 AND presence <> $2 RETURNING id, presence, presence_changed_at
		)
		INSERT INTO agent_presence_log (agent_id, at, presence)
		SELECT id, presence_changed_at, presence FROM changed
		ON CONFLICT (agent_id, at) DO UPDATE SET presence = EXCLUDED.presence`, id, presence, s.stamp()); err != nil {
		return domain.Agent{}, err
	}
	return s.GetAgent(ctx, id)
}

// RotateAgentToken replaces an agent's token hash: the old token stops
// working when this returns.
func (s *Store) RotateAgentToken(ctx context.Context, id, tokenHash string, audit Audit) (domain.Agent, error) {
	if !validUUID(id) {
		return domain.Agent{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE agents SET token_hash = $2, updated_at = now() WHERE id = $1`, id, tokenHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
		}
		return WriteAudit(ctx, tx, audit, "rotate_token", ResourceAgent, id)
	})
	if err != nil {
		return domain.Agent{}, err
	}
	return s.GetAgent(ctx, id)
}

// DeleteAgent removes an agent and its queue memberships. An agent with
// open conversations is refused: transfer or close them first.
func (s *Store) DeleteAgent(ctx context.Context, id string, audit Audit) error {
	if !validUUID(id) {
		return domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := getAgent(ctx, tx, id, true); err != nil {
			return err
		}
		var open int
		if err := tx.GetContext(ctx, &open, `
			SELECT count(*) FROM conversations WHERE agent_id = $1 AND state <> $2`, id, domain.StateClosed); err != nil {
			return err
		}
		if open > 0 {
			return domain.Errorf(domain.CodeConflict, "agent %s has %d open conversation(s): transfer or close them first", id, open)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM agents WHERE id = $1`, id); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, audit, ActionDelete, ResourceAgent, id)
	})
}

func getAgent(ctx context.Context, q sqlx.QueryerContext, id string, forUpdate bool) (domain.Agent, error) {
	if !validUUID(id) {
		return domain.Agent{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
	}
	query := `SELECT ` + agentColumns + ` FROM agents WHERE id = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var r agentRow
	if err := sqlx.GetContext(ctx, q, &r, query, id); err != nil {
		return domain.Agent{}, notFound(err, "agent "+id)
	}
	var queueIDs []string
	if err := sqlx.SelectContext(ctx, q, &queueIDs, `SELECT queue_id FROM agent_queues WHERE agent_id = $1 ORDER BY queue_id`, id); err != nil {
		return domain.Agent{}, err
	}
	return r.agent(queueIDs)
}

// lockQueues checks that every queue exists and keeps it from being deleted
// until the transaction ends. A missing one is a 400 naming it.
func lockQueues(ctx context.Context, tx *sqlx.Tx, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var found []string
	if err := tx.SelectContext(ctx, &found, `SELECT id FROM queues WHERE id = ANY($1::uuid[]) FOR SHARE`, pq.Array(ids)); err != nil {
		return err
	}
	for i, id := range ids {
		if !slices.Contains(found, id) {
			return domain.Errorf(domain.CodeInvalid, "queue_ids[%d]: queue %s does not exist", i, id)
		}
	}
	return nil
}

func setAgentQueues(ctx context.Context, tx *sqlx.Tx, agentID string, queueIDs []string) error {
	if len(queueIDs) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO agent_queues (agent_id, queue_id) SELECT $1, unnest($2::uuid[])`, agentID, pq.Array(queueIDs))
	return err
}

// agentWriteError names the field behind a constraint violation.
func agentWriteError(err error) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" && pqErr.Constraint == "agents_email_key" {
		return domain.Errorf(domain.CodeConflict, "email: another agent already has this e-mail address")
	}
	return err
}

func sortedCopy(ids []string) []string {
	out := slices.Clone(ids)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return out
}

// logPresence records the presence an agent has had since at (the agents
// report); a row already there for that instant says the same.
func logPresence(ctx context.Context, tx *sqlx.Tx, agentID, presence string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO agent_presence_log (agent_id, at, presence) VALUES ($1, $2, $3)
		ON CONFLICT (agent_id, at) DO UPDATE SET presence = EXCLUDED.presence`, agentID, at, presence)
	return err
}
