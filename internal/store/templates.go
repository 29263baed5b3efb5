package store

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

// ResourceTemplate is the audit log's name for templates.
const ResourceTemplate = "template"

const templateColumns = `id, name, category, default_language, created_at, updated_at`

type templateRow struct {
	ID              string    `db:"id"`
	Name            string    `db:"name"`
	Category        string    `db:"category"`
	DefaultLanguage string    `db:"default_language"`
	CreatedAt       time.Time `db:"created_at"`
	UpdatedAt       time.Time `db:"updated_at"`
}

type variantRow struct {
	TemplateID     string         `db:"template_id"`
	Language       string         `db:"language"`
	Body           string         `db:"body"`
	ContentSID     sql.NullString `db:"content_sid"`
	ApprovalStatus sql.NullString `db:"approval_status"`
}

func (r templateRow) template(vs []variantRow) domain.Template {
	t := domain.Template{ID: r.ID, Name: r.Name, Category: r.Category, DefaultLanguage: r.DefaultLanguage,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Variants: make([]domain.TemplateVariant, 0, len(vs))}
	for _, v := range vs {
		t.Variants = append(t.Variants, domain.TemplateVariant{Language: v.Language, Body: v.Body,
			ContentSID: v.ContentSID.String, ApprovalStatus: v.ApprovalStatus.String})
	}
	return t
}

// SaveOutcome says what SaveTemplateByName did.
type SaveOutcome int

const (
	Unchanged SaveOutcome = iota
	Created
	Updated
)

// CreateTemplate stores a normalized template (domain.NormalizeTemplate)
// with its variants. A taken name is a conflict.
func (s *Store) CreateTemplate(ctx context.Context, t domain.Template, audit Audit) (domain.Template, error) {
	var out domain.Template
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		out, err = insertTemplate(ctx, tx, t)
		if err != nil {
			return err
		}
		return WriteAudit(ctx, tx, audit, ActionCreate, ResourceTemplate, out.ID)
	})
	return out, err
}

// ListTemplates returns every template with its variants, by name.
func (s *Store) ListTemplates(ctx context.Context) ([]domain.Template, error) {
	var rows []templateRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+templateColumns+` FROM templates ORDER BY name COLLATE "C"`); err != nil {
		return nil, err
	}
	var vs []variantRow
	if err := s.db.SelectContext(ctx, &vs, `
		SELECT template_id, language, body, content_sid, approval_status FROM template_variants ORDER BY language COLLATE "C"`); err != nil {
		return nil, err
	}
	byTemplate := map[string][]variantRow{}
	for _, v := range vs {
		byTemplate[v.TemplateID] = append(byTemplate[v.TemplateID], v)
	}
	out := make([]domain.Template, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.template(byTemplate[r.ID]))
	}
	return out, nil
}

// GetTemplate returns one template by id.
func (s *Store) GetTemplate(ctx context.Context, id string) (domain.Template, error) {
	if !validUUID(id) {
		return domain.Template{}, domain.Errorf(domain.CodeNotFound, "template %s not found", id)
	}
	return getTemplate(ctx, s.db, `id = $1`, id, false)
}

// TemplateByName returns one template by name.
func (s *Store) TemplateByName(ctx context.Context, name string) (domain.Template, error) {
	return getTemplate(ctx, s.db, `name = $1`, name, false)
}

// UpdateTemplate locks a template, lets change edit it (the caller applies
// its patch and normalizes) and writes it back with its variants.
func (s *Store) UpdateTemplate(ctx context.Context, id string, change func(*domain.Template) error, audit Audit) (domain.Template, error) {
	if !validUUID(id) {
		return domain.Template{}, domain.Errorf(domain.CodeNotFound, "template %s not found", id)
	}
	var out domain.Template
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		cur, err := getTemplate(ctx, tx, `id = $1`, id, true)
		if err != nil {
			return err
		}
		if err := change(&cur); err != nil {
			return err
		}
		if out, err = updateTemplate(ctx, tx, cur); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, audit, ActionUpdate, ResourceTemplate, id)
	})
	return out, err
}

// SaveTemplateByName creates or updates the template called name in one
// transaction: build gets the current template (exists false: none yet) and
// returns the one to store, normalized. Nothing is written when it equals
// the current one.
func (s *Store) SaveTemplateByName(ctx context.Context, name string, build func(cur domain.Template, exists bool) (domain.Template, error), audit Audit) (domain.Template, SaveOutcome, error) {
	var out domain.Template
	outcome := Unchanged
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		cur, err := getTemplate(ctx, tx, `name = $1`, name, true)
		exists := err == nil
		if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
			return err
		}
		next, err := build(cur, exists)
		if err != nil {
			return err
		}
		switch {
		case !exists:
			if out, err = insertTemplate(ctx, tx, next); err != nil {
				return err
			}
			outcome = Created
			return WriteAudit(ctx, tx, audit, ActionCreate, ResourceTemplate, out.ID)
		case sameTemplate(cur, next):
			out = cur
			return nil
		default:
			next.ID = cur.ID
			if out, err = updateTemplate(ctx, tx, next); err != nil {
				return err
			}
			outcome = Updated
			return WriteAudit(ctx, tx, audit, ActionUpdate, ResourceTemplate, out.ID)
		}
	})
	return out, outcome, err
}

// DeleteTemplate removes a template and its variants. Messages already sent
// keep their copy of the template (name, language, variables).
func (s *Store) DeleteTemplate(ctx context.Context, id string, audit Audit) error {
	if !validUUID(id) {
		return domain.Errorf(domain.CodeNotFound, "template %s not found", id)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM templates WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.CodeNotFound, "template %s not found", id)
		}
		return WriteAudit(ctx, tx, audit, ActionDelete, ResourceTemplate, id)
	})
}

func getTemplate(ctx context.Context, q sqlx.QueryerContext, where, arg string, forUpdate bool) (domain.Template, error) {
	query := `SELECT ` + templateColumns + ` FROM templates WHERE ` + where
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var r templateRow
	if err := sqlx.GetContext(ctx, q, &r, query, arg); err != nil {
		return domain.Template{}, notFound(err, "template "+arg)
	}
	var vs []variantRow
	if err := sqlx.SelectContext(ctx, q, &vs, `
		SELECT template_id, language, body, content_sid, approval_status
		FROM template_variants WHERE template_id = $1 ORDER BY language COLLATE "C"`, r.ID); err != nil {
		return domain.Template{}, err
	}
	return r.template(vs), nil
}

func insertTemplate(ctx context.Context, tx *sqlx.Tx, t domain.Template) (domain.Template, error) {
	var r templateRow
	err := tx.GetContext(ctx, &r, `
		INSERT INTO templates (id, name, category, default_language) VALUES ($1, $2, $3, $4)
		RETURNING `+templateColumns, uuid.NewString(), t.Name, t.Category, t.DefaultLanguage)
	if err != nil {
		return domain.Template{}, templateWriteError(err)
	}
	if err := insertVariants(ctx, tx, r.ID, t.Variants); err != nil {
		return domain.Template{}, err
	}
	return getTemplate(ctx, tx, `id = $1`, r.ID, false)
}

func updateTemplate(ctx context.Context, tx *sqlx.Tx, t domain.Template) (domain.Template, error) {
	_, err := tx.ExecContext(ctx, `
		UPDATE templates SET name = $2, category = $3, default_language = $4, updated_at = now() WHERE id = $1`,
		t.ID, t.Name, t.Category, t.DefaultLanguage)
	if err != nil {
		return domain.Template{}, templateWriteError(err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM template_variants WHERE template_id = $1`, t.ID); err != nil {
		return domain.Template{}, err
	}
	if err := insertVariants(ctx, tx, t.ID, t.Variants); err != nil {
		return domain.Template{}, err
	}
	return getTemplate(ctx, tx, `id = $1`, t.ID, false)
}

func insertVariants(ctx context.Context, tx *sqlx.Tx, templateID string, vs []domain.TemplateVariant) error {
	for _, v := range vs {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO template_variants (template_id, language, body, content_sid, approval_status)
			VALUES ($1, $2, $3, $4, $5)`,
			templateID, v.Language, v.Body, nullString(v.ContentSID), nullString(v.ApprovalStatus))
		if err != nil {
			return err
		}
	}
	return nil
}

// sameTemplate compares what an admin or a sync can change.
func sameTemplate(a, b domain.Template) bool {
	return a.Name == b.Name && a.Category == b.Category && a.DefaultLanguage == b.DefaultLanguage &&
		reflect.DeepEqual(a.Variants, b.Variants)
}

func templateWriteError(err error) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" && pqErr.Constraint == "templates_name_key" {
		return domain.Errorf(domain.CodeConflict, "name: a template with this name already exists")
	}
	return err
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
