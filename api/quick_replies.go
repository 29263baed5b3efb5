package api

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// AgentKitStore is what quick replies, labels and customer profiles
// (quick_replies.go, labels.go, customer_profiles.go) need of the store.
type AgentKitStore interface {
	CreateQuickReply(ctx context.Context, in store.QuickReplyInput, a store.Audit) (domain.QuickReply, error)
	ListQuickReplies(ctx context.Context) ([]domain.QuickReply, error)
	GetQuickReply(ctx context.Context, id string) (domain.QuickReply, error)
	UpdateQuickReply(ctx context.Context, id string, in store.QuickReplyInput, a store.Audit) (domain.QuickReply, error)
	DeleteQuickReply(ctx context.Context, id string, a store.Audit) error
	AgentQuickReplies(ctx context.Context, agentID string) ([]domain.QuickReply, error)

	CreateLabel(ctx context.Context, name, color string, a store.Audit) (domain.Label, error)
	ListLabels(ctx context.Context) ([]domain.Label, error)
	GetLabel(ctx context.Context, id string) (domain.Label, error)
	LabelByName(ctx context.Context, name string) (domain.Label, error)
	UpdateLabel(ctx context.Context, id string, name, color *string, a store.Audit) (domain.Label, error)
	DeleteLabel(ctx context.Context, id string, a store.Audit) error
	AddConversationLabel(ctx context.Context, conversationID, labelID string, a store.Audit) error
	RemoveConversationLabel(ctx context.Context, conversationID, labelID string, a store.Audit) error
	ConversationLabels(ctx context.Context, conversationID string) (domain.LabelRefs, error)
	AgentConversationsLabelled(ctx context.Context, agentID, state, labelID string, limit int) ([]store.AgentConversation, error)

	CustomerProfile(ctx context.Context, accountID, e164 string) (domain.CustomerProfile, error)
	UpdateCustomerProfile(ctx context.Context, accountID, e164 string, p store.CustomerProfilePatch, a store.Audit, auditID string) (domain.CustomerProfile, error)
	CustomerHistory(ctx context.Context, accountID, e164 string, limit int) ([]domain.CustomerConversation, error)
	SearchCustomers(ctx context.Context, f store.CustomerSearch) (store.CustomerPage, error)

	// Follow-ups that outlived their conversation's close (agent_scheduled.go).
	OutlivedFollowups(ctx context.Context, conversationID string) ([]domain.OutlivedFollowup, error)
	CancelOutlivedFollowup(ctx context.Context, conversationID, id, by string) (domain.OutlivedFollowup, error)
}

// Bounds of a quick reply's fields.
const (
	maxShortcutLength  = 32
	maxQuickReplyText  = 4096 // WhatsApp's limit for a text message body
	quickReplyReadOnly = "id,created_at,updated_at"
)

type quickReplyInput struct {
	Title        string  `json:"title"`
	Shortcut     string  `json:"shortcut"`
	Text         string  `json:"text"`
	WorkstreamID *string `json:"workstream_id"`
}

// validate checks every field; unknown placeholders are a 422 that lists
// them with the known ones.
func (in quickReplyInput) validate() (store.QuickReplyInput, error) {
	out := store.QuickReplyInput{Title: strings.TrimSpace(in.Title), Shortcut: strings.TrimPrefix(strings.TrimSpace(in.Shortcut), "/"), Text: in.Text}
	if out.Title == "" || utf8.RuneCountInString(out.Title) > domain.MaxNameLength {
		return out, invalid("title is required (at most %d characters)", domain.MaxNameLength)
	}
	if out.Shortcut == "" || utf8.RuneCountInString(out.Shortcut) > maxShortcutLength || strings.ContainsFunc(out.Shortcut, isSpace) {
		return out, invalid("shortcut is required: one word of at most %d characters (typed after / in the console)", maxShortcutLength)
	}
	if strings.TrimSpace(out.Text) == "" || utf8.RuneCountInString(out.Text) > maxQuickReplyText {
		return out, invalid("text is required (at most %d characters)", maxQuickReplyText)
	}
	if unknown := domain.UnknownPlaceholders(out.Text); len(unknown) > 0 {
		return out, &detailedError{
			err: domain.Errorf(domain.CodeUnknownPlaceholder, "text: unknown placeholder(s) %s; known: %s",
				strings.Join(unknown, ", "), strings.Join(domain.QuickReplyPlaceholders, ", ")),
			details: fiber.Map{"field": "text", "unknown": unknown, "known": domain.QuickReplyPlaceholders},
		}
	}
	var err error
	out.WorkstreamID, err = optionalID("workstream_id", in.WorkstreamID)
	return out, err
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

func (s *Server) createQuickReply(c *fiber.Ctx) error {
	var in quickReplyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	v, err := in.validate()
	if err != nil {
		return err
	}
	q, err := s.agentKit.CreateQuickReply(c.UserContext(), v, s.audit(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(q)
}

func (s *Server) listQuickReplies(c *fiber.Ctx) error {
	return listed(c, s.agentKit.ListQuickReplies)
}

func (s *Server) getQuickReply(c *fiber.Ctx) error {
	return fetched(c, s.agentKit.GetQuickReply)
}

// patchQuickReply merges the body onto the quick reply (patch.go's rules)
// and validates the result like a create.
func (s *Server) patchQuickReply(c *fiber.Ctx) error {
	id := c.Params("id")
	fields, err := patchBody(c)
	if err != nil {
		return err
	}
	if err := checkSameID(fields, id); err != nil {
		return err
	}
	current, err := s.agentKit.GetQuickReply(c.UserContext(), id)
	if err != nil {
		return err
	}
	merged, err := mergePatch(current, fields, strings.Split(quickReplyReadOnly, ",")...)
	if err != nil {
		return err
	}
	var in quickReplyInput
	if err := decodeJSONBytes(merged, &in); err != nil {
		return err
	}
	v, err := in.validate()
	if err != nil {
		return err
	}
	q, err := s.agentKit.UpdateQuickReply(c.UserContext(), id, v, s.audit(c))
	if err != nil {
		return err
	}
	return c.JSON(q)
}

func (s *Server) deleteQuickReply(c *fiber.Ctx) error {
	return s.deleted(c, s.agentKit.DeleteQuickReply)
}

// agentQuickReply is a quick reply as an agent gets it: with ?conversation_id=,
// text is rendered for that conversation and template keeps what the
// admin wrote.
type agentQuickReply struct {
	domain.QuickReply
	Template string `json:"template"`
	Rendered bool   `json:"rendered"`
}

// agentQuickReplies lists the quick replies the agent may use; with
// ?conversation_id= (a conversation the agent may see) their text is
// rendered for it.
func (s *Server) agentQuickReplies(c *fiber.Ctx) error {
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	qs, err := s.agentKit.AgentQuickReplies(c.UserContext(), me.ID)
	if err != nil {
		return err
	}
	var values map[string]string
	if id := c.Query("conversation_id"); id != "" {
		conv, rel, err := s.agentAPI.AgentConversationAccess(c.UserContext(), me.ID, id)
		if err != nil {
			return err
		}
		if rel != store.RelationMine && rel != store.RelationPick {
			return conversationNotFound(id)
		}
		p, err := s.agentKit.CustomerProfile(c.UserContext(), conv.AccountID, conv.CustomerE164)
		if err != nil {
			return err
		}
		name := p.DisplayName
		if name == "" {
			name = conv.ProfileName // the name WhatsApp gives now
		}
		if name == "" {
			name = p.ProfileName
		}
		values = domain.PlaceholderValues(name, conv.CustomerE164, p.ExternalID, me.Name)
	}
	out := make([]agentQuickReply, len(qs))
	for i, q := range qs {
		out[i] = agentQuickReply{QuickReply: q, Template: q.Text}
		if values != nil {
			out[i].Text = domain.RenderQuickReply(q.Text, values)
			out[i].Rendered = true
		}
	}
	return c.JSON(fiber.Map{"data": out, "placeholders": domain.QuickReplyPlaceholders})
}
