package store

import "context"

// StoredAccountToken is one account's encrypted Twilio auth token.
type StoredAccountToken struct {
	ID           string `db:"id"`
	AuthTokenEnc string `db:"auth_token_enc"`
}

// AccountTokens returns every account's encrypted token, removed accounts
// included (their rows keep the token until they are purged), by id.
func (s *Store) AccountTokens(ctx context.Context) ([]StoredAccountToken, error) {
	out := []StoredAccountToken{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, auth_token_enc FROM accounts ORDER BY id`)
	return out, err
}

// SwapAccountToken replaces an account's encrypted token with next if it is
// still old (a token changed meanwhile through the API is left alone). It
// reports whether the row was changed.
func (s *Store) SwapAccountToken(ctx context.Context, id, old, next string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE accounts SET auth_token_enc = $3 WHERE id = $1 AND auth_token_enc = $2`, id, old, next)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
