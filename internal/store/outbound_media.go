package store

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// SaveOutboundMedia stores an agent's file; the same id again (a retried
// upload) keeps the first row. Files whose link expired a day ago are
// purged on the way (a few per upload: nothing else needs them).
func (s *Store) SaveOutboundMedia(ctx context.Context, m domain.OutboundMedia) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			DELETE FROM outbound_media WHERE id IN (
				SELECT id FROM outbound_media WHERE expires_at < now() - interval '1 day' LIMIT 20)`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO outbound_media (id, conversation_id, filename, content_type, size, sha256, data, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (id) DO NOTHING`,
			m.ID, m.ConversationID, m.Filename, m.ContentType, m.Size, m.SHA256, m.Data, m.ExpiresAt)
		return err
	})
}

// GetOutboundMedia returns a stored file with its bytes.
func (s *Store) GetOutboundMedia(ctx context.Context, id string) (domain.OutboundMedia, error) {
	var m domain.OutboundMedia
	if !validUUID(id) {
		return m, domain.Errorf(domain.CodeNotFound, "media not found")
	}
	err := s.db.GetContext(ctx, &m, `SELECT id, conversation_id, filename, content_type, size, sha256, data, created_at, expires_at
		FROM outbound_media WHERE id = $1`, id)
	if err != nil {
		return m, notFound(err, "media")
	}
	return m, nil
}
