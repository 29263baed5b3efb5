package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

const numberColumns = `id, account_id, name, e164, workstream_id, created_at`

func insertNumber(ctx context.Context, tx *sqlx.Tx, accountID string, n NewNumber) (domain.Number, error) {
	var num domain.Number
	err := tx.GetContext(ctx, &num, `
		INSERT INTO numbers (id, account_id, name, e164, workstream_id) VALUES ($1, $2, $3, $4, $5)
		RETURNING `+numberColumns, uuid.NewString(), accountID, n.Name, n.E164, n.WorkstreamID)
	if err != nil {
		err = constraintError(err)
		if de, ok := err.(*domain.Error); ok && de.Code == domain.CodeConflict {
			return num, domain.Errorf(domain.CodeConflict, "number %s is already connected to an account", n.E164)
		}
	}
	return num, err
}

func accountNumbers(ctx context.Context, q sqlx.QueryerContext, accountID string) ([]domain.Number, error) {
	nums := []domain.Number{}
	err := sqlx.SelectContext(ctx, q, &nums, `SELECT `+numberColumns+` FROM numbers
		WHERE account_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`, accountID)
	return nums, err
}

// AddNumber connects a sender to an account.
func (s *Store) AddNumber(ctx context.Context, accountID string, n NewNumber, a Audit) (domain.Number, error) {
	var num domain.Number
	if !validUUID(accountID) {
		return num, domain.Errorf(domain.CodeNotFound, "account %s not found", accountID)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// The share lock keeps the account from being deleted under us.
		var id string
		if err := tx.GetContext(ctx, &id, `SELECT id FROM accounts WHERE id = $1 AND deleted_at IS NULL FOR SHARE`, accountID); err != nil {
			return notFound(err, "account "+accountID)
		}
		var err error
		if num, err = insertNumber(ctx, tx, accountID, n); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, a, ActionCreate, ResourceNumber, num.ID)
	})
	return num, err
}

// NumberPatch changes the fields that are set. SetWorkstream with a nil
// WorkstreamID detaches the number from any workstream.
type NumberPatch struct {
	Name          *string
	SetWorkstream bool
	WorkstreamID  *string
}

// UpdateNumber renames a number or moves it to another workstream. Open
// conversations keep the settings they started with; new ones get the new
// workstream's.
func (s *Store) UpdateNumber(ctx context.Context, accountID, numberID string, p NumberPatch, a Audit) (domain.Number, error) {
	var num domain.Number
	if !validUUID(accountID) || !validUUID(numberID) {
		return num, domain.Errorf(domain.CodeNotFound, "number %s not found", numberID)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &num, `
			UPDATE numbers SET name = COALESCE($3, name),
				workstream_id = CASE WHEN $4 THEN $5::uuid ELSE workstream_id END
			WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL
			RETURNING `+numberColumns, numberID, accountID, p.Name, p.SetWorkstream, p.WorkstreamID)
		if err != nil {
			return notFound(constraintError(err), "number "+numberID+" of this account")
		}
		return WriteAudit(ctx, tx, a, ActionUpdate, ResourceNumber, numberID)
	})
	return num, err
}

// DeleteNumber releases a number (soft delete): its webhooks answer 404 and
// it can be connected again, to this account or another.
func (s *Store) DeleteNumber(ctx context.Context, accountID, numberID string, a Audit) error {
	if !validUUID(accountID) || !validUUID(numberID) {
		return domain.Errorf(domain.CodeNotFound, "number %s not found", numberID)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE numbers SET deleted_at = now()
			WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL`, numberID, accountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.CodeNotFound, "number %s of this account not found", numberID)
		}
		return WriteAudit(ctx, tx, a, ActionDelete, ResourceNumber, numberID)
	})
}
