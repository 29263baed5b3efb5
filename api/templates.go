package api

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// TemplateStore is what the admin routes for templates (templates.go,
// template_sync.go) need of the store.
type TemplateStore interface {
	CreateTemplate(ctx context.Context, t domain.Template, audit store.Audit) (domain.Template, error)
	GetTemplate(ctx context.Context, id string) (domain.Template, error)
	ListTemplates(ctx context.Context) ([]domain.Template, error)
	UpdateTemplate(ctx context.Context, id string, change func(*domain.Template) error, audit store.Audit) (domain.Template, error)
	DeleteTemplate(ctx context.Context, id string, audit store.Audit) error
	SaveTemplateByName(ctx context.Context, name string, build func(cur domain.Template, exists bool) (domain.Template, error), audit store.Audit) (domain.Template, store.SaveOutcome, error)
}

// templateInput is the body of POST (all fields) and PATCH (the fields to
// change; variants replace the whole list) /api/v1/templates.
type templateInput struct {
	Name            *string                   `json:"name"`
	Category        *string                   `json:"category"`
	DefaultLanguage *string                   `json:"default_language"`
	Variants        *[]domain.TemplateVariant `json:"variants"`
}

func (in templateInput) apply(t *domain.Template) {
	if in.Name != nil {
		t.Name = *in.Name
	}
	if in.Category != nil {
		t.Category = *in.Category
	}
	if in.DefaultLanguage != nil {
		t.DefaultLanguage = *in.DefaultLanguage
	}
	if in.Variants != nil {
		t.Variants = *in.Variants
	}
}

func (s *Server) createTemplate(c *fiber.Ctx) error {
	var in templateInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var t domain.Template
	in.apply(&t)
	if err := domain.NormalizeTemplate(&t); err != nil {
		return err
	}
	created, err := s.templates.CreateTemplate(c.UserContext(), t, s.audit(c))
	if err != nil {
		return err
	}
	s.logger.Info("template created", "template_id", created.ID, "name", created.Name, "languages", len(created.Variants))
	return c.Status(fiber.StatusCreated).JSON(created)
}

func (s *Server) listTemplates(c *fiber.Ctx) error {
	return listed(c, s.templates.ListTemplates)
}

func (s *Server) getTemplate(c *fiber.Ctx) error {
	return fetched(c, s.templates.GetTemplate)
}

func (s *Server) updateTemplate(c *fiber.Ctx) error {
	var in templateInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.templates.UpdateTemplate(c.UserContext(), c.Params("id"), func(t *domain.Template) error {
		in.apply(t)
		return domain.NormalizeTemplate(t)
	}, s.audit(c))
	if err != nil {
		return err
	}
	s.logger.Info("template updated", "template_id", t.ID, "name", t.Name)
	return c.JSON(t)
}

func (s *Server) deleteTemplate(c *fiber.Ctx) error {
	id := c.Params("id")
	if err := s.templates.DeleteTemplate(c.UserContext(), id, s.audit(c)); err != nil {
		return err
	}
	s.logger.Info("template deleted", "template_id", id)
	return c.SendStatus(fiber.StatusNoContent)
}
