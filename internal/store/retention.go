package store

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// purgeStatements delete up to $2 rows older than $1 each, one short
// statement (and transaction) per kind, so that a purge never holds locks
// for long. Inbox rows Temporal has not taken yet are never purged.
var purgeStatements = []struct {
	kind string
	sql  string
}{
	{"messages", `DELETE FROM messages WHERE id IN (
		SELECT id FROM messages WHERE created_at < $1 ORDER BY created_at LIMIT $2)`},
	{"inbox", `DELETE FROM inbound_inbox WHERE id IN (
		SELECT id FROM inbound_inbox WHERE received_at < $1 AND signalled_at IS NOT NULL ORDER BY received_at LIMIT $2)`},
	{"status_events", `DELETE FROM message_status_events WHERE ctid IN (
		SELECT ctid FROM message_status_events WHERE received_at < $1 ORDER BY received_at LIMIT $2)`},
	{"conversations", `DELETE FROM conversations WHERE id IN (
		SELECT id FROM conversations WHERE state = 'closed' AND closed_at < $1 ORDER BY closed_at LIMIT $2)`},
	{"agent_events", `DELETE FROM agent_events WHERE id IN (
		SELECT id FROM agent_events WHERE created_at < $1 ORDER BY created_at LIMIT $2)`},
	{"supervisor_events", `DELETE FROM supervisor_events WHERE id IN (
		SELECT id FROM supervisor_events WHERE created_at < $1 ORDER BY created_at LIMIT $2)`},
	{"contacts", `DELETE FROM contacts WHERE id IN (
		SELECT c.id FROM contacts c WHERE c.last_seen_at < $1
		AND NOT EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = c.id) LIMIT $2)`},
}

// PurgeBefore deletes up to limit rows of each kind older than before:
// messages, delivered inbox rows, status events, closed conversations,
// agent and supervisor events and contacts left without conversations. Call it until the
// result's Total is 0.
func (s *Store) PurgeBefore(ctx context.Context, before time.Time, limit int) (domain.PurgeResult, error) {
	var r domain.PurgeResult
	counts := []*int64{&r.Messages, &r.Inbox, &r.StatusEvents, &r.Conversations, &r.AgentEvents, &r.SupervisorEvents, &r.Contacts}
	for i, st := range purgeStatements {
		res, err := s.db.ExecContext(ctx, st.sql, before, limit)
		if err != nil {
			return r, fmt.Errorf("purge %s: %w", st.kind, err)
		}
		*counts[i], _ = res.RowsAffected()
	}
	return r, nil
}
