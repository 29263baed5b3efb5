package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// Audit actions and the resource types this package records.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"

	ResourceAccount     = "whatsapp_account"
	ResourceNumber      = "whatsapp_number"
	ResourceQueue       = "queue"
	ResourceWorkstream  = "workstream"
	ResourceRoutingRule = "routing_rule"
)

// Audit says who makes a change and what they asked for. Changes is the
// request as sent (JSON); secrets in it are redacted before it is stored.
// A zero Audit (no Actor) records nothing: internal writes such as the dev
// seed are not admin changes.
type Audit struct {
	Actor   string
	Changes json.RawMessage
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID           int64           `json:"id" db:"id"`
	Actor        string          `json:"actor" db:"actor"`
	Action       string          `json:"action" db:"action"`
	ResourceType string          `json:"resource_type" db:"resource_type"`
	ResourceID   string          `json:"resource_id" db:"resource_id"`
	Changes      json.RawMessage `json:"changes" db:"changes"`
	CreatedAt    time.Time       `json:"created_at" db:"created_at"`
}

// WriteAudit records one change in the transaction that makes it, so the
// log never claims a change that was rolled back, nor misses one.
func WriteAudit(ctx context.Context, tx sqlx.ExecerContext, a Audit, action, resourceType, resourceID string) error {
	if a.Actor == "" {
		return nil
	}
	var changes any // SQL NULL when there is nothing to say
	if len(a.Changes) > 0 {
		changes = []byte(RedactSecrets(a.Changes))
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO audit_log (actor, action, resource_type, resource_id, changes)
		VALUES ($1, $2, $3, $4, $5)`, a.Actor, action, resourceType, resourceID, changes)
	return err
}

// RecordAudit records an action that changes no row of its own (a
// customer's export or erasure request), outside any transaction.
func (s *Store) RecordAudit(ctx context.Context, a Audit, action, resourceType, resourceID string) error {
	return WriteAudit(ctx, s.db, a, action, resourceType, resourceID)
}

// Redacted replaces secret values in the audit log.
const Redacted = "[redacted]"

var secretKeyParts = []string{"token", "secret", "password", "authorization", "api_key", "apikey"}

// RedactSecrets returns the JSON document with the value of every key that
// names a secret (twilio_auth_token, token, …), at any depth, replaced by
// "[redacted]", and the query values and password of every URL (a bot's
// Rasa token rides in its URL's query) too. Anything that is not JSON is
// dropped whole.
func RedactSecrets(raw json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return json.RawMessage(`null`)
	}
	out, err := json.Marshal(redact(v))
	if err != nil {
		return json.RawMessage(`null`)
	}
	return out
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if isSecretKey(k) {
				t[k] = Redacted
			} else {
				t[k] = redact(val)
			}
		}
	case []any:
		for i := range t {
			t[i] = redact(t[i])
		}
	case string:
		if r, ok := domain.RedactURLSecrets(t); ok {
			return r
		}
	}
	return v
}

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, p := range secretKeyParts {
		if strings.Contains(k, p) {
			return true
		}
	}
	return false
}

// AuditFilter narrows ListAudit.
type AuditFilter struct {
	ResourceType string
	ResourceID   string
	Limit        int
	Cursor       string
}

// AuditPage is a page of the audit log, newest first.
type AuditPage struct {
	Data       []AuditEntry `json:"data"`
	NextCursor string       `json:"next_cursor"`
}

// ListAudit returns audit rows, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) (AuditPage, error) {
	page := AuditPage{Data: []AuditEntry{}}
	q := `SELECT id, actor, action, resource_type, resource_id, changes, created_at FROM audit_log WHERE true`
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	if f.ResourceType != "" {
		q += ` AND resource_type = ` + arg(f.ResourceType)
	}
	if f.ResourceID != "" {
		q += ` AND resource_id = ` + arg(f.ResourceID)
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil || c.N <= 0 {
			return page, domain.Errorf(domain.CodeInvalid, "cursor is not valid: pass next_cursor from the previous page as is")
		}
		q += ` AND id < ` + arg(c.N)
	}
	limit := clampLimit(f.Limit)
	q += ` ORDER BY id DESC LIMIT ` + arg(limit+1)
	if err := s.db.SelectContext(ctx, &page.Data, q, args...); err != nil {
		return page, err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		page.NextCursor = encodeCursor(cursor{N: page.Data[limit-1].ID})
	}
	return page, nil
}
