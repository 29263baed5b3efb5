package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// ResourceOptOut is the audit log's name for the opt-out list.
const ResourceOptOut = "opt_out"

// OptOut is a number on an account's opt-out list.
type OptOut struct {
	AccountID string    `json:"account_id" db:"account_id"`
	E164      string    `json:"e164" db:"e164"`
	Source    string    `json:"source" db:"source"` // keyword, admin
	Keyword   string    `json:"keyword,omitempty" db:"keyword"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// AddOptOut puts a number on the account's opt-out list; added is false
// when it was there already (its first time and source are kept).
func (s *Store) AddOptOut(ctx context.Context, o OptOut, a Audit) (OptOut, bool, error) {
	var out OptOut
	added := false
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &out, `INSERT INTO opt_outs (account_id, e164, source, keyword) VALUES ($1, $2, $3, $4)
			ON CONFLICT (account_id, e164) DO NOTHING RETURNING account_id, e164, source, keyword, created_at`,
			o.AccountID, o.E164, o.Source, o.Keyword)
		if errors.Is(err, sql.ErrNoRows) {
			return tx.GetContext(ctx, &out, `SELECT account_id, e164, source, keyword, created_at FROM opt_outs
				WHERE account_id = $1 AND e164 = $2`, o.AccountID, o.E164)
		}
		if err != nil {
			return constraintError(err)
		}
		added = true
		return WriteAudit(ctx, tx, a, ActionCreate, ResourceOptOut, domain.Mask(o.E164))
	})
	return out, added, err
}

// RemoveOptOut takes a number off the account's opt-out list; false when
// it was not on it.
func (s *Store) RemoveOptOut(ctx context.Context, accountID, e164 string, a Audit) (bool, error) {
	if !validUUID(accountID) {
		return false, nil
	}
	removed := false
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM opt_outs WHERE account_id = $1 AND e164 = $2`, accountID, e164)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if removed = n > 0; !removed {
			return nil
		}
		return WriteAudit(ctx, tx, a, ActionDelete, ResourceOptOut, domain.Mask(e164))
	})
	return removed, err
}

// ListOptOuts returns the opt-out list, newest first, of one account ("":
// every account).
func (s *Store) ListOptOuts(ctx context.Context, accountID string, limit int) ([]OptOut, error) {
	out := []OptOut{}
	if accountID != "" && !validUUID(accountID) {
		return out, nil
	}
	err := s.db.SelectContext(ctx, &out, `SELECT account_id, e164, source, keyword, created_at FROM opt_outs
		WHERE $1 = '' OR account_id::text = $1 ORDER BY created_at DESC, e164 LIMIT $2`, accountID, limit)
	return out, err
}

// IsOptedOut reports whether the number is on the account's opt-out list.
func (s *Store) IsOptedOut(ctx context.Context, accountID, e164 string) (bool, error) {
	var yes bool
	err := s.db.GetContext(ctx, &yes, `SELECT EXISTS (SELECT 1 FROM opt_outs WHERE account_id = $1 AND e164 = $2)`, accountID, e164)
	return yes, err
}

// OptKeyword is an opt-out or opt-in keyword of a workstream in one
// language, with the confirmation answered.
type OptKeyword struct {
	Language     string `json:"language" db:"language"`
	Kind         string `json:"kind" db:"kind"` // opt_out, opt_in
	Keyword      string `json:"keyword" db:"keyword"`
	Confirmation string `json:"confirmation" db:"confirmation"`
}

// SetOptKeywords replaces a workstream's keywords (stored upper case).
func (s *Store) SetOptKeywords(ctx context.Context, workstreamID string, ks []OptKeyword, a Audit) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM opt_out_keywords WHERE workstream_id = $1`, workstreamID); err != nil {
			return constraintError(err)
		}
		for _, k := range ks {
			if _, err := tx.ExecContext(ctx, `INSERT INTO opt_out_keywords (workstream_id, language, kind, keyword, confirmation)
				VALUES ($1, $2, $3, $4, $5)`, workstreamID, k.Language, k.Kind, NormalizeKeyword(k.Keyword), k.Confirmation); err != nil {
				return constraintError(err)
			}
		}
		return WriteAudit(ctx, tx, a, ActionUpdate, ResourceWorkstream, workstreamID)
	})
}

// OptKeywords returns a workstream's keywords.
func (s *Store) OptKeywords(ctx context.Context, workstreamID string) ([]OptKeyword, error) {
	out := []OptKeyword{}
	if !validUUID(workstreamID) {
		return out, domain.Errorf(domain.CodeNotFound, "workstream %s not found", workstreamID)
	}
	err := s.db.SelectContext(ctx, &out, `SELECT language, kind, keyword, confirmation FROM opt_out_keywords
		WHERE workstream_id = $1 ORDER BY kind, language, keyword`, workstreamID)
	return out, err
}

// MatchOptKeyword returns the keyword of the number's workstream that the
// whole message is (case and surrounding spaces and punctuation aside).
func (s *Store) MatchOptKeyword(ctx context.Context, numberID, body string) (OptKeyword, bool, error) {
	var k OptKeyword
	word := NormalizeKeyword(body)
	if word == "" || len(word) > 40 {
		return k, false, nil
	}
	err := s.db.GetContext(ctx, &k, `SELECT k.language, k.kind, k.keyword, k.confirmation FROM opt_out_keywords k
		JOIN numbers n ON n.workstream_id = k.workstream_id WHERE n.id = $1 AND k.keyword = $2
		ORDER BY k.kind LIMIT 1`, numberID, word)
	if errors.Is(err, sql.ErrNoRows) {
		return k, false, nil
	}
	return k, err == nil, err
}

// NormalizeKeyword is how keywords compare: upper case, without the
// spaces and punctuation around them ("Stop." is STOP).
func NormalizeKeyword(s string) string {
	return strings.ToUpper(strings.Trim(s, " \t\r\n.!?¡¿,;:'\"«»"))
}
