package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/switchboard/switchboard/migrations"
)

// migrationLockID is the PostgreSQL advisory lock that serialises
// `switchboard migrate` (and the migration at start-up) across replicas.
// Goose's default id is shared by every goose user of the database; ours is
// Switchboard's own.
const migrationLockID int64 = 0x5b0a_11ce

// migrationProvider returns a goose provider over the embedded migrations.
// With locked, Up holds a session advisory lock, so several replicas
// migrating at once apply each migration exactly once.
func (s *Store) migrationProvider(locked bool) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	if locked {
		// Retry every 2 s for up to 5 minutes: a long migration of another
		// replica is waited for, not failed.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(2, 150))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.db.DB, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// PendingMigrations returns the versions of embedded migrations not yet
// applied (readiness: a replica newer than the schema is not ready).
func (s *Store) PendingMigrations(ctx context.Context) ([]int64, error) {
	p, err := s.migrationProvider(false)
	if err != nil {
		return nil, err
	}
	status, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	var pending []int64
	for _, st := range status {
		if st.State == goose.StatePending {
			pending = append(pending, st.Source.Version)
		}
	}
	return pending, nil
}

// OpsSnapshot is what the metrics read from PostgreSQL on a scrape.
type OpsSnapshot struct {
	InboxBacklog   int
	InboxOldestAge time.Duration // 0 when the backlog is empty
	// Conversations counts the conversations that are not closed, by state and mode.
	Conversations []StateModeCount
	Queues        []QueueStat
}

// StateModeCount is a number of conversations in one state and mode.
type StateModeCount struct {
	State, Mode string
	Count       int
}

// QueueStat is the waiting line of one queue: conversations in state queued.
type QueueStat struct {
	QueueID, Name string // "" for queued conversations without a queue yet
	Length        int
	OldestWait    time.Duration
}

// OpsSnapshot reads the inbox backlog, open conversations by state and mode,
// and the queues, in one read-only transaction (indexed, small results).
func (s *Store) OpsSnapshot(ctx context.Context) (OpsSnapshot, error) {
	var snap OpsSnapshot
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return snap, err
	}
	defer func() { _ = tx.Rollback() }()
	var age float64
	if err := tx.QueryRowContext(ctx, `
		SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(received_at)), 0)
		FROM inbound_inbox WHERE signalled_at IS NULL`).Scan(&snap.InboxBacklog, &age); err != nil {
		return snap, fmt.Errorf("inbox backlog: %w", err)
	}
	snap.InboxOldestAge = seconds(age)
	rows, err := tx.QueryContext(ctx, `
		SELECT state, mode, count(*) FROM conversations
		WHERE state <> 'closed' GROUP BY state, mode ORDER BY state, mode`)
	if err != nil {
		return snap, fmt.Errorf("conversations by state: %w", err)
	}
	for rows.Next() {
		var c StateModeCount
		if err := rows.Scan(&c.State, &c.Mode, &c.Count); err != nil {
			rows.Close()
			return snap, err
		}
		snap.Conversations = append(snap.Conversations, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return snap, err
	}
	// Every queue (0 when empty), plus queued conversations without a queue.
	rows, err = tx.QueryContext(ctx, `
		SELECT q.id::text, q.name, count(c.id),
		       COALESCE(EXTRACT(EPOCH FROM now() - min(COALESCE(c.queued_at, c.updated_at))), 0)
		FROM queues q LEFT JOIN conversations c ON c.queue_id = q.id AND c.state = 'queued'
		GROUP BY q.id, q.name
		UNION ALL
		SELECT '', '', count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(COALESCE(queued_at, updated_at))), 0)
		FROM conversations WHERE state = 'queued' AND queue_id IS NULL
		HAVING count(*) > 0
		ORDER BY 1`)
	if err != nil {
		return snap, fmt.Errorf("queues: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var q QueueStat
		if err := rows.Scan(&q.QueueID, &q.Name, &q.Length, &age); err != nil {
			return snap, err
		}
		q.OldestWait = seconds(age)
		snap.Queues = append(snap.Queues, q)
	}
	return snap, rows.Err()
}

func seconds(f float64) time.Duration {
	if f < 0 {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}
