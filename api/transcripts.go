package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// TranscriptStore streams exports (internal/store/transcripts.go);
// transcripts are read through ConversationStore.
type TranscriptStore interface {
	ExportClosed(ctx context.Context, from, to time.Time, queues []string, sink store.ExportSink) error
}

var transcriptColumns = []string{"created_at", "direction", "author", "body", "media_urls", "template", "status", "error_code", "twilio_sid", "message_id", "note"}

// conversationTranscript answers a conversation's transcript as JSON,
// CSV (one line per message) or plain text, as Accept asks; internal
// notes are marked in each (note: true, the note column, "[note]"). A
// supervisor's request for a conversation outside its queues is 404.
func (s *Server) conversationTranscript(c *fiber.Ctx) error {
	conv, _, err := s.supervisorConversation(c)
	if err != nil {
		return err
	}
	msgs, err := s.conversations.ListMessages(c.UserContext(), conv.ID)
	if err != nil {
		return err
	}
	switch c.Accepts(fiber.MIMEApplicationJSON, "text/csv", fiber.MIMETextPlain) {
	case "text/csv":
		return sendCSV(c, "transcript-"+conv.ID+".csv", transcriptColumns, len(msgs), func(i int) []string {
			m := msgs[i]
			code := ""
			if m.ErrorCode != nil {
				code = itoa(*m.ErrorCode)
			}
			return []string{m.CreatedAt.UTC().Format(time.RFC3339Nano), m.Direction, m.Author, m.Body,
				strings.Join(mediaURLs(m.Media), " "), templateName(m.Template), string(m.Status), code, str(m.TwilioSID), m.ID,
				strconv.FormatBool(m.Note)}
		})
	case fiber.MIMETextPlain:
		var b strings.Builder
		fmt.Fprintf(&b, "Conversation %s with %s, %s, opened %s", conv.ID, conv.CustomerE164, conv.State, conv.CreatedAt.UTC().Format(time.RFC3339))
		if conv.ClosedAt != nil {
			fmt.Fprintf(&b, ", closed %s (%s)", conv.ClosedAt.UTC().Format(time.RFC3339), str(conv.CloseReason))
		}
		b.WriteString("\n\n")
		for _, m := range msgs {
			marker := ""
			if m.Note { // an internal note: never sent to the customer
				marker = " [note]"
			}
			fmt.Fprintf(&b, "%s%s %s: %s", m.CreatedAt.UTC().Format(time.RFC3339), marker, m.Author, m.Body)
			for _, u := range mediaURLs(m.Media) {
				fmt.Fprintf(&b, " [media %s]", u)
			}
			if t := templateName(m.Template); t != "" {
				fmt.Fprintf(&b, " [template %s]", t)
			}
			if m.Direction == "outbound" {
				fmt.Fprintf(&b, " (%s)", m.Status)
			}
			b.WriteString("\n")
		}
		c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
		return c.SendString(b.String())
	}
	return c.JSON(fiber.Map{"conversation": conv, "messages": msgs})
}

func mediaURLs(media []domain.Media) []string {
	out := make([]string, 0, len(media))
	for _, m := range media {
		out = append(out, m.URL)
	}
	return out
}

func templateName(t *domain.TemplateUse) string {
	if t == nil {
		return ""
	}
	return t.Name
}

// exportConversations streams, as NDJSON, the conversations closed in
// [from, to) (a supervisor's: those of its queues), each line {"conversation": {...}, "messages": [...]}. The
// store reads a page of conversations at a time and messages row by row,
// and each conversation is flushed to the client as soon as it is
// written: memory does not grow with the export.
func (s *Server) exportConversations(c *fiber.Ctx) error {
	from, to, err := reportInterval(c)
	if err != nil {
		return err
	}
	sc, err := supervisorScope(c)
	if err != nil {
		return err
	}
	queues := sc.StoreQueues()
	c.Set(fiber.HeaderContentType, "application/x-ndjson")
	c.Set("X-Accel-Buffering", "no")
	if c.Method() == fiber.MethodHead {
		return nil
	}
	ctx := context.Background()
	if s.events != nil {
		ctx = s.events.Context() // ends when the server shuts down
	}
	sink := &ndjsonSink{conn: c.Context().Conn()}
	transcripts, logger := s.transcripts, s.logger
	// The stream runs once the handler has returned: nothing of c is used there.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		sink.w = w
		start := time.Now()
		err := transcripts.ExportClosed(ctx, from, to, queues, sink)
		if err == nil {
			err = sink.flush()
		}
		logger.Info("conversations export", "conversations", sink.conversations, "messages", sink.messages,
			"duration_ms", time.Since(start).Milliseconds(), "err", err)
	})
	return nil
}

// exportWriteTimeout bounds each write of an export: the server's
// WriteTimeout is set once per response, an export pushes it on as it goes.
const exportWriteTimeout = 30 * time.Second

// ndjsonSink writes an export as NDJSON, one conversation per line.
type ndjsonSink struct {
	w             *bufio.Writer
	conn          net.Conn
	first         bool
	conversations int
	messages      int
}

func (n *ndjsonSink) Conversation(c domain.Conversation) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	n.conversations++
	n.first = true
	n.w.WriteString(`{"conversation":`)
	n.w.Write(b)
	_, err = n.w.WriteString(`,"messages":[`)
	return err
}

func (n *ndjsonSink) Message(m domain.Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	n.messages++
	if !n.first {
		n.w.WriteByte(',')
	}
	n.first = false
	if _, err := n.w.Write(b); err != nil {
		return err
	}
	if n.messages%1000 == 0 {
		return n.flush()
	}
	return nil
}

func (n *ndjsonSink) EndConversation() error {
	if _, err := n.w.WriteString("]}\n"); err != nil {
		return err
	}
	if n.conversations%20 == 0 {
		return n.flush()
	}
	return nil
}

func (n *ndjsonSink) flush() error {
	if n.conn != nil {
		_ = n.conn.SetWriteDeadline(time.Now().Add(exportWriteTimeout))
	}
	return n.w.Flush()
}
