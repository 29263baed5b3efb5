package store

import (
	"database/sql"
	"errors"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

// constraintErrors says, per constraint, what a violation on insert or
// update means to an API client, naming the field. Deletes refused by a
// foreign key are handled where they happen (deleteRefused).
var constraintErrors = map[string]*domain.Error{
	"queues_name_key":                   domain.Errorf(domain.CodeConflict, "name: a queue with this name already exists"),
	"workstreams_name_key":              domain.Errorf(domain.CodeConflict, "name: a workstream with this name already exists"),
	"workstreams_default_queue_id_fkey": domain.Errorf(domain.CodeInvalid, "default_queue_id: no such queue"),
	"numbers_workstream_fk":             domain.Errorf(domain.CodeInvalid, "workstream_id: no such workstream"),
	"numbers_e164_live_idx":             domain.Errorf(domain.CodeConflict, "e164: this number is already connected to an account"),
	"routing_rules_queue_id_fkey":       domain.Errorf(domain.CodeInvalid, "queue_id: no such queue"),
	"routing_rules_workstream_id_fkey":  domain.Errorf(domain.CodeNotFound, "workstream not found"),
	"workstreams_sla_policy_id_fkey":    domain.Errorf(domain.CodeInvalid, "sla_policy_id: no such service-level policy"),
	"routing_rules_sla_policy_id_fkey":  domain.Errorf(domain.CodeInvalid, "sla_policy_id: no such service-level policy"),
	"sla_policies_name_key":             domain.Errorf(domain.CodeConflict, "name: a service-level policy with this name already exists"),
}

// constraintError turns a PostgreSQL integrity violation into a domain
// error; other errors pass through.
func constraintError(err error) error {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return err
	}
	if e, ok := constraintErrors[pqErr.Constraint]; ok {
		return &domain.Error{Code: e.Code, Message: e.Message}
	}
	switch pqErr.Code {
	case "23505":
		return domain.Errorf(domain.CodeConflict, "already exists (%s)", pqErr.Constraint)
	case "23503":
		return domain.Errorf(domain.CodeInvalid, "refers to something that does not exist (%s)", pqErr.Constraint)
	case "23514":
		return domain.Errorf(domain.CodeInvalid, "a value is out of range (%s)", pqErr.Constraint)
	}
	return err
}

// deleteRefused maps a foreign key violation on delete (a row added a
// reference between our check and the delete) to a conflict.
func deleteRefused(err error, what string) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23503" {
		return domain.Errorf(domain.CodeConflict, "%s is still in use (%s); remove the references first", what, pqErr.Table)
	}
	return err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
