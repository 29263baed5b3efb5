package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/lib/pq"
)

// ExportSink receives an export as it is read: each conversation, then its
// messages in order, then the conversation's end. An error stops the
// export (the client went away).
type ExportSink interface {
	Conversation(c ExportedConversation) error
	Message(m ExportedMessage) error
	EndConversation() error
}

// ExportedConversation is a conversation as exports and transcripts show it.
type ExportedConversation struct {
	ID           string     `db:"id" json:"id"`
	WorkflowID   string     `db:"workflow_id" json:"workflow_id"`
	AccountID    string     `db:"account_id" json:"account_id"`
	NumberID     string     `db:"number_id" json:"number_id"`
	CustomerE164 string     `db:"customer_e164" json:"customer_e164"`
	ProfileName  string     `db:"profile_name" json:"profile_name"`
	WorkstreamID *string    `db:"workstream_id" json:"workstream_id"`
	QueueID      *string    `db:"queue_id" json:"queue_id"`
	AgentID      *string    `db:"agent_id" json:"agent_id"`
	State        string     `db:"state" json:"state"`
	SurveyScore  *int       `db:"survey_score" json:"survey_score"`
	CloseReason  *string    `db:"close_reason" json:"close_reason"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
	ClosedAt     *time.Time `db:"closed_at" json:"closed_at"`
}

// ExportedMessage is one line of a transcript.
type ExportedMessage struct {
	ID        string    `db:"id" json:"id"`
	Direction string    `db:"direction" json:"direction"`
	Author    string    `db:"author" json:"author"`
	Body      string    `db:"body" json:"body"`
	Media     RawJSON   `db:"media" json:"media"`
	Template  RawJSON   `db:"template" json:"template"`
	TwilioSID *string   `db:"twilio_sid" json:"twilio_sid"`
	Status    string    `db:"status" json:"status"`
	ErrorCode *int      `db:"error_code" json:"error_code"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// RawJSON is a jsonb column passed through as is (null when NULL).
type RawJSON []byte

// Scan copies the column's bytes (the driver reuses its buffer).
func (r *RawJSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*r = nil
	case []byte:
		*r = append((*r)[:0], v...)
	case string:
		*r = append((*r)[:0], v...)
	default:
		return fmt.Errorf("RawJSON: cannot scan %T", src)
	}
	return nil
}

// MarshalJSON writes the stored JSON, or null.
func (r RawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

const exportConversationColumns = `id, workflow_id, account_id, number_id, customer_e164, profile_name, workstream_id,
	queue_id, agent_id, state, survey_score, close_reason, created_at, closed_at`

const exportMessageColumns = `id, direction, author, body, media, template, twilio_sid, status, error_code, created_at`

const exportMessageColumnsM = `m.id, m.direction, m.author, m.body, m.media, m.template, m.twilio_sid, m.status, m.error_code, m.created_at`

// exportPage is how many conversations one export query reads: memory
// holds one page of conversations and one message at a time.
var exportPage = 100

// ExportClosed streams the conversations closed in [from, to), oldest
// close first, each with its messages, into sink. Conversations are read a
// page at a time (keyset on closed_at, id) and messages row by row, so the
// memory used does not grow with the export.
func (s *Store) ExportClosed(ctx context.Context, from, to time.Time, sink ExportSink) error {
	var after *ExportedConversation
	for {
		page := []ExportedConversation{}
		q := `SELECT ` + exportConversationColumns + ` FROM conversations
			WHERE state = 'closed' AND closed_at >= $1 AND closed_at < $2`
		args := []any{from, to}
		if after != nil {
			q += ` AND (closed_at, id) > ($3, $4)`
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
func (s *Store) exportPage(ctx context.Context, page []ExportedConversation, sink ExportSink) error {
	ids := make([]string, len(page))
	for i, c := range page {
		ids[i] = c.ID
	}
	rows, err := s.db.QueryxContext(ctx, `SELECT m.conversation_id, `+exportMessageColumnsM+`
		FROM unnest($1::uuid[]) WITH ORDINALITY AS p(id, ord) JOIN messages m ON m.conversation_id = p.id
		ORDER BY p.ord, m.created_at, m.id`, pq.Array(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	next := 0 // the next conversation of the page to open
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
		var m struct {
			ConversationID string `db:"conversation_id"`
			ExportedMessage
		}
		if err := rows.StructScan(&m); err != nil {
			return err
		}
		if m.ConversationID != current {
			current = m.ConversationID
			if err := open(current); err != nil {
				return err
			}
		}
		if err := sink.Message(m.ExportedMessage); err != nil {
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

// Transcript is a conversation and its messages, oldest first.
func (s *Store) Transcript(ctx context.Context, id string) (ExportedConversation, []ExportedMessage, error) {
	var c ExportedConversation
	msgs := []ExportedMessage{}
	if !validUUID(id) {
		return c, msgs, notFound(sql.ErrNoRows, "conversation "+id)
	}
	if err := s.db.GetContext(ctx, &c, `SELECT `+exportConversationColumns+` FROM conversations WHERE id = $1`, id); err != nil {
		return c, msgs, notFound(err, "conversation "+id)
	}
	err := s.db.SelectContext(ctx, &msgs, `SELECT `+exportMessageColumns+` FROM messages
		WHERE conversation_id = $1 ORDER BY created_at, id`, id)
	return c, msgs, err
}
