package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

const queueColumns = `id, name, priority, created_at, updated_at`

// queueRow maps columns onto domain.Queue, which has no db tags.
type queueRow struct {
	ID        string    `db:"id"`
	Name      string    `db:"name"`
	Priority  int       `db:"priority"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (r queueRow) queue() domain.Queue { return domain.Queue(r) }

// QueuePatch changes the fields that are set.
type QueuePatch struct {
	Name     *string
	Priority *int
}

// CreateQueue stores a queue.
func (s *Store) CreateQueue(ctx context.Context, name string, priority int, a Audit) (domain.Queue, error) {
	var q queueRow
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &q, `INSERT INTO queues (id, name, priority) VALUES ($1, $2, $3) RETURNING `+queueColumns,
			uuid.NewString(), name, priority)
		if err != nil {
			return constraintError(err)
		}
		return WriteAudit(ctx, tx, a, ActionCreate, ResourceQueue, q.ID)
	})
	return q.queue(), err
}

// ListQueues returns every queue, highest priority first.
func (s *Store) ListQueues(ctx context.Context) ([]domain.Queue, error) {
	var rows []queueRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+queueColumns+` FROM queues ORDER BY priority DESC, name, id`); err != nil {
		return nil, err
	}
	out := make([]domain.Queue, len(rows))
	for i, r := range rows {
		out[i] = r.queue()
	}
	return out, nil
}

// GetQueue returns one queue.
func (s *Store) GetQueue(ctx context.Context, id string) (domain.Queue, error) {
	var q queueRow
	if !validUUID(id) {
		return domain.Queue{}, domain.Errorf(domain.CodeNotFound, "queue %s not found", id)
	}
	err := s.db.GetContext(ctx, &q, `SELECT `+queueColumns+` FROM queues WHERE id = $1`, id)
	return q.queue(), notFound(err, "queue "+id)
}

// UpdateQueue renames a queue or changes its priority.
func (s *Store) UpdateQueue(ctx context.Context, id string, p QueuePatch, a Audit) (domain.Queue, error) {
	var q queueRow
	if !validUUID(id) {
		return domain.Queue{}, domain.Errorf(domain.CodeNotFound, "queue %s not found", id)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &q, `
			UPDATE queues SET name = COALESCE($2, name), priority = COALESCE($3, priority), updated_at = now()
			WHERE id = $1 RETURNING `+queueColumns, id, p.Name, p.Priority)
		if err != nil {
			return notFound(constraintError(err), "queue "+id)
		}
		return WriteAudit(ctx, tx, a, ActionUpdate, ResourceQueue, id)
	})
	return q.queue(), err
}

// DeleteQueue removes a queue that nothing refers to. While a workstream
// uses it as default queue, a routing rule sends work to it, or an agent
// works it, the answer is a conflict that says which.
func (s *Store) DeleteQueue(ctx context.Context, id string, a Audit) error {
	if !validUUID(id) {
		return domain.Errorf(domain.CodeNotFound, "queue %s not found", id)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var name string
		// The row lock makes a concurrent "use this queue" wait for us.
		if err := tx.GetContext(ctx, &name, `SELECT name FROM queues WHERE id = $1 FOR UPDATE`, id); err != nil {
			return notFound(err, "queue "+id)
		}
		if uses, err := queueUses(ctx, tx, id); err != nil {
			return err
		} else if len(uses) > 0 {
			return domain.Errorf(domain.CodeConflict, "queue %q is still used: %s", name, strings.Join(uses, "; "))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM queues WHERE id = $1`, id); err != nil {
			return deleteRefused(err, "queue "+name)
		}
		return WriteAudit(ctx, tx, a, ActionDelete, ResourceQueue, id)
	})
}

func queueUses(ctx context.Context, tx *sqlx.Tx, id string) ([]string, error) {
	var uses []string
	var defaults []string
	if err := tx.SelectContext(ctx, &defaults, `SELECT name FROM workstreams WHERE default_queue_id = $1 ORDER BY name`, id); err != nil {
		return nil, err
	}
	if len(defaults) > 0 {
		uses = append(uses, "default queue of workstream(s) "+quoteList(defaults))
	}
	var rules []string
	if err := tx.SelectContext(ctx, &rules, `
		SELECT DISTINCT w.name FROM routing_rules r JOIN workstreams w ON w.id = r.workstream_id
		WHERE r.queue_id = $1 ORDER BY w.name`, id); err != nil {
		return nil, err
	}
	if len(rules) > 0 {
		uses = append(uses, "target of routing rules in workstream(s) "+quoteList(rules))
	}
	var agents int
	if err := tx.GetContext(ctx, &agents, `SELECT count(*) FROM agent_queues WHERE queue_id = $1`, id); err != nil {
		return nil, err
	}
	if agents > 0 {
		uses = append(uses, fmt.Sprintf("worked by %d agent(s)", agents))
	}
	return uses, nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
