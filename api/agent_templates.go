package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

// agentTemplate is a template as an agent may send it: only the variants
// WhatsApp approved, each with its body and how many variables it takes.
type agentTemplate struct {
	Name            string                 `json:"name"`
	Category        string                 `json:"category"`
	DefaultLanguage string                 `json:"default_language"`
	Variants        []agentTemplateVariant `json:"variants"`
}

type agentTemplateVariant struct {
	Language  string `json:"language"`
	Body      string `json:"body"`
	Variables int    `json:"variables"`
}

// agentTemplates serves GET /api/v1/agent/templates: what the agent can
// send when a conversation's window is closed (the console's template
// picker). Templates without an approved variant are left out; content
// SIDs and approval details stay on the admin API.
func (s *Server) agentTemplates(c *fiber.Ctx) error {
	ts, err := s.agentAPI.ListTemplates(c.UserContext())
	if err != nil {
		return err
	}
	out := []agentTemplate{}
	for _, t := range ts {
		at := agentTemplate{Name: t.Name, Category: t.Category, DefaultLanguage: t.DefaultLanguage, Variants: []agentTemplateVariant{}}
		for _, v := range t.Variants {
			if !v.Usable() {
				continue
			}
			nums, err := domain.ParsePlaceholders(v.Body)
			if err != nil { // stored bodies are validated: skip one that is not
				continue
			}
			at.Variants = append(at.Variants, agentTemplateVariant{Language: v.Language, Body: v.Body, Variables: len(nums)})
		}
		if len(at.Variants) > 0 {
			out = append(out, at)
		}
	}
	return c.JSON(fiber.Map{"data": out})
}
