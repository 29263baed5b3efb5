package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// CampaignForSend returns the campaign as its sender sees it.
func (s *Store) CampaignForSend(ctx context.Context, id string) (domain.CampaignSend, error) {
	var c domain.CampaignSend
	err := s.db.GetContext(ctx, &c, `
		SELECT c.id, c.account_id, n.e164, c.body, c.content_sid, c.rate_per_second, c.status, c.start_at,
			coalesce(c.quiet_hours::text, '') AS quiet_hours, c.throttled_until
		FROM campaigns c JOIN numbers n ON n.id = c.number_id WHERE c.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return c, domain.Errorf(domain.CodeNotFound, "campaign %s not found", id)
	}
	if err == nil && c.QuietJSON != "" {
		var q domain.QuietHours
		if json.Unmarshal([]byte(c.QuietJSON), &q) == nil {
			c.Quiet = &q
		}
	}
	return c, err
}

// NextCampaignRecipient returns the first recipient, in list order, that
// is due: pending (or deferred until now), or claimed by a send that never
// finished (state sending: resolve before sending again). Skip says the
// number is on the account's opt-out list or known undeliverable. With
// none due, next is when the earliest deferred one is (nil: none left).
func (s *Store) NextCampaignRecipient(ctx context.Context, campaignID, accountID string) (r domain.DueRecipient, found bool, next *time.Time, err error) {
	err = s.db.GetContext(ctx, &r, `
		SELECT r.seq, r.to_e164, r.variables, r.time_zone, r.state, r.claimed_at,
			CASE WHEN o.e164 IS NOT NULL THEN 'opted_out'
			     WHEN u.e164 IS NOT NULL THEN 'skipped:' || u.error_code ELSE '' END AS skip
		FROM campaign_recipients r
		LEFT JOIN opt_outs o ON o.account_id = $2 AND o.e164 = r.to_e164
		LEFT JOIN undeliverable_numbers u ON u.account_id = $2 AND u.e164 = r.to_e164
		WHERE r.campaign_id = $1 AND r.state IN ('pending', 'sending')
		AND (r.not_before IS NULL OR r.not_before <= now())
		ORDER BY r.seq LIMIT 1`, campaignID, accountID)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.db.GetContext(ctx, &next, `SELECT min(not_before) FROM campaign_recipients
			WHERE campaign_id = $1 AND state IN ('pending', 'sending')`, campaignID)
		return r, false, next, err
	}
	if err != nil {
		return r, false, nil, err
	}
	err = json.Unmarshal([]byte(r.VarsJSON), &r.Variables)
	return r, true, nil, err
}

// InFlightCampaignRecipients returns a campaign's recipients whose send
// was claimed and never finished (state sending), in list order: a
// cancelled campaign resolves each before it ends.
func (s *Store) InFlightCampaignRecipients(ctx context.Context, campaignID string) ([]domain.DueRecipient, error) {
	var rs []domain.DueRecipient
	err := s.db.SelectContext(ctx, &rs, `
		SELECT seq, to_e164, variables, time_zone, state, claimed_at, '' AS skip
		FROM campaign_recipients WHERE campaign_id = $1 AND state = 'sending' ORDER BY seq`, campaignID)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if err := json.Unmarshal([]byte(rs[i].VarsJSON), &rs[i].Variables); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// ClaimCampaignRecipient marks a recipient as being sent to, before the
// request leaves: a send that dies after this is resolved by looking,
// never resent blindly. prev is nil for a pending recipient, else the
// claim being taken over (resolved: Twilio did not create it), compared
// and set so that two senders never both claim one recipient. False: the
// recipient was not as expected any more.
func (s *Store) ClaimCampaignRecipient(ctx context.Context, campaignID string, seq int, prev *time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE campaign_recipients SET state = 'sending', claimed_at = clock_timestamp(), updated_at = now()
		WHERE campaign_id = $1 AND seq = $2
		AND (($3::timestamptz IS NULL AND state = 'pending') OR (state = 'sending' AND claimed_at = $3))`, campaignID, seq, prev)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishCampaignRecipient records a recipient's outcome unless a status
// callback recorded it first (the SID is then kept: it is Twilio's).
func (s *Store) FinishCampaignRecipient(ctx context.Context, campaignID string, seq int, o domain.RecipientOutcome) error {
	var sid, delivery, reason any
	if o.SID != "" {
		sid = o.SID
	}
	if o.Delivery != "" {
		delivery = string(o.Delivery)
	}
	if o.Reason != "" {
		reason = o.Reason
	}
	var code any
	if o.ErrorCode != 0 {
		code = o.ErrorCode
	}
	_, err := s.db.ExecContext(ctx, `
		UPDATE campaign_recipients SET state = $3, twilio_sid = coalesce(twilio_sid, $4),
			delivery = coalesce(delivery, $5), error_code = coalesce(error_code, $6), skip_reason = $7,
			not_before = $8, sent_at = CASE WHEN $3 = 'sent' THEN now() END,
			claimed_at = CASE WHEN $3 = 'pending' THEN NULL ELSE claimed_at END, updated_at = now()
		WHERE campaign_id = $1 AND seq = $2 AND state IN ('pending', 'sending')`,
		campaignID, seq, o.State, sid, delivery, code, reason, o.NotBefore)
	return err
}

// CampaignSIDOwned reports whether a campaign recipient or a conversation
// message already has this Twilio SID (a lookup must not take another
// send's message for this one).
func (s *Store) CampaignSIDOwned(ctx context.Context, sid string) (bool, error) {
	var owned bool
	err := s.db.GetContext(ctx, &owned, `SELECT EXISTS (SELECT 1 FROM campaign_recipients WHERE twilio_sid = $1)
		OR EXISTS (SELECT 1 FROM messages WHERE twilio_sid = $1)`, sid)
	return owned, err
}

// ThrottleCampaign holds a campaign's sends until until (Twilio said 429).
func (s *Store) ThrottleCampaign(ctx context.Context, id string, until time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE campaigns SET throttled_until = $2, updated_at = now() WHERE id = $1`, id, until)
	return err
}

// StartScheduledCampaign moves a scheduled campaign to running once its
// start time has come.
func (s *Store) StartScheduledCampaign(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE campaigns SET status = 'running', updated_at = now()
		WHERE id = $1 AND status = 'scheduled' AND (start_at IS NULL OR start_at <= now())`, id)
	return err
}

// EndCampaign completes a running campaign, or closes a cancelled one:
// its recipients not sent to are skipped (reason "cancelled").
func (s *Store) EndCampaign(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE campaign_recipients SET state = 'skipped', skip_reason = 'cancelled', updated_at = now()
			WHERE campaign_id = $1 AND state = 'pending'
			AND EXISTS (SELECT 1 FROM campaigns WHERE id = $1 AND status = 'cancelled')`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = 'completed', completed_at = now(), updated_at = now()
			WHERE id = $1 AND status = 'running'`, id)
		return err
	})
}

// LinkCampaignSID records, from a status callback whose URL names the
// recipient (campaign=<id>&recipient=<seq>), the SID of a send whose sender
// died before recording it.
func (s *Store) LinkCampaignSID(ctx context.Context, accountID, campaignID, seq, sid string) (bool, error) {
	n, err := strconv.Atoi(seq)
	if err != nil || !validUUID(campaignID) || !validUUID(accountID) {
		return false, nil
	}
	res, err := s.db.ExecContext(ctx, `
		UPDATE campaign_recipients r SET twilio_sid = $4, state = 'sent', sent_at = now(), updated_at = now()
		FROM campaigns c
		WHERE r.campaign_id = $2 AND r.seq = $3 AND r.twilio_sid IS NULL AND r.state IN ('pending', 'sending')
		AND c.id = r.campaign_id AND c.account_id = $1
		AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE twilio_sid = $4)`, accountID, campaignID, n, sid)
	if err != nil {
		return false, err
	}
	k, _ := res.RowsAffected()
	return k == 1, nil
}

// CampaignStatusUpdate is what a status callback changed on a recipient.
type CampaignStatusUpdate struct {
	Known bool
	To    string
}

// ApplyCampaignStatus applies a status callback to the campaign recipient
// with this SID: delivery only moves forward (callbacks come out of order
// and twice), a failure marks the recipient failed with its code, and a
// final recipient error marks the number undeliverable for the account.
func (s *Store) ApplyCampaignStatus(ctx context.Context, accountID, sid string, status domain.MessageStatus, code int) (CampaignStatusUpdate, error) {
	var up CampaignStatusUpdate
	if !validUUID(accountID) {
		return up, nil
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var cur struct {
			CampaignID string         `db:"campaign_id"`
			Seq        int            `db:"seq"`
			To         string         `db:"to_e164"`
			Delivery   sql.NullString `db:"delivery"`
		}
		err := tx.GetContext(ctx, &cur, `SELECT r.campaign_id, r.seq, r.to_e164, r.delivery FROM campaign_recipients r
			JOIN campaigns c ON c.id = r.campaign_id AND c.account_id = $1
			WHERE r.twilio_sid = $2 FOR UPDATE OF r`, accountID, sid)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		up = CampaignStatusUpdate{Known: true, To: cur.To}
		if status.IsFailure() {
			if _, err := tx.ExecContext(ctx, `UPDATE campaign_recipients SET state = 'failed', delivery = $3,
				error_code = nullif($4, 0), updated_at = now() WHERE campaign_id = $1 AND seq = $2`,
				cur.CampaignID, cur.Seq, string(status), code); err != nil {
				return err
			}
			if domain.IsFinalRecipientError(code) {
				return markUndeliverable(ctx, tx, accountID, cur.To, code)
			}
			return nil
		}
		newRank, _ := domain.StatusRank(status)
		oldRank, _ := domain.StatusRank(domain.MessageStatus(cur.Delivery.String))
		if cur.Delivery.Valid && oldRank >= newRank {
			return nil
		}
		if _, err = tx.ExecContext(ctx, `UPDATE campaign_recipients SET delivery = $3, updated_at = now()
			WHERE campaign_id = $1 AND seq = $2 AND state = 'sent'`, cur.CampaignID, cur.Seq, string(status)); err != nil {
			return err
		}
		// Its copy in a reply's transcript follows.
		_, err = tx.ExecContext(ctx, `UPDATE messages SET status = $2, updated_at = now()
			WHERE twilio_sid = $1 AND author = $3`, sid, string(status), domain.AuthorCampaign)
		return err
	})
	return up, err
}

// MarkUndeliverable records that Twilio refused this number for good.
func (s *Store) MarkUndeliverable(ctx context.Context, accountID, e164 string, code int) error {
	return markUndeliverable(ctx, s.db, accountID, e164, code)
}

func markUndeliverable(ctx context.Context, db sqlx.ExecerContext, accountID, e164 string, code int) error {
	_, err := db.ExecContext(ctx, `INSERT INTO undeliverable_numbers (account_id, e164, error_code) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, e164) DO UPDATE SET error_code = EXCLUDED.error_code, created_at = now()`, accountID, e164, code)
	return err
}

// RecordCampaignReply marks the latest campaign message sent from number
// to customer within domain.CampaignReplyWindow as replied, once, and
// returns its campaign's id and name ("" when the customer got none).
func (s *Store) RecordCampaignReply(ctx context.Context, numberID, customer string) (id, name string, err error) {
	err = s.db.QueryRowContext(ctx, `
		WITH last AS (
			SELECT r.campaign_id, r.seq FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
			WHERE r.to_e164 = $2 AND r.state = 'sent' AND c.number_id = $1 AND r.sent_at > now() - $3::interval
			ORDER BY r.sent_at DESC LIMIT 1)
		UPDATE campaign_recipients r SET replied_at = coalesce(r.replied_at, now()), updated_at = now()
		FROM last, campaigns c
		WHERE r.campaign_id = last.campaign_id AND r.seq = last.seq AND c.id = r.campaign_id
		RETURNING c.id, c.name`, numberID, customer, replyWindow()).Scan(&id, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return id, name, err
}

// replyWindow is domain.CampaignReplyWindow as a PostgreSQL interval.
func replyWindow() string {
	return strconv.FormatInt(int64(domain.CampaignReplyWindow/time.Second), 10) + " seconds"
}

// CampaignReplyLink returns the campaign message a customer's message to
// number answers: the last one sent from that number to that customer
// within domain.CampaignReplyWindow, unless it is in a conversation's
// transcript already (an earlier reply opened that conversation). nil:
// none.
func (s *Store) CampaignReplyLink(ctx context.Context, numberID, customer string) (*domain.CampaignLink, error) {
	if !validUUID(numberID) {
		return nil, nil
	}
	var row struct {
		CampaignID   string     `db:"campaign_id"`
		Name         string     `db:"name"`
		Seq          int        `db:"seq"`
		SID          string     `db:"twilio_sid"`
		VarsJSON     string     `db:"variables"`
		Body         string     `db:"body"`
		TemplateName string     `db:"template_name"`
		Language     string     `db:"language"`
		ContentSID   string     `db:"content_sid"`
		Delivery     string     `db:"delivery"`
		SentAt       *time.Time `db:"sent_at"`
	}
	err := s.db.GetContext(ctx, &row, `
		WITH last AS (
			SELECT r.campaign_id, c.name, r.seq, r.twilio_sid, r.variables::text AS variables, c.body,
				c.template_name, c.language, c.content_sid, coalesce(r.delivery, 'sent') AS delivery, r.sent_at
			FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
			WHERE r.to_e164 = $2 AND r.state = 'sent' AND c.number_id = $1 AND r.twilio_sid IS NOT NULL
			AND r.sent_at > now() - $3::interval
			ORDER BY r.sent_at DESC LIMIT 1)
		SELECT * FROM last WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.twilio_sid = last.twilio_sid)`,
		numberID, customer, replyWindow())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var vars []string
	if err := json.Unmarshal([]byte(row.VarsJSON), &vars); err != nil {
		return nil, err
	}
	body, err := domain.RenderTemplate(row.Body, vars)
	if err != nil {
		body = row.Body
	}
	l := &domain.CampaignLink{CampaignID: row.CampaignID, CampaignName: row.Name, Seq: row.Seq, SID: row.SID, Body: body,
		Template: &domain.TemplateUse{Name: row.TemplateName, Language: row.Language, Variables: vars, ContentSID: row.ContentSID},
		Status:   domain.MessageStatus(row.Delivery)}
	if row.SentAt != nil {
		l.SentAt = row.SentAt.UTC()
	}
	return l, nil
}

// RecipientState returns a recipient's state.
func (s *Store) RecipientState(ctx context.Context, campaignID string, seq int) (string, error) {
	var state string
	err := s.db.GetContext(ctx, &state, `SELECT state FROM campaign_recipients WHERE campaign_id = $1 AND seq = $2`, campaignID, seq)
	return state, err
}
