// Package store keeps Switchboard's data in PostgreSQL: accounts and numbers,
// the inbound inbox, conversations and their transcripts.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver

	"github.com/switchboard/switchboard/internal/domain"
)

// Store is the PostgreSQL store. It is safe for concurrent use.
type Store struct {
	db *sqlx.DB
	// clock, when set (tests that script time), stamps every transition the
	// store records; nil leaves it to PostgreSQL (now()).
	clock func() time.Time
}

// SetClock makes the store stamp transitions (report facts, outbound
// messages, conversations opened and closed, presence changes) with now
// instead of PostgreSQL's clock. For tests that script a day of traffic;
// call it before the store is shared.
func (s *Store) SetClock(now func() time.Time) { s.clock = now }

// Clock is the clock set by SetClock, or nil (PostgreSQL's clock).
func (s *Store) Clock() func() time.Time { return s.clock }

// stamp is the time of a transition for SQL written as
// COALESCE($n::timestamptz, now()): nil unless a clock is set.
func (s *Store) stamp() *time.Time {
	if s.clock == nil {
		return nil
	}
	t := s.clock().UTC()
	return &t
}

// DefaultMaxConns is the pool of Open.
const DefaultMaxConns = 32

// Open connects to PostgreSQL with a pool of DefaultMaxConns and checks
// the connection.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenPool(ctx, dsn, DefaultMaxConns)
}

// OpenPool is Open with a pool of maxConns connections (SWITCHBOARD_DB_MAX_CONNS).
func OpenPool(ctx context.Context, dsn string, maxConns int) (*Store, error) {
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &Store{db: db}, nil
}

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// DB exposes the pool for health checks and tests.
func (s *Store) DB() *sqlx.DB { return s.db }

// Ping reports whether PostgreSQL answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Migrate applies every embedded migration not yet applied, under a
// PostgreSQL advisory lock: safe to run twice, and from several replicas at
// once (the others wait, then find nothing to do).
func (s *Store) Migrate(ctx context.Context, logger *slog.Logger) error {
	p, err := s.migrationProvider(true)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		if logger != nil {
			logger.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
		}
	}
	return nil
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.CodeNotFound, "%s not found", what)
	}
	return err
}
