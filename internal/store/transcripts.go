package store

import (
	"context"
	"strconv"
	"time"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

// ExportSink receives an export as it is read: each conversation, then its
// messages in order, then the conversation's end. An error stops the
// export (the client went away).
type ExportSink interface {
	Conversation(c domain.Conversation) error
	Message(m domain.Message) error
	EndConversation() error
}

// exportPage is how many conversations one export query reads: memory
// holds one page of conversations and one message at a time.
var exportPage = 100

// ExportClosed streams the conversations closed in [from, to) whose queue
// is one of queues (nil: every conversation), oldest close first, each with its messages, into sink. Conversations are read a
// page at a time (keyset on closed_at, id) and messages row by row, so the
// memory used does not grow with the export.
func (s *Store) ExportClosed(ctx context.Context, from, to time.Time, queues []string, sink ExportSink) error {
	var after *domain.Conversation
	for {
		page := []domain.Conversation{}
		q := `SELECT ` + conversationColumns + ` FROM conversations
			WHERE state = 'closed' AND closed_at >= $1 AND closed_at < $2
				AND ($3::uuid[] IS NULL OR queue_id = ANY($3::uuid[]))`
		args := []any{from, to, scopeArray(queues)}
		if after != nil {
			q += ` AND (closed_at, id) > ($4, $5)`
			args = append(args, *after.ClosedAt, after.ID)
		}
		q += ` ORDER BY closed_at, id LIMIT ` + strconv.Itoa(exportPage)
		if err := s.db.SelectContext(ctx, &page, q, args...); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := s.exportPage(ctx, page, sink); err != nil {
			return err
		}
		if len(page) < exportPage {
			return nil
		}
		after = &page[len(page)-1]
	}
}

// exportPage writes a page of conversations with their messages, read in
// one query row by row.
func (s *Store) exportPage(ctx context.Context, page []domain.Conversation, sink ExportSink) error {
	ids := make([]string, len(page))
	for i, c := range page {
		ids[i] = c.ID
	}
	rows, err := s.db.QueryxContext(ctx, `SELECT m.* FROM unnest($1::uuid[]) WITH ORDINALITY AS p(id, ord)
		CROSS JOIN LATERAL (SELECT `+messageColumns+` FROM messages WHERE conversation_id = p.id) m
		ORDER BY p.ord, m.created_at, m.id`, pq.Array(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	next := 0 // the next conversation of the page to open
	// open starts the page's conversations up to upTo ("": all that are
	// left), ending each previous one: conversations without messages
	// are exported too.
	open := func(upTo string) error {
		for next < len(page) {
			c := page[next]
			if next > 0 {
				if err := sink.EndConversation(); err != nil {
					return err
				}
			}
			next++
			if err := sink.Conversation(c); err != nil {
				return err
			}
			if c.ID == upTo {
				return nil
			}
		}
		return nil
	}
	current := ""
	for rows.Next() {
		var r messageRow
		if err := rows.StructScan(&r); err != nil {
			return err
		}
		m, err := r.decode()
		if err != nil {
			return err
		}
		if m.ConversationID != current {
			current = m.ConversationID
			if err := open(current); err != nil {
				return err
			}
		}
		if err := sink.Message(m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := open(""); err != nil {
		return err
	}
	return sink.EndConversation()
}
