package api

import (
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

type labelInput struct {
	Name  *string `json:"name"`
	Color *string `json:"color"`
}

// validate checks the fields that are set; create requires both.
func (in *labelInput) validate(create bool) error {
	if in.Name != nil || create {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		if name == "" || utf8.RuneCountInString(name) > domain.MaxNameLength {
			return invalid("name is required (at most %d characters)", domain.MaxNameLength)
		}
		in.Name = &name
	}
	if in.Color != nil || create {
		color, ok := "", false
		if in.Color != nil {
			color, ok = domain.NormalizeColor(*in.Color)
		}
		if !ok {
			return invalid("color is required: #rrggbb, e.g. #1f7a4d")
		}
		in.Color = &color
	}
	return nil
}

func (s *Server) createLabel(c *fiber.Ctx) error {
	var in labelInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	l, err := s.agentKit.CreateLabel(c.UserContext(), *in.Name, *in.Color, s.audit(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(l)
}

// listLabels serves the admin list and the agents' (the console's picker).
func (s *Server) listLabels(c *fiber.Ctx) error {
	return listed(c, s.agentKit.ListLabels)
}

func (s *Server) getLabel(c *fiber.Ctx) error {
	return fetched(c, s.agentKit.GetLabel)
}

func (s *Server) updateLabel(c *fiber.Ctx) error {
	var in labelInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	l, err := s.agentKit.UpdateLabel(c.UserContext(), c.Params("id"), in.Name, in.Color, s.audit(c))
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (s *Server) deleteLabel(c *fiber.Ctx) error {
	return s.deleted(c, s.agentKit.DeleteLabel)
}

type conversationLabelInput struct {
	LabelID string `json:"label_id"`
}

// agentAddLabel puts a label on a conversation the agent may see and
// answers with the conversation's labels.
func (s *Server) agentAddLabel(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, true)
	if err != nil {
		return err
	}
	var in conversationLabelInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id, err := requiredID("label_id", in.LabelID)
	if err != nil {
		return err
	}
	if err := s.agentKit.AddConversationLabel(c.UserContext(), conv.ID, id, s.audit(c)); err != nil {
		return err
	}
	return s.conversationLabels(c, conv.ID)
}

// agentRemoveLabel takes a label off a conversation the agent may see.
func (s *Server) agentRemoveLabel(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, true)
	if err != nil {
		return err
	}
	labelID := c.Params("label_id")
	if err := s.agentKit.RemoveConversationLabel(c.UserContext(), conv.ID, labelID, s.auditWith(c, fiber.Map{"label_id": labelID})); err != nil {
		return err
	}
	return s.conversationLabels(c, conv.ID)
}

func (s *Server) conversationLabels(c *fiber.Ctx, conversationID string) error {
	labels, err := s.agentKit.ConversationLabels(c.UserContext(), conversationID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"conversation_id": conversationID, "labels": labels})
}

// labelFilter resolves ?label= (a label's id or its name, in any case) to
// a label id; "" when absent. An unknown name is a 400 naming it.
func (s *Server) labelFilter(c *fiber.Ctx) (string, error) {
	v := strings.TrimSpace(c.Query("label"))
	if v == "" {
		return "", nil
	}
	if id, err := optionalID("label", &v); err == nil {
		return *id, nil
	}
	l, err := s.agentKit.LabelByName(c.UserContext(), v)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return "", invalid("label: no label is named %q (pass a label's id or name)", v)
	}
	if err != nil {
		return "", err
	}
	return l.ID, nil
}
