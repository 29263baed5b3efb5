package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// NewAccount is what CreateAccount stores; the token is already encrypted.
type NewAccount struct {
	ID           string // "" for a new one; set when AuthTokenEnc was sealed for it
	Name         string
	AccountSID   string
	AuthTokenEnc string
	Sandbox      bool
	Numbers      []NewNumber
	Audit        Audit // zero: not an admin change (the dev seed)
}

// NewNumber is a sender to add to an account.
type NewNumber struct {
	Name         string
	E164         string
	WorkstreamID *string
}

// AccountSecret is an account's Twilio identity as stored.
type AccountSecret struct {
	ID           string `db:"id"`
	AccountSID   string `db:"twilio_account_sid"`
	AuthTokenEnc string `db:"auth_token_enc"`
}

// CreateAccount stores an account with its numbers, all or nothing.
func (s *Store) CreateAccount(ctx context.Context, in NewAccount) (domain.Account, error) {
	var acc domain.Account
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		id := in.ID
		if id == "" {
			id = uuid.NewString()
		}
		err := tx.GetContext(ctx, &acc, `
			INSERT INTO accounts (id, name, twilio_account_sid, auth_token_enc, sandbox)
			VALUES ($1, $2, $3, $4, $5)
			RETURNING id, name, twilio_account_sid, sandbox, created_at, updated_at`,
			id, in.Name, in.AccountSID, in.AuthTokenEnc, in.Sandbox)
		if err != nil {
			return err
		}
		for _, n := range in.Numbers {
			num, err := insertNumber(ctx, tx, id, n)
			if err != nil {
				return err
			}
			acc.Numbers = append(acc.Numbers, num)
		}
		return WriteAudit(ctx, tx, in.Audit, ActionCreate, ResourceAccount, id)
	})
	return acc, err
}

// ListAccounts returns every account with its numbers, oldest first.
func (s *Store) ListAccounts(ctx context.Context) ([]domain.Account, error) {
	var accs []domain.Account
	if err := s.db.SelectContext(ctx, &accs, `
		SELECT id, name, twilio_account_sid, sandbox, created_at, updated_at
		FROM accounts WHERE deleted_at IS NULL ORDER BY created_at, id`); err != nil {
		return nil, err
	}
	var nums []domain.Number
	if err := s.db.SelectContext(ctx, &nums, `
		SELECT id, account_id, name, e164, workstream_id, created_at
		FROM numbers WHERE deleted_at IS NULL ORDER BY created_at, id`); err != nil {
		return nil, err
	}
	byAcc := map[string][]domain.Number{}
	for _, n := range nums {
		byAcc[n.AccountID] = append(byAcc[n.AccountID], n)
	}
	for i := range accs {
		accs[i].Numbers = byAcc[accs[i].ID]
		if accs[i].Numbers == nil {
			accs[i].Numbers = []domain.Number{}
		}
	}
	return accs, nil
}

// GetAccount returns one account with its numbers.
func (s *Store) GetAccount(ctx context.Context, id string) (domain.Account, error) {
	var acc domain.Account
	if !validUUID(id) {
		return acc, domain.Errorf(domain.CodeNotFound, "account %s not found", id)
	}
	err := s.db.GetContext(ctx, &acc, `
		SELECT id, name, twilio_account_sid, sandbox, created_at, updated_at
		FROM accounts WHERE id = $1 AND deleted_at IS NULL`, id)
	if err != nil {
		return acc, notFound(err, "account "+id)
	}
	acc.Numbers, err = accountNumbers(ctx, s.db, id)
	return acc, err
}

// AccountSecret returns the Twilio SID and encrypted token of an account.
func (s *Store) AccountSecret(ctx context.Context, id string) (AccountSecret, error) {
	var a AccountSecret
	if !validUUID(id) {
		return a, domain.Errorf(domain.CodeNotFound, "account %s not found", id)
	}
	err := s.db.GetContext(ctx, &a, `SELECT id, twilio_account_sid, auth_token_enc FROM accounts WHERE id = $1 AND deleted_at IS NULL`, id)
	return a, notFound(err, "account "+id)
}

// NumberByE164 finds the sender of an account by its number.
func (s *Store) NumberByE164(ctx context.Context, accountID, e164 string) (domain.Number, error) {
	var n domain.Number
	err := s.db.GetContext(ctx, &n, `
		SELECT id, account_id, name, e164, workstream_id, created_at
		FROM numbers WHERE account_id = $1 AND e164 = $2 AND deleted_at IS NULL`, accountID, e164)
	return n, notFound(err, "number "+domain.Mask(e164))
}

// GetNumber returns one number.
func (s *Store) GetNumber(ctx context.Context, id string) (domain.Number, error) {
	var n domain.Number
	if !validUUID(id) {
		return n, domain.Errorf(domain.CodeNotFound, "number %s not found", id)
	}
	err := s.db.GetContext(ctx, &n, `
		SELECT id, account_id, name, e164, workstream_id, created_at
		FROM numbers WHERE id = $1 AND deleted_at IS NULL`, id)
	return n, notFound(err, "number "+id)
}

func validUUID(s string) bool { _, err := uuid.Parse(s); return err == nil }

func nowUTC() time.Time { return time.Now().UTC() }

// WebhookTarget is what an inbound webhook needs: the account's token to
// check the signature, and the number the customer wrote to.
type WebhookTarget struct {
	AccountSID   string  `db:"twilio_account_sid"`
	AuthTokenEnc string  `db:"auth_token_enc"`
	NumberID     *string `db:"number_id"`
	NumberE164   *string `db:"number_e164"`
}

// WebhookTarget loads an account and, when toE164 is one of its numbers,
// that number, in one query.
func (s *Store) WebhookTarget(ctx context.Context, accountID, toE164 string) (WebhookTarget, error) {
	var t WebhookTarget
	if !validUUID(accountID) {
		return t, domain.Errorf(domain.CodeNotFound, "account %s not found", accountID)
	}
	err := s.db.GetContext(ctx, &t, `
		SELECT a.twilio_account_sid, a.auth_token_enc, n.id AS number_id, n.e164 AS number_e164
		FROM accounts a LEFT JOIN numbers n ON n.account_id = a.id AND n.e164 = $2 AND n.deleted_at IS NULL
		WHERE a.id = $1 AND a.deleted_at IS NULL`, accountID, toE164)
	return t, notFound(err, "account "+accountID)
}

// AccountPatch changes the fields that are set; the token is already encrypted.
type AccountPatch struct {
	Name         *string
	AuthTokenEnc *string
	Sandbox      *bool
}

// UpdateAccount changes an account's name, token or sandbox flag. A new
// token takes effect at once: decrypted tokens are cached by ciphertext.
func (s *Store) UpdateAccount(ctx context.Context, id string, p AccountPatch, a Audit) (domain.Account, error) {
	var acc domain.Account
	if !validUUID(id) {
		return acc, domain.Errorf(domain.CodeNotFound, "account %s not found", id)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &acc, `
			UPDATE accounts SET name = COALESCE($2, name), auth_token_enc = COALESCE($3, auth_token_enc),
				sandbox = COALESCE($4, sandbox), updated_at = now()
			WHERE id = $1 AND deleted_at IS NULL
			RETURNING id, name, twilio_account_sid, sandbox, created_at, updated_at`, id, p.Name, p.AuthTokenEnc, p.Sandbox)
		if err != nil {
			return notFound(err, "account "+id)
		}
		if acc.Numbers, err = accountNumbers(ctx, tx, id); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, a, ActionUpdate, ResourceAccount, id)
	})
	return acc, err
}

// DeleteAccount soft-deletes an account and its numbers: transcripts stay,
// webhooks for it answer 404, and its numbers can be connected again.
// Closing its open conversations first is the caller's job.
func (s *Store) DeleteAccount(ctx context.Context, id string, a Audit) error {
	if !validUUID(id) {
		return domain.Errorf(domain.CodeNotFound, "account %s not found", id)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.CodeNotFound, "account %s not found", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE numbers SET deleted_at = now() WHERE account_id = $1 AND deleted_at IS NULL`, id); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, a, ActionDelete, ResourceAccount, id)
	})
}
