package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// IdempotencyKey names one client request: who sent it (Scope, a hash of
// the credential), where (Route: method, pattern and path parameters) and
// the client's Idempotency-Key.
type IdempotencyKey struct {
	Scope string
	Route string
	Key   string
}

// StoredResponse is the first answer to an idempotency key, replayed to
// every retry.
type StoredResponse struct {
	Status  int
	Headers map[string]string
	Body    []byte
}

// ClaimState is what ClaimIdempotencyKey found.
type ClaimState int

const (
	// ClaimAcquired: run the request, then Complete or Release the claim.
	ClaimAcquired ClaimState = iota + 1
	// ClaimReplay: the request ran before; answer Claim.Response.
	ClaimReplay
	// ClaimRunning: the first request with this key is still running.
	ClaimRunning
	// ClaimMismatch: the key was used for another request body.
	ClaimMismatch
)

// Claim is the outcome of ClaimIdempotencyKey.
type Claim struct {
	State ClaimState
	// Owner identifies an acquired claim: only its owner completes it.
	Owner string
	// TakenOver: the key was held by a request whose lease ran out (its
	// process died, most likely); this request runs it again.
	TakenOver bool
	Response  StoredResponse
}

// IdempotencyTimes are the key's lifetime and a running claim's lease.
type IdempotencyTimes struct {
	// TTL: a key older than this is forgotten (treated as never seen).
	TTL time.Duration
	// Lease: a claim still running after this long may be taken over.
	Lease time.Duration
}

// idempotencyPurgeBatch is how many expired keys each claim deletes: more
// than the one row it may add, so the table never grows past a day of
// keys, without a purge job (retention is off by default).
const idempotencyPurgeBatch = 16

// ClaimIdempotencyKey looks the key up and, when it is new, expired, or
// held by a request whose lease ran out, claims it for this request in
// the same transaction (INSERT ... ON CONFLICT, then the row locked).
func (s *Store) ClaimIdempotencyKey(ctx context.Context, k IdempotencyKey, requestHash string, t IdempotencyTimes) (Claim, error) {
	owner := uuid.NewString()
	var claim Claim
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// Expired keys go a few at a time; SKIP LOCKED: claims never wait on each other here.
		if _, err := tx.ExecContext(ctx, `
			DELETE FROM idempotency_keys WHERE (scope, route, key) IN (
				SELECT scope, route, key FROM idempotency_keys
				WHERE created_at < now() - make_interval(secs => $1)
				ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
			t.TTL.Seconds(), idempotencyPurgeBatch); err != nil {
			return err
		}
		var err error
		claim, err = claimInTx(ctx, tx, k, requestHash, owner, t)
		return err
	})
	return claim, err
}

func claimInTx(ctx context.Context, tx *sqlx.Tx, k IdempotencyKey, requestHash, owner string, t IdempotencyTimes) (Claim, error) {
	acquired := Claim{State: ClaimAcquired, Owner: owner}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO idempotency_keys (scope, route, key, request_hash, state, owner)
		VALUES ($1, $2, $3, $4, 'running', $5)
		ON CONFLICT (scope, route, key) DO NOTHING`, k.Scope, k.Route, k.Key, requestHash, owner)
	if err != nil {
		return Claim{}, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return acquired, nil
	}
	var row struct {
		RequestHash string         `db:"request_hash"`
		State       string         `db:"state"`
		Status      sql.NullInt64  `db:"status"`
		Headers     []byte         `db:"headers"`
		Body        []byte         `db:"body"`
		Expired     bool           `db:"expired"`
		LeaseOver   bool           `db:"lease_over"`
		Owner       sql.NullString `db:"owner"`
	}
	// The conflicting row committed before the INSERT returned (it waits
	// for a concurrent insert), so it is there unless it was released or
	// purged since: then this request takes the key as new.
	err = tx.GetContext(ctx, &row, `
		SELECT request_hash, state, status, headers, body, owner,
			created_at < now() - make_interval(secs => $4) AS expired,
			locked_at < now() - make_interval(secs => $5) AS lease_over
		FROM idempotency_keys WHERE scope = $1 AND route = $2 AND key = $3 FOR UPDATE`,
		k.Scope, k.Route, k.Key, t.TTL.Seconds(), t.Lease.Seconds())
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.ExecContext(ctx, `
			INSERT INTO idempotency_keys (scope, route, key, request_hash, state, owner)
			VALUES ($1, $2, $3, $4, 'running', $5)`, k.Scope, k.Route, k.Key, requestHash, owner)
		return acquired, err
	}
	if err != nil {
		return Claim{}, err
	}
	switch {
	case row.Expired:
		// Older than the TTL: forgotten, this is a new request.
		_, err = tx.ExecContext(ctx, `
			UPDATE idempotency_keys SET request_hash = $4, state = 'running', owner = $5, status = NULL,
				headers = NULL, body = NULL, created_at = now(), locked_at = now(), completed_at = NULL
			WHERE scope = $1 AND route = $2 AND key = $3`, k.Scope, k.Route, k.Key, requestHash, owner)
		return acquired, err
	case row.RequestHash != requestHash:
		return Claim{State: ClaimMismatch}, nil
	case row.State == "done":
		resp := StoredResponse{Status: int(row.Status.Int64), Body: row.Body}
		if len(row.Headers) > 0 {
			if err := json.Unmarshal(row.Headers, &resp.Headers); err != nil {
				return Claim{}, err
			}
		}
		return Claim{State: ClaimReplay, Response: resp}, nil
	case row.LeaseOver:
		_, err = tx.ExecContext(ctx, `
			UPDATE idempotency_keys SET owner = $4, locked_at = now()
			WHERE scope = $1 AND route = $2 AND key = $3`, k.Scope, k.Route, k.Key, owner)
		acquired.TakenOver = true
		return acquired, err
	}
	return Claim{State: ClaimRunning}, nil
}

// CompleteIdempotencyKey stores the answer of an acquired claim. It
// reports false when the claim is no longer this owner's (its lease ran
// out and another request took it over: that request's answer is kept).
func (s *Store) CompleteIdempotencyKey(ctx context.Context, k IdempotencyKey, owner string, resp StoredResponse) (bool, error) {
	headers, err := json.Marshal(resp.Headers)
	if err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `
		UPDATE idempotency_keys SET state = 'done', status = $5, headers = $6, body = $7, completed_at = now()
		WHERE scope = $1 AND route = $2 AND key = $3 AND owner = $4 AND state = 'running'`,
		k.Scope, k.Route, k.Key, owner, resp.Status, headers, resp.Body)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReleaseIdempotencyKey forgets an acquired claim whose answer is not kept
// (a 5xx or a 429): the client's retry runs the request for real.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, k IdempotencyKey, owner string) error {
	_, err := s.db.ExecContext(ctx, `
		DELETE FROM idempotency_keys
		WHERE scope = $1 AND route = $2 AND key = $3 AND owner = $4 AND state = 'running'`,
		k.Scope, k.Route, k.Key, owner)
	return err
}
