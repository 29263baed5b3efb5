package store

import (
	"context"
	"time"
)

// LastWindow returns the latest session window and last customer message of
// a (number, customer) pair over all its conversations (zero times: none).
func (s *Store) LastWindow(ctx context.Context, numberID, customerE164 string) (time.Time, time.Time, error) {
	var row struct {
		Exp  *time.Time `db:"exp"`
		Last *time.Time `db:"last"`
	}
	err := s.db.GetContext(ctx, &row, `
		SELECT max(c.window_expires_at) AS exp,
		       (SELECT max(m.created_at) FROM messages m JOIN conversations c2 ON c2.id = m.conversation_id
		        WHERE c2.number_id = $1 AND c2.customer_e164 = $2 AND m.direction = 'inbound') AS last
		FROM conversations c WHERE c.number_id = $1 AND c.customer_e164 = $2`, numberID, customerE164)
	var exp, last time.Time
	if row.Exp != nil {
		exp = *row.Exp
	}
	if row.Last != nil {
		last = *row.Last
	}
	return exp, last, err
}
