package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

// ruleInput is the body of POST and (merged) PATCH of a routing rule.
// Order is 1-based: 1 is evaluated first; absent appends (POST) or keeps
// the rule where it is (PATCH).
type ruleInput struct {
	Name        string                 `json:"name"`
	Order       *int                   `json:"order"`
	Conditions  []domain.Condition     `json:"conditions"`
	QueueID     string                 `json:"queue_id"`
	Skills      []domain.SkillRequired `json:"skills"`
	Priority    int                    `json:"priority"`
	SLAPolicyID *string                `json:"sla_policy_id"`
	LabelIDs    []string               `json:"label_ids"`
}

var ruleReadOnly = []string{"id", "workstream_id", "created_at", "updated_at"}

func (in ruleInput) rule() (domain.RoutingRule, error) {
	r := domain.RoutingRule{Name: in.Name, Conditions: in.Conditions, Skills: in.Skills, Priority: in.Priority}
	for i, id := range in.LabelIDs {
		v, err := requiredID("label_ids["+strconv.Itoa(i)+"]", id)
		if err != nil {
			return r, err
		}
		r.LabelIDs = append(r.LabelIDs, v)
	}
	if in.Order != nil {
		if *in.Order < 1 {
			return r, invalid("order starts at 1 (evaluated first); leave it out to append the rule")
		}
		r.Order = *in.Order
	}
	var err error
	if r.QueueID, err = requiredID("queue_id", in.QueueID); err != nil {
		return r, err
	}
	if r.SLAPolicyID, err = optionalID("sla_policy_id", in.SLAPolicyID); err != nil {
		return r, err
	}
	return r, domain.NormalizeRoutingRule(&r)
}

func (s *Server) listRoutingRules(c *fiber.Ctx) error {
	rules, err := s.workstreams.ListRoutingRules(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": rules})
}

func (s *Server) getRoutingRule(c *fiber.Ctx) error {
	r, err := s.workstreams.GetRoutingRule(c.UserContext(), c.Params("id"), c.Params("rule_id"))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) createRoutingRule(c *fiber.Ctx) error {
	var in ruleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := in.rule()
	if err != nil {
		return err
	}
	created, err := s.workstreams.CreateRoutingRule(c.UserContext(), c.Params("id"), r, s.audit(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(created)
}

func (s *Server) patchRoutingRule(c *fiber.Ctx) error {
	wsID, ruleID := c.Params("id"), c.Params("rule_id")
	fields, err := patchBody(c)
	if err != nil {
		return err
	}
	if err := checkSameID(fields, ruleID); err != nil {
		return err
	}
	current, err := s.workstreams.GetRoutingRule(c.UserContext(), wsID, ruleID)
	if err != nil {
		return err
	}
	merged, err := mergePatch(current, fields, ruleReadOnly...)
	if err != nil {
		return err
	}
	var in ruleInput
	if err := decodeJSONBytes(merged, &in); err != nil {
		return err
	}
	r, err := in.rule()
	if err != nil {
		return err
	}
	if !has(fields, "order") {
		r.Order = 0 // stay where it is
	}
	updated, err := s.workstreams.UpdateRoutingRule(c.UserContext(), wsID, ruleID, r, s.audit(c))
	if err != nil {
		return err
	}
	return c.JSON(updated)
}

func (s *Server) deleteRoutingRule(c *fiber.Ctx) error {
	if err := s.workstreams.DeleteRoutingRule(c.UserContext(), c.Params("id"), c.Params("rule_id"), s.audit(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type reorderInput struct {
	RuleIDs []string `json:"rule_ids"`
}

// reorderRoutingRules sets the order of every rule of a workstream at once.
func (s *Server) reorderRoutingRules(c *fiber.Ctx) error {
	var in reorderInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.RuleIDs == nil {
		return invalid("rule_ids is required: every rule id of the workstream, first evaluated first")
	}
	for i, id := range in.RuleIDs {
		if _, err := requiredID("rule_ids["+strconv.Itoa(i)+"]", id); err != nil {
			return err
		}
	}
	rules, err := s.workstreams.ReorderRoutingRules(c.UserContext(), c.Params("id"), in.RuleIDs, s.audit(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": rules})
}
