package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// LinkSID records the Twilio SID of an outbound message from a status
// callback whose URL names the message (?message_id=): the callback of a
// message Twilio accepted while its sender crashed before recording the
// SID. Only a message of accountID, the account whose URL the callback
// came to, is linked: another account's message id changes nothing, as an
// unknown one. A message that has a SID keeps it. It returns whether the
// SID was recorded here. Statuses that arrived before are applied, as
// RecordSendResult does.
func (s *Store) LinkSID(ctx context.Context, accountID, messageID, sid string) (bool, error) {
	if !validUUID(accountID) || !validUUID(messageID) || sid == "" {
		return false, nil
	}
	// Nearly always the sender recorded the SID first: one read says so,
	// without a transaction (the update below checks again).
	var unlinked bool
	err := s.db.GetContext(ctx, &unlinked, `
		SELECT m.twilio_sid IS NULL FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.id = $2 AND m.direction = 'outbound' AND c.account_id = $1`, accountID, messageID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !unlinked) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	linked := false
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE messages m SET twilio_sid = $3, updated_at = now()
			FROM conversations c
			WHERE m.id = $2 AND m.direction = 'outbound' AND m.twilio_sid IS NULL
			AND c.id = m.conversation_id AND c.account_id = $1
			AND NOT EXISTS (SELECT 1 FROM messages WHERE twilio_sid = $3)`, accountID, messageID, sid)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if linked = n > 0; !linked {
			return nil
		}
		return applyBestEvent(ctx, tx, sid, s.stamp())
	})
	return linked, err
}

// MessageIDBySID returns the id of the message that has this Twilio SID,
// or "" when no message has it.
func (s *Store) MessageIDBySID(ctx context.Context, sid string) (string, error) {
	var id string
	err := s.db.GetContext(ctx, &id, `SELECT id FROM messages WHERE twilio_sid = $1`, sid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
