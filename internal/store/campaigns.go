package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

// ResourceCampaign is the audit log's name for campaigns.
const ResourceCampaign = "campaign"

// NewCampaign is a campaign to store with its recipients; the template is
// resolved already (Body and ContentSID are what goes out).
type NewCampaign struct {
	ID            string
	AccountID     string
	NumberID      string
	TemplateID    string
	Name          string
	TemplateName  string
	Language      string
	Body          string
	ContentSID    string
	RatePerSecond float64
	StartAt       *time.Time
	QuietHours    *domain.QuietHours
}

type campaignRow struct {
	ID            string         `db:"id"`
	AccountID     string         `db:"account_id"`
	NumberID      string         `db:"number_id"`
	TemplateID    string         `db:"template_id"`
	Name          string         `db:"name"`
	TemplateName  string         `db:"template_name"`
	Language      string         `db:"language"`
	RatePerSecond float64        `db:"rate_per_second"`
	StartAt       *time.Time     `db:"start_at"`
	QuietHours    sql.NullString `db:"quiet_hours"`
	Status        string         `db:"status"`
	Total         int            `db:"total"`
	CreatedAt     time.Time      `db:"created_at"`
	UpdatedAt     time.Time      `db:"updated_at"`
	CompletedAt   *time.Time     `db:"completed_at"`
}

const campaignColumns = `id, account_id, number_id, template_id, name, template_name, language, rate_per_second,
	start_at, quiet_hours, status, total, created_at, updated_at, completed_at`

func (r campaignRow) campaign() domain.Campaign {
	c := domain.Campaign{ID: r.ID, AccountID: r.AccountID, NumberID: r.NumberID, TemplateID: r.TemplateID, Name: r.Name,
		TemplateName: r.TemplateName, Language: r.Language, RatePerSecond: r.RatePerSecond, StartAt: r.StartAt,
		Status: r.Status, Total: r.Total, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, CompletedAt: r.CompletedAt}
	if r.QuietHours.Valid {
		var q domain.QuietHours
		if json.Unmarshal([]byte(r.QuietHours.String), &q) == nil {
			c.QuietHours = &q
		}
	}
	return c
}

// CreateCampaign stores a campaign and its recipients in one transaction
// (COPY: 100,000 rows take about a second). A campaign with this id
// already there (an idempotent retry) is returned as it is, with created
// false.
func (s *Store) CreateCampaign(ctx context.Context, nc NewCampaign, rs []domain.CampaignRecipient, a Audit) (domain.Campaign, bool, error) {
	status := domain.CampaignRunning
	if nc.StartAt != nil && nc.StartAt.After(time.Now()) {
		status = domain.CampaignScheduled
	}
	var quiet any
	if nc.QuietHours != nil {
		b, _ := json.Marshal(nc.QuietHours)
		quiet = string(b)
	}
	var row campaignRow
	created := true
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &row, `
			INSERT INTO campaigns (id, account_id, number_id, template_id, name, template_name, language, body, content_sid,
				rate_per_second, start_at, quiet_hours, status, total)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (id) DO NOTHING
			RETURNING `+campaignColumns,
			nc.ID, nc.AccountID, nc.NumberID, nc.TemplateID, nc.Name, nc.TemplateName, nc.Language, nc.Body, nc.ContentSID,
			nc.RatePerSecond, nc.StartAt, quiet, status, len(rs))
		if errors.Is(err, sql.ErrNoRows) {
			created = false
			return tx.GetContext(ctx, &row, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`, nc.ID)
		}
		if err != nil {
			return constraintError(err)
		}
		stmt, err := tx.PrepareContext(ctx, `COPY campaign_recipients (campaign_id, seq, to_e164, variables, time_zone) FROM STDIN`)
		if err != nil {
			return err
		}
		for i, r := range rs {
			vars := r.Variables
			if vars == nil {
				vars = []string{}
			}
			b, _ := json.Marshal(vars)
			if _, err := stmt.ExecContext(ctx, nc.ID, i+1, r.To, string(b), r.TimeZone); err != nil {
				stmt.Close()
				return err
			}
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			stmt.Close()
			return err
		}
		if err := stmt.Close(); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, a, ActionCreate, ResourceCampaign, nc.ID)
	})
	return row.campaign(), created, err
}

// GetCampaign returns a campaign with its counts.
func (s *Store) GetCampaign(ctx context.Context, id string) (domain.Campaign, error) {
	var row campaignRow
	err := s.db.GetContext(ctx, &row, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
		return domain.Campaign{}, domain.Errorf(domain.CodeNotFound, "campaign %s not found", id)
	}
	if err != nil {
		return domain.Campaign{}, err
	}
	c := row.campaign()
	counts, err := s.campaignCounts(ctx, id)
	if err != nil {
		return c, err
	}
	c.Counts = &counts
	return c, nil
}

func (s *Store) campaignCounts(ctx context.Context, id string) (domain.CampaignCounts, error) {
	counts := domain.CampaignCounts{FailedBy: map[string]int{}}
	rows, err := s.db.QueryContext(ctx, `
		SELECT state, coalesce(delivery, ''), coalesce(error_code, 0), replied_at IS NOT NULL, count(*)
		FROM campaign_recipients WHERE campaign_id = $1
		GROUP BY 1, 2, 3, 4`, id)
	if err != nil {
		return counts, err
	}
	defer rows.Close()
	for rows.Next() {
		var state, delivery string
		var code, n int
		var replied bool
		if err := rows.Scan(&state, &delivery, &code, &replied, &n); err != nil {
			return counts, err
		}
		if replied {
			counts.Replied += n
		}
		switch state {
		case domain.RecipientPending, domain.RecipientSending:
			counts.Pending += n
		case domain.RecipientSent:
			counts.Sent += n
			switch delivery {
			case string(domain.StatusRead):
				counts.Read += n
				counts.Delivered += n
			case string(domain.StatusDelivered):
				counts.Delivered += n
			}
		case domain.RecipientFailed:
			counts.Failed += n
			counts.FailedBy[strconv.Itoa(code)] += n
		case domain.RecipientOptedOut:
			counts.OptedOut += n
		case domain.RecipientSkipped:
			counts.Skipped += n
		}
	}
	return counts, rows.Err()
}

// ListCampaigns returns the campaigns, newest first, without counts.
func (s *Store) ListCampaigns(ctx context.Context, limit int) ([]domain.Campaign, error) {
	var rows []campaignRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+campaignColumns+` FROM campaigns ORDER BY created_at DESC, id LIMIT $1`, limit); err != nil {
		return nil, err
	}
	out := make([]domain.Campaign, len(rows))
	for i, r := range rows {
		out[i] = r.campaign()
	}
	return out, nil
}

// SetCampaignStatus moves a campaign to status when it is in one of from;
// otherwise CONFLICT names the status it is in.
func (s *Store) SetCampaignStatus(ctx context.Context, id string, from []string, to string, a Audit) (domain.Campaign, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var cur string
		err := tx.GetContext(ctx, &cur, `SELECT status FROM campaigns WHERE id = $1 FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
			return domain.Errorf(domain.CodeNotFound, "campaign %s not found", id)
		}
		if err != nil {
			return err
		}
		ok := false
		for _, f := range from {
			ok = ok || f == cur
		}
		if !ok {
			return domain.Errorf(domain.CodeConflict, "the campaign is %s", cur)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = $2, updated_at = now(),
			completed_at = CASE WHEN $2 IN ('cancelled', 'completed') THEN now() END WHERE id = $1`, id, to); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, a, ActionUpdate, ResourceCampaign, id)
	})
	if err != nil {
		return domain.Campaign{}, err
	}
	return s.GetCampaign(ctx, id)
}

func isInvalidUUID(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "22P02"
}
