package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// profileSelect reads the profile of ($1 account, $2 number): the stored
// row when there is one, and WhatsApp's profile name as first seen on the
// account (the oldest conversation that carried one).
const profileSelect = `SELECT $1::uuid AS account_id, $2::text AS e164,
	COALESCE((SELECT c.profile_name FROM conversations c
		WHERE c.account_id = $1 AND c.customer_e164 = $2 AND c.profile_name <> ''
		ORDER BY c.created_at, c.id LIMIT 1), '') AS profile_name,
	COALESCE(p.display_name, '') AS display_name, COALESCE(p.external_id, '') AS external_id,
	COALESCE(p.attributes, '{}') AS attributes, COALESCE(p.notes, '') AS notes,
	(SELECT min(c.created_at) FROM conversations c WHERE c.account_id = $1 AND c.customer_e164 = $2) AS first_seen_at,
	p.updated_at
	FROM (SELECT 1) one LEFT JOIN customer_profiles p ON p.account_id = $1 AND p.e164 = $2`

// CustomerProfile returns the account's profile of a customer number; a
// customer nobody described yet has an empty one.
func (s *Store) CustomerProfile(ctx context.Context, accountID, e164 string) (domain.CustomerProfile, error) {
	return customerProfile(ctx, s.db, accountID, e164)
}

func customerProfile(ctx context.Context, q sqlx.QueryerContext, accountID, e164 string) (domain.CustomerProfile, error) {
	var p domain.CustomerProfile
	if !validUUID(accountID) {
		return p, domain.Errorf(domain.CodeNotFound, "account %s not found", accountID)
	}
	err := sqlx.GetContext(ctx, q, &p, profileSelect, accountID, e164)
	return p, err
}

// CustomerProfilePatch changes the fields that are set.
type CustomerProfilePatch struct {
	DisplayName *string
	ExternalID  *string
	Attributes  json.RawMessage // a JSON object; nil: unchanged
	Notes       *string
}

// UpdateCustomerProfile applies p to the account's profile of a customer,
// creating it on first change.
func (s *Store) UpdateCustomerProfile(ctx context.Context, accountID, e164 string, p CustomerProfilePatch, a Audit, auditID string) (domain.CustomerProfile, error) {
	var out domain.CustomerProfile
	if !validUUID(accountID) {
		return out, domain.Errorf(domain.CodeNotFound, "account %s not found", accountID)
	}
	var attrs any
	if p.Attributes != nil {
		attrs = []byte(p.Attributes)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO customer_profiles AS p (account_id, e164, display_name, external_id, attributes, notes)
			VALUES ($1, $2, COALESCE($3, ''), COALESCE($4, ''), COALESCE($5::jsonb, '{}'), COALESCE($6, ''))
			ON CONFLICT (account_id, e164) DO UPDATE SET
				display_name = COALESCE($3, p.display_name), external_id = COALESCE($4, p.external_id),
				attributes = COALESCE($5::jsonb, p.attributes), notes = COALESCE($6, p.notes), updated_at = now()`,
			accountID, e164, p.DisplayName, p.ExternalID, attrs, p.Notes)
		if err != nil {
			return constraintError(err)
		}
		if err := WriteAudit(ctx, tx, a, ActionUpdate, ResourceCustomerProfile, auditID); err != nil {
			return err
		}
		out, err = customerProfile(ctx, tx, accountID, e164)
		return err
	})
	return out, err
}

// CustomerHistory lists a customer's conversations on every number of the
// account, newest first, with their agent, outcome and survey score.
func (s *Store) CustomerHistory(ctx context.Context, accountID, e164 string, limit int) ([]domain.CustomerConversation, error) {
	out := []domain.CustomerConversation{}
	if !validUUID(accountID) {
		return out, nil
	}
	err := s.db.SelectContext(ctx, &out, `SELECT c.id, c.number_id, n.e164 AS number_e164, c.state, c.close_reason,
			c.agent_id, a.name AS agent_name, c.survey_score, conversation_labels_json(c.id) AS labels, c.created_at, c.closed_at
		FROM conversations c JOIN numbers n ON n.id = c.number_id LEFT JOIN agents a ON a.id = c.agent_id
		WHERE c.account_id = $1 AND c.customer_e164 = $2
		ORDER BY c.created_at DESC, c.id DESC LIMIT $3`, accountID, e164, clampLimit(limit))
	return out, err
}

// CustomerSearch narrows SearchCustomers.
type CustomerSearch struct {
	Query  string // part of a name (profile or display), an external id, or digits of the number
	Limit  int
	Cursor string
	// QueueIDs scopes the search to customers with a conversation in one
	// of these queues, and their counts to those conversations (a
	// supervisor's queues); nil searches everything.
	QueueIDs []string
}

// CustomerHit is one customer found by SearchCustomers.
type CustomerHit struct {
	domain.CustomerProfile
	Conversations    int    `json:"conversations" db:"conversations"`
	LastConversation string `json:"last_conversation_id" db:"last_conversation_id"`
}

// CustomerPage is a page of customers, most recently seen first.
type CustomerPage struct {
	Data       []CustomerHit `json:"data"`
	NextCursor string        `json:"next_cursor"`
}

// SearchCustomers finds customers (account × number) by name, external id
// or number: every customer with a conversation or a profile; with
// QueueIDs, only customers with a conversation in one of those queues.
func (s *Store) SearchCustomers(ctx context.Context, f CustomerSearch) (CustomerPage, error) {
	page := CustomerPage{Data: []CustomerHit{}}
	limit := clampLimit(f.Limit)
	var off int64
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil || c.N < 0 {
			return page, domain.Errorf(domain.CodeInvalid, "cursor is not valid: pass next_cursor from the previous page as is")
		}
		off = c.N
	}
	q := strings.TrimSpace(f.Query)
	like := "%" + escapeLike(q) + "%"
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, q)
	digitsLike := ""
	if digits != "" {
		digitsLike = "%" + digits + "%"
	}
	var rows []struct {
		AccountID string `db:"account_id"`
		E164      string `db:"e164"`
	}
	// Customers are the (account, number) pairs of conversations and
	// profiles (in a scope: of the scope's conversations only); they match
	// on any name they had, their external id, or digits of their number.
	scope := scopeArray(f.QueueIDs)
	err := s.db.SelectContext(ctx, &rows, `
		WITH customers AS (
			SELECT account_id, customer_e164 AS e164, max(created_at) AS last_seen FROM conversations
				WHERE $6::uuid[] IS NULL OR queue_id = ANY($6::uuid[]) GROUP BY 1, 2
			UNION ALL SELECT account_id, e164, updated_at FROM customer_profiles WHERE $6::uuid[] IS NULL
		), seen AS (SELECT account_id, e164, max(last_seen) AS last_seen FROM customers GROUP BY 1, 2)
		SELECT s.account_id, s.e164 FROM seen s
		LEFT JOIN customer_profiles p ON p.account_id = s.account_id AND p.e164 = s.e164
		WHERE $1 = '' OR p.display_name ILIKE $2 OR p.external_id ILIKE $2
			OR ($3 <> '' AND s.e164 LIKE $3)
			OR EXISTS (SELECT 1 FROM conversations c WHERE c.account_id = s.account_id AND c.customer_e164 = s.e164
				AND c.profile_name ILIKE $2 AND ($6::uuid[] IS NULL OR c.queue_id = ANY($6::uuid[])))
		ORDER BY s.last_seen DESC, s.account_id, s.e164 OFFSET $4 LIMIT $5`,
		q, like, digitsLike, off, limit+1, scope)
	if err != nil {
		return page, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = encodeCursor(cursor{N: off + int64(limit)})
	}
	for _, r := range rows {
		var hit CustomerHit
		p, err := s.CustomerProfile(ctx, r.AccountID, r.E164)
		if err != nil {
			return page, err
		}
		hit.CustomerProfile = p
		if err := s.db.GetContext(ctx, &hit, `SELECT count(*) AS conversations,
			COALESCE((SELECT id::text FROM conversations WHERE account_id = $1 AND customer_e164 = $2
				AND ($3::uuid[] IS NULL OR queue_id = ANY($3::uuid[]))
				ORDER BY created_at DESC, id DESC LIMIT 1), '') AS last_conversation_id
			FROM conversations WHERE account_id = $1 AND customer_e164 = $2
				AND ($3::uuid[] IS NULL OR queue_id = ANY($3::uuid[]))`, r.AccountID, r.E164, scope); err != nil {
			return page, fmt.Errorf("customer counts: %w", err)
		}
		page.Data = append(page.Data, hit)
	}
	return page, nil
}

// escapeLike escapes LIKE's wildcards in s.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
