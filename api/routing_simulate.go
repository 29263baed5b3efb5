package api

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

// RoutingInputStore is what the routing what-if needs of the store: the
// routings the rules made, as recorded at handoff (routing_inputs).
type RoutingInputStore interface {
	EachRoutingInput(ctx context.Context, workstreamID string, from, to time.Time, fn func(domain.RoutingInput) error) error
}

// Bounds of the list of moved conversations in a simulation's answer; the
// counts always cover the whole period.
const (
	defaultMovedLimit = 1000
	maxMovedLimit     = 10000
)

type simulateInput struct {
	From       string            `json:"from"`
	To         string            `json:"to"`
	Rules      []json.RawMessage `json:"rules"`
	MovedLimit *int              `json:"moved_limit"`
}

type simulateOutput struct {
	WorkstreamID string    `json:"workstream_id"`
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	domain.RoutingSimulationResult
}

// ruleProblem is one invalid draft rule: its index in the list and why.
type ruleProblem struct {
	Index   int    `json:"index"`
	Message string `json:"message"`
}

// simulateRoutingRules replays the routings of [from, to) through a draft
// rule list, with the routing code the workflow runs (domain.Route), and
// reports where the draft would have sent each conversation. It reads and
// changes nothing else: no workflow, no row, no audit entry (an audit
// entry records a change, and there is none; the access log has the
// request).
func (s *Server) simulateRoutingRules(c *fiber.Ctx) error {
	var in simulateInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	from, err := requiredTime("from", in.From)
	if err != nil {
		return err
	}
	to, err := requiredTime("to", in.To)
	if err != nil {
		return err
	}
	if !from.Before(to) {
		return invalid("from must be before to: the period is [from, to)")
	}
	limit := defaultMovedLimit
	if in.MovedLimit != nil {
		if *in.MovedLimit < 0 || *in.MovedLimit > maxMovedLimit {
			return invalid("moved_limit is from 0 to %d", maxMovedLimit)
		}
		limit = *in.MovedLimit
	}
	if in.Rules == nil {
		return invalid("rules is required: the draft rule list, evaluated in order (an empty list sends everything to the default queue)")
	}
	ctx := c.UserContext()
	queues, err := s.queues.ListQueues(ctx)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(queues))
	for _, q := range queues {
		names[q.ID] = q.Name
	}
	draft, err := draftRules(in.Rules, names)
	if err != nil {
		return err
	}
	wsID := c.Params("id")
	sim := domain.NewRoutingSimulation(draft, limit)
	if err := s.routingInputs.EachRoutingInput(ctx, wsID, from, to, func(r domain.RoutingInput) error {
		sim.Add(r)
		return ctx.Err()
	}); err != nil {
		return err
	}
	res := sim.Result()
	for i := range res.Queues {
		res.Queues[i].QueueName = names[res.Queues[i].QueueID]
	}
	s.logger.Info("routing simulated", "workstream_id", wsID, "from", from, "to", to,
		"draft_rules", len(draft), "conversations", res.Conversations, "moved", res.Moved)
	return c.JSON(simulateOutput{WorkstreamID: wsID, From: from, To: to, RoutingSimulationResult: res})
}

// draftRules validates each draft rule as creating it would (ruleInput,
// domain.NormalizeRoutingRule, an existing queue: queues maps every
// queue's id to its name) and reports every invalid one at once. The
// fields a listed rule carries (id, created_at, ...) are accepted, so a
// GET's rules can be edited and sent back; a rule without order is
// evaluated at its place in the list.
func draftRules(raw []json.RawMessage, queues map[string]string) ([]domain.RoutingRule, error) {
	rules := make([]domain.RoutingRule, 0, len(raw))
	var problems []ruleProblem
	for i, b := range raw {
		r, err := draftRule(b, queues)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) {
				return nil, err
			}
			problems = append(problems, ruleProblem{Index: i, Message: de.Message})
			continue
		}
		if r.Order == 0 {
			r.Order = i + 1
		}
		rules = append(rules, r)
	}
	if len(problems) > 0 {
		return nil, &detailedError{
			err:     domain.Errorf(domain.CodeRulesInvalid, "%d of the %d draft rules are invalid: nothing was simulated", len(problems), len(raw)),
			details: map[string]any{"rules": problems},
		}
	}
	return rules, nil
}

func draftRule(raw json.RawMessage, queues map[string]string) (domain.RoutingRule, error) {
	var fields map[string]json.RawMessage
	if err := decodeJSONBytes(raw, &fields); err != nil {
		return domain.RoutingRule{}, err
	}
	if fields == nil {
		return domain.RoutingRule{}, invalid("a rule is an object")
	}
	var id string
	if v, ok := fields["id"]; ok {
		if err := json.Unmarshal(v, &id); err != nil {
			return domain.RoutingRule{}, invalid("id must be a string")
		}
	}
	for _, k := range ruleReadOnly {
		delete(fields, k)
	}
	stripped, err := json.Marshal(fields)
	if err != nil {
		return domain.RoutingRule{}, err
	}
	var in ruleInput
	if err := decodeJSONBytes(stripped, &in); err != nil {
		return domain.RoutingRule{}, err
	}
	r, err := in.rule()
	if err != nil {
		return r, err
	}
	if _, ok := queues[r.QueueID]; !ok {
		// The message creating the rule gets from the foreign key.
		return r, invalid("queue_id: no such queue")
	}
	r.ID = id
	return r, nil
}

func requiredTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, invalid("%s is required (RFC 3339, such as 2026-12-01T00:00:00Z)", field)
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, invalid("%s must be an RFC 3339 time, such as 2026-12-01T00:00:00Z", field)
	}
	return t.UTC(), nil
}
