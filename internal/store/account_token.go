package store

import "context"

// ReplaceAccountToken stores a new encrypted auth token for an account (used
// when the encryption keys changed, e.g. a dev machine's keys were reset).
func (s *Store) ReplaceAccountToken(ctx context.Context, accountID, tokenEnc string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE accounts SET auth_token_enc = $2, updated_at = now() WHERE id = $1`, accountID, tokenEnc)
	return err
}
