package api

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// SLAPolicyStore is what the service-level policy routes need of the store.
type SLAPolicyStore interface {
	CreateSLAPolicy(ctx context.Context, p domain.SLAPolicy, a store.Audit) (domain.SLAPolicy, error)
	GetSLAPolicy(ctx context.Context, id string) (domain.SLAPolicy, error)
	ListSLAPolicies(ctx context.Context) ([]domain.SLAPolicy, error)
	UpdateSLAPolicy(ctx context.Context, id string, p domain.SLAPolicy, a store.Audit) (domain.SLAPolicy, error)
	DeleteSLAPolicy(ctx context.Context, id string, a store.Audit) error
	ListConversationEvents(ctx context.Context, conversationID string) ([]domain.ConversationEvent, error)
}

// slaPolicyInput is the body of POST and (merged) PATCH.
type slaPolicyInput struct {
	Name           string                 `json:"name"`
	FirstResponse  domain.Duration        `json:"first_response"`
	NextResponse   domain.Duration        `json:"next_response"`
	Resolution     domain.Duration        `json:"resolution"`
	WarningPercent int                    `json:"warning_percent"`
	BusinessHours  bool                   `json:"business_hours"`
	Escalations    []domain.SLAEscalation `json:"escalations"`
}

var slaPolicyReadOnly = []string{"id", "created_at", "updated_at"}

func (in slaPolicyInput) policy() (domain.SLAPolicy, error) {
	p := domain.SLAPolicy{
		Name: in.Name, FirstResponse: in.FirstResponse, NextResponse: in.NextResponse, Resolution: in.Resolution,
		WarningPercent: in.WarningPercent, BusinessHours: in.BusinessHours, Escalations: in.Escalations,
	}
	for i, e := range p.Escalations {
		if e.QueueID == "" {
			continue
		}
		id, err := optionalID("escalations["+strconv.Itoa(i)+"].queue_id", &e.QueueID)
		if err != nil {
			return p, err
		}
		p.Escalations[i].QueueID = *id
	}
	return p, domain.NormalizeSLAPolicy(&p)
}

func (s *Server) createSLAPolicy(c *fiber.Ctx) error {
	var in slaPolicyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := in.policy()
	if err != nil {
		return err
	}
	created, err := s.slaPolicies.CreateSLAPolicy(c.UserContext(), p, s.audit(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(created)
}

func (s *Server) listSLAPolicies(c *fiber.Ctx) error {
	return listed(c, s.slaPolicies.ListSLAPolicies)
}

func (s *Server) getSLAPolicy(c *fiber.Ctx) error {
	return fetched(c, s.slaPolicies.GetSLAPolicy)
}

// patchSLAPolicy changes the fields present (see patch.go).
func (s *Server) patchSLAPolicy(c *fiber.Ctx) error {
	id := c.Params("id")
	fields, err := patchBody(c)
	if err != nil {
		return err
	}
	if err := checkSameID(fields, id); err != nil {
		return err
	}
	current, err := s.slaPolicies.GetSLAPolicy(c.UserContext(), id)
	if err != nil {
		return err
	}
	merged, err := mergePatch(current, fields, slaPolicyReadOnly...)
	if err != nil {
		return err
	}
	var in slaPolicyInput
	if err := decodeJSONBytes(merged, &in); err != nil {
		return err
	}
	p, err := in.policy()
	if err != nil {
		return err
	}
	updated, err := s.slaPolicies.UpdateSLAPolicy(c.UserContext(), id, p, s.audit(c))
	if err != nil {
		return err
	}
	return c.JSON(updated)
}

func (s *Server) deleteSLAPolicy(c *fiber.Ctx) error {
	return s.deleted(c, s.slaPolicies.DeleteSLAPolicy)
}

// listConversationEvents lists the system events of a conversation's
// transcript (service-level warnings, breaches, escalation steps).
func (s *Server) listConversationEvents(c *fiber.Ctx) error {
	conv, err := s.conversations.GetConversation(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	evs, err := s.slaPolicies.ListConversationEvents(c.UserContext(), conv.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": evs})
}
