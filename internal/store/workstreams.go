package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

const workstreamColumns = `id, name, language, distribution, capacity_per_conversation, default_queue_id,
	automated_messages, survey, attachments, inactivity_timeout_ms, wrap_up_ms, operating_hours, bot,
	sla_policy_id, supervision_wait_threshold_ms, supervision_no_reply_after_ms, window_nudge, version, created_at, updated_at`

// workstreamRow is a workstream as stored: nested settings as JSON,
// durations in milliseconds (readable in SQL, independent of Go's format).
type workstreamRow struct {
	ID                      string    `db:"id"`
	Name                    string    `db:"name"`
	Language                string    `db:"language"`
	Distribution            string    `db:"distribution"`
	CapacityPerConversation int       `db:"capacity_per_conversation"`
	DefaultQueueID          *string   `db:"default_queue_id"`
	AutomatedMessages       []byte    `db:"automated_messages"`
	Survey                  []byte    `db:"survey"`
	Attachments             []byte    `db:"attachments"`
	InactivityTimeoutMS     int64     `db:"inactivity_timeout_ms"`
	WrapUpMS                int64     `db:"wrap_up_ms"`
	OperatingHours          []byte    `db:"operating_hours"`
	Bot                     []byte    `db:"bot"`
	SLAPolicyID             *string   `db:"sla_policy_id"`
	SupervisionWaitMS       *int64    `db:"supervision_wait_threshold_ms"`
	SupervisionNoReplyMS    *int64    `db:"supervision_no_reply_after_ms"`
	WindowNudge             []byte    `db:"window_nudge"`
	Version                 int       `db:"version"`
	CreatedAt               time.Time `db:"created_at"`
	UpdatedAt               time.Time `db:"updated_at"`
}

func (r workstreamRow) workstream() (domain.Workstream, error) {
	w := domain.Workstream{
		ID: r.ID, Name: r.Name, Language: r.Language, Distribution: r.Distribution,
		CapacityPerConversation: r.CapacityPerConversation, DefaultQueueID: r.DefaultQueueID, SLAPolicyID: r.SLAPolicyID,
		InactivityTimeout: domain.Duration(time.Duration(r.InactivityTimeoutMS) * time.Millisecond),
		WrapUp:            domain.Duration(time.Duration(r.WrapUpMS) * time.Millisecond),
		Version:           r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		AutomatedMessages: map[string]map[string]string{},
	}
	if r.SupervisionWaitMS != nil && r.SupervisionNoReplyMS != nil {
		w.Supervision = &domain.Supervision{
			WaitThreshold: domain.Duration(time.Duration(*r.SupervisionWaitMS) * time.Millisecond),
			NoReplyAfter:  domain.Duration(time.Duration(*r.SupervisionNoReplyMS) * time.Millisecond),
		}
	}
	for _, f := range []struct {
		raw []byte
		dst any
	}{
		{r.AutomatedMessages, &w.AutomatedMessages},
		{r.Survey, &w.Survey},
		{r.Attachments, &w.Attachments},
		{r.OperatingHours, &w.OperatingHours},
		{r.Bot, &w.Bot},
		{r.WindowNudge, &w.WindowNudge},
	} {
		if len(f.raw) == 0 {
			continue
		}
		if err := json.Unmarshal(f.raw, f.dst); err != nil {
			return w, fmt.Errorf("workstream %s: stored settings: %w", r.ID, err)
		}
	}
	return w, nil
}

// workstreamArgs are the column values of a (validated) workstream, from
// name to window_nudge, in workstreamColumns order.
func workstreamArgs(w domain.Workstream) ([]any, error) {
	msgs := w.AutomatedMessages
	if msgs == nil {
		msgs = map[string]map[string]string{}
	}
	jsonOrNull := func(v any, isNil bool) (any, error) {
		if isNil {
			return nil, nil
		}
		b, err := json.Marshal(v)
		return b, err
	}
	out := []any{w.Name, w.Language, w.Distribution, w.CapacityPerConversation, w.DefaultQueueID}
	for _, v := range []struct {
		v     any
		isNil bool
	}{
		{msgs, false}, {w.Survey, w.Survey == nil}, {w.Attachments, false},
	} {
		b, err := jsonOrNull(v.v, v.isNil)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	out = append(out, w.InactivityTimeout.D().Milliseconds(), w.WrapUp.D().Milliseconds())
	for _, v := range []struct {
		v     any
		isNil bool
	}{
		{w.OperatingHours, w.OperatingHours == nil}, {w.Bot, w.Bot == nil},
	} {
		b, err := jsonOrNull(v.v, v.isNil)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	var waitMS, noReplyMS *int64
	if sv := w.Supervision; sv != nil {
		wait, noReply := sv.WaitThreshold.D().Milliseconds(), sv.NoReplyAfter.D().Milliseconds()
		waitMS, noReplyMS = &wait, &noReply
	}
	nudge, err := jsonOrNull(w.WindowNudge, w.WindowNudge == nil)
	if err != nil {
		return nil, err
	}
	return append(out, w.SLAPolicyID, waitMS, noReplyMS, nudge), nil
}

// CreateWorkstream stores a validated workstream (domain.NormalizeWorkstream).
func (s *Store) CreateWorkstream(ctx context.Context, w domain.Workstream, a Audit) (domain.Workstream, error) {
	args, err := workstreamArgs(w)
	if err != nil {
		return w, err
	}
	var row workstreamRow
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &row, `
			INSERT INTO workstreams (id, name, language, distribution, capacity_per_conversation, default_queue_id,
				automated_messages, survey, attachments, inactivity_timeout_ms, wrap_up_ms, operating_hours, bot, sla_policy_id,
				supervision_wait_threshold_ms, supervision_no_reply_after_ms, window_nudge)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
			RETURNING `+workstreamColumns, append([]any{uuid.NewString()}, args...)...)
		if err != nil {
			return constraintError(err)
		}
		return WriteAudit(ctx, tx, a, ActionCreate, ResourceWorkstream, row.ID)
	})
	if err != nil {
		return w, err
	}
	return row.workstream()
}

// UpdateWorkstream replaces every setting of a workstream and bumps its
// version. When ifVersion is not 0 the update only applies to that version:
// a concurrent change makes it a conflict instead of being overwritten.
func (s *Store) UpdateWorkstream(ctx context.Context, id string, ifVersion int, w domain.Workstream, a Audit) (domain.Workstream, error) {
	if !validUUID(id) {
		return w, domain.Errorf(domain.CodeNotFound, "workstream %s not found", id)
	}
	args, err := workstreamArgs(w)
	if err != nil {
		return w, err
	}
	var row workstreamRow
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &row, `
			UPDATE workstreams SET name = $3, language = $4, distribution = $5, capacity_per_conversation = $6,
				default_queue_id = $7, automated_messages = $8, survey = $9, attachments = $10,
				inactivity_timeout_ms = $11, wrap_up_ms = $12, operating_hours = $13, bot = $14, sla_policy_id = $15,
				supervision_wait_threshold_ms = $16, supervision_no_reply_after_ms = $17, window_nudge = $18,
				version = version + 1, updated_at = now()
			WHERE id = $1 AND ($2 = 0 OR version = $2)
			RETURNING `+workstreamColumns, append([]any{id, ifVersion}, args...)...)
		if err != nil {
			err = constraintError(err)
			if isNoRows(err) {
				return versionConflict(ctx, tx, id, ifVersion)
			}
			return err
		}
		return WriteAudit(ctx, tx, a, ActionUpdate, ResourceWorkstream, id)
	})
	if err != nil {
		return w, err
	}
	return row.workstream()
}

func versionConflict(ctx context.Context, tx *sqlx.Tx, id string, ifVersion int) error {
	var current int
	if err := tx.GetContext(ctx, &current, `SELECT version FROM workstreams WHERE id = $1`, id); err != nil {
		return notFound(err, "workstream "+id)
	}
	return domain.Errorf(domain.CodeConflict, "the workstream changed meanwhile (version %d, not %d): reload it and apply your change again", current, ifVersion)
}

// ListWorkstreams returns every workstream by name.
func (s *Store) ListWorkstreams(ctx context.Context) ([]domain.Workstream, error) {
	var rows []workstreamRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+workstreamColumns+` FROM workstreams ORDER BY name, id`); err != nil {
		return nil, err
	}
	out := make([]domain.Workstream, 0, len(rows))
	for _, r := range rows {
		w, err := r.workstream()
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// GetWorkstream returns one workstream.
func (s *Store) GetWorkstream(ctx context.Context, id string) (domain.Workstream, error) {
	if !validUUID(id) {
		return domain.Workstream{}, domain.Errorf(domain.CodeNotFound, "workstream %s not found", id)
	}
	var row workstreamRow
	if err := s.db.GetContext(ctx, &row, `SELECT `+workstreamColumns+` FROM workstreams WHERE id = $1`, id); err != nil {
		return domain.Workstream{}, notFound(err, "workstream "+id)
	}
	return row.workstream()
}

// DeleteWorkstream removes a workstream and its routing rules, refused while
// a connected number uses it. Released numbers that pointed at it forget it.
func (s *Store) DeleteWorkstream(ctx context.Context, id string, a Audit) error {
	if !validUUID(id) {
		return domain.Errorf(domain.CodeNotFound, "workstream %s not found", id)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var name string
		if err := tx.GetContext(ctx, &name, `SELECT name FROM workstreams WHERE id = $1 FOR UPDATE`, id); err != nil {
			return notFound(err, "workstream "+id)
		}
		var nums []string
		if err := tx.SelectContext(ctx, &nums, `
			SELECT e164 FROM numbers WHERE workstream_id = $1 AND deleted_at IS NULL ORDER BY e164`, id); err != nil {
			return err
		}
		if len(nums) > 0 {
			return domain.Errorf(domain.CodeConflict, "workstream %q is used by number(s) %s: move them to another workstream first", name, strings.Join(nums, ", "))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE numbers SET workstream_id = NULL WHERE workstream_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM workstreams WHERE id = $1`, id); err != nil {
			return deleteRefused(err, "workstream "+name)
		}
		return WriteAudit(ctx, tx, a, ActionDelete, ResourceWorkstream, id)
	})
}

// lockWorkstream takes the workstream's row lock, serializing changes to it
// and its routing rules, and bumps its version: a rule change is a change
// of the workstream's behaviour.
func lockWorkstream(ctx context.Context, tx *sqlx.Tx, id string) error {
	if !validUUID(id) {
		return domain.Errorf(domain.CodeNotFound, "workstream %s not found", id)
	}
	var v int
	err := tx.GetContext(ctx, &v, `UPDATE workstreams SET version = version + 1, updated_at = now() WHERE id = $1 RETURNING version`, id)
	return notFound(err, "workstream "+id)
}
