package store

import (
	"context"
	"database/sql"
	"errors"
)

// InteractiveContentSID returns the Content SID created for the content
// with this hash (domain.Interactive.Hash) on this Twilio account, "" when
// none was created yet.
func (s *Store) InteractiveContentSID(ctx context.Context, accountID, twilioAccountSID, hash string) (string, error) {
	if !validUUID(accountID) {
		return "", nil
	}
	var sid string
	err := s.db.GetContext(ctx, &sid, `SELECT content_sid FROM interactive_contents
		WHERE account_id = $1 AND twilio_account_sid = $2 AND hash = $3`, accountID, twilioAccountSID, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return sid, err
}

// SaveInteractiveContent keeps a created Content SID and returns the one
// to use: the first one saved for this content, when two sends created it
// at the same time (the other Content item is then never used).
func (s *Store) SaveInteractiveContent(ctx context.Context, accountID, twilioAccountSID, hash, contentType, sid string) (string, error) {
	var kept string
	err := s.db.GetContext(ctx, &kept, `
		WITH ins AS (
			INSERT INTO interactive_contents (account_id, twilio_account_sid, hash, content_type, content_sid)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING RETURNING content_sid)
		SELECT content_sid FROM ins
		UNION ALL
		SELECT content_sid FROM interactive_contents WHERE account_id = $1 AND twilio_account_sid = $2 AND hash = $3
		LIMIT 1`, accountID, twilioAccountSID, hash, contentType, sid)
	return kept, err
}
