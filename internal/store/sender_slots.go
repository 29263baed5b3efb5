package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// TakeSenderSlot takes the next free send slot of (account, sender), slots
// being interval apart, and returns how long to wait for it. It takes none
// and reports false when the next free slot is more than maxWait away (the
// caller retries later rather than holding a slot it cannot use). The
// database's clock decides, so workers whose clocks differ share one pace.
func (s *Store) TakeSenderSlot(ctx context.Context, account, sender string, interval, maxWait time.Duration) (time.Duration, bool, error) {
	var wait float64
	err := s.db.QueryRowContext(ctx, `
		INSERT INTO sender_slots AS s (account_sid, sender, free_at)
		VALUES ($1, $2, statement_timestamp() + make_interval(secs => $3))
		ON CONFLICT (account_sid, sender) DO UPDATE
			SET free_at = GREATEST(s.free_at, statement_timestamp()) + make_interval(secs => $3)
			WHERE s.free_at <= statement_timestamp() + make_interval(secs => $4)
		RETURNING GREATEST(0, extract(epoch FROM (s.free_at - make_interval(secs => $3) - statement_timestamp())))::float8`,
		account, sender, interval.Seconds(), maxWait.Seconds()).Scan(&wait)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return time.Duration(wait * float64(time.Second)), true, nil
}
