package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// MediaStore keeps the files agents send (PostgreSQL: every api replica
// serves every file) and tells whether a workstream lets agents send them.
type MediaStore interface {
	SaveOutboundMedia(ctx context.Context, m domain.OutboundMedia) error
	GetOutboundMedia(ctx context.Context, id string) (domain.OutboundMedia, error)
	GetWorkstream(ctx context.Context, id string) (domain.Workstream, error)
}

const (
	// DefaultMediaURLTTL is how long the MediaUrl of an agent's file
	// answers: long enough for Twilio's fetch and its retries.
	DefaultMediaURLTTL = 24 * time.Hour
	// maxUploadBody is the body limit of the upload route alone: WhatsApp's
	// largest file and the multipart envelope around it.
	maxUploadBody = domain.MaxWhatsAppMedia + 64<<10
)

// uploadPath is the upload route, one of the few whose body may exceed
// maxBody (bodyLimits in body_limits.go).
var uploadPath = regexp.MustCompile(`^/api/v1/agent/conversations/[^/?]+/media$`)

// agentSendMedia sends a file (multipart `file`, optional `text` as its
// caption) in the agent's conversation: checked against WhatsApp's limits
// and the workstream's attachment switch before anything is stored or
// sent, stored in PostgreSQL, then sent with a signed, expiring MediaUrl
// that Twilio fetches anonymously (media_public.go). It answers like the
// messages route.
func (s *Server) agentSendMedia(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, false)
	if err != nil {
		return err
	}
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if conv.WorkstreamID != nil {
		ws, err := s.media.GetWorkstream(ctx, *conv.WorkstreamID)
		if err != nil {
			return err
		}
		if !ws.Attachments.Agent {
			return domain.Errorf(domain.CodeAttachmentsOff, "this workstream does not allow agents to send attachments")
		}
	}
	text := c.FormValue("text")
	if n := len([]rune(text)); n > maxTextRunes {
		return invalid("text is longer than %d characters, the most Twilio sends in one message", maxTextRunes)
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return invalid("a multipart/form-data body with a `file` part is required")
	}
	f, err := fh.Open()
	if err != nil {
		return invalid("the file part cannot be read: %s", err.Error())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxUploadBody))
	_ = f.Close()
	if err != nil {
		return invalid("the file part cannot be read: %s", err.Error())
	}
	name := cleanFilename(fh.Filename)
	ct := uploadContentType(fh.Header.Get(fiber.HeaderContentType), name)
	if err := domain.CheckWhatsAppMedia(ct, data); err != nil {
		return err
	}
	msgID := requestUUID(c)
	sum := sha256.Sum256(data)
	m := domain.OutboundMedia{
		// From the message id: a retried request (same Idempotency-Key)
		// stores and links the same file.
		ID:             uuid.NewSHA1(idempotencyNamespace, []byte("media:"+msgID)).String(),
		ConversationID: conv.ID,
		Filename:       name,
		ContentType:    domain.BareContentType(ct),
		Size:           len(data),
		SHA256:         hex.EncodeToString(sum[:]),
		Data:           data,
		ExpiresAt:      time.Now().Add(s.mediaURLTTL()).UTC(),
	}
	if err := s.media.SaveOutboundMedia(ctx, m); err != nil {
		return err
	}
	req := workflows.SendRequest{
		MessageID:      msgID,
		ConversationID: conv.ID,
		Author:         domain.AgentAuthor(me.ID),
		Text:           text,
		MediaURLs:      []string{s.signedMediaURL(m.ID, m.ExpiresAt)},
	}
	return agentWorkflowError(conv.ID, s.withTemplateChoices(ctx, s.send(c, conv.Conversation, req)))
}

func (s *Server) mediaURLTTL() time.Duration {
	if s.MediaURLTTL > 0 {
		return s.MediaURLTTL
	}
	return DefaultMediaURLTTL
}

// uploadContentType is the part's declared type or, when the browser
// said nothing useful, the one of the file's extension.
func uploadContentType(declared, name string) string {
	ct := domain.BareContentType(declared)
	if ct != "" && ct != "application/octet-stream" {
		return ct
	}
	if byExt := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); byExt != "" {
		return domain.BareContentType(byExt)
	}
	return ct
}

// cleanFilename keeps the base name, printable, at most 200 bytes: it is
// echoed in a Content-Disposition header.
func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" {
		name = ""
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return name
}
