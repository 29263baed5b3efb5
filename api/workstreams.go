package api

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// WorkstreamStore is what the workstream and routing-rule routes
// (workstreams.go, routing_rules.go) need of the store.
type WorkstreamStore interface {
	CreateWorkstream(ctx context.Context, w domain.Workstream, a store.Audit) (domain.Workstream, error)
	GetWorkstream(ctx context.Context, id string) (domain.Workstream, error)
	ListWorkstreams(ctx context.Context) ([]domain.Workstream, error)
	UpdateWorkstream(ctx context.Context, id string, ifVersion int, w domain.Workstream, a store.Audit) (domain.Workstream, error)
	DeleteWorkstream(ctx context.Context, id string, a store.Audit) error
	CreateRoutingRule(ctx context.Context, workstreamID string, r domain.RoutingRule, a store.Audit) (domain.RoutingRule, error)
	GetRoutingRule(ctx context.Context, workstreamID, ruleID string) (domain.RoutingRule, error)
	ListRoutingRules(ctx context.Context, workstreamID string) ([]domain.RoutingRule, error)
	UpdateRoutingRule(ctx context.Context, workstreamID, ruleID string, r domain.RoutingRule, a store.Audit) (domain.RoutingRule, error)
	ReorderRoutingRules(ctx context.Context, workstreamID string, ids []string, a store.Audit) ([]domain.RoutingRule, error)
	DeleteRoutingRule(ctx context.Context, workstreamID, ruleID string, a store.Audit) error
	GetTemplate(ctx context.Context, id string) (domain.Template, error)
}

// workstreamInput is the body of POST, PUT and (merged) PATCH: the
// domain.Workstream shape without its read-only fields. Pointers tell
// "absent" from a zero value where absent means a default.
type workstreamInput struct {
	Name                    string                       `json:"name"`
	Language                string                       `json:"language"`
	Distribution            *string                      `json:"distribution"`
	CapacityPerConversation *int                         `json:"capacity_per_conversation"`
	DefaultQueueID          *string                      `json:"default_queue_id"`
	AutomatedMessages       map[string]map[string]string `json:"automated_messages"`
	Survey                  *domain.Survey               `json:"survey"`
	Attachments             *attachmentsInput            `json:"attachments"`
	InactivityTimeout       domain.Duration              `json:"inactivity_timeout"`
	WrapUp                  domain.Duration              `json:"wrap_up"`
	OperatingHours          *domain.OperatingHours       `json:"operating_hours"`
	Bot                     *domain.Bot                  `json:"bot"`
	SLAPolicyID             *string                      `json:"sla_policy_id"`
	Supervision             *domain.Supervision          `json:"supervision"`
	WindowNudge             *domain.WindowNudge          `json:"window_nudge"`
}

// attachmentsInput: customers and agents may both send media unless told not to.
type attachmentsInput struct {
	Customer *bool `json:"customer"`
	Agent    *bool `json:"agent"`
}

var workstreamReadOnly = []string{"id", "version", "created_at", "updated_at"}

// workstream applies defaults and every rule that needs no database.
func (in workstreamInput) workstream() (domain.Workstream, error) {
	w := domain.Workstream{
		Name: in.Name, Language: in.Language, Distribution: domain.DistributionPush, CapacityPerConversation: 1,
		AutomatedMessages: in.AutomatedMessages, Survey: in.Survey,
		Attachments:       domain.Attachments{Customer: true, Agent: true},
		InactivityTimeout: in.InactivityTimeout, WrapUp: in.WrapUp, OperatingHours: in.OperatingHours, Bot: in.Bot,
		Supervision: in.Supervision,
		WindowNudge: in.WindowNudge,
	}
	if in.Distribution != nil {
		w.Distribution = *in.Distribution
	}
	if in.CapacityPerConversation != nil {
		w.CapacityPerConversation = *in.CapacityPerConversation
	}
	if a := in.Attachments; a != nil {
		if a.Customer != nil {
			w.Attachments.Customer = *a.Customer
		}
		if a.Agent != nil {
			w.Attachments.Agent = *a.Agent
		}
	}
	var err error
	if w.DefaultQueueID, err = optionalID("default_queue_id", in.DefaultQueueID); err != nil {
		return w, err
	}
	if w.SLAPolicyID, err = optionalID("sla_policy_id", in.SLAPolicyID); err != nil {
		return w, err
	}
	if sv := w.Survey; sv != nil && sv.TemplateID != nil {
		if strings.TrimSpace(*sv.TemplateID) == "" {
			sv.TemplateID = nil
		} else if sv.TemplateID, err = optionalID("survey.template_id", sv.TemplateID); err != nil {
			return w, err
		}
	}
	return w, domain.NormalizeWorkstream(&w)
}

// checkSurveyTemplate checks the survey's template (sent when the window
// has closed by the time the conversation closes): it exists, and its
// variant in the workstream's language (or its default) is approved by
// WhatsApp and takes no variables (nothing would fill them). Templates
// are the deployment's, not an account's: there is no owner to compare.
func (s *Server) checkSurveyTemplate(ctx context.Context, w domain.Workstream) error {
	if w.Survey == nil || w.Survey.TemplateID == nil {
		return nil
	}
	id := *w.Survey.TemplateID
	t, err := s.workstreams.GetTemplate(ctx, id)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.Errorf(domain.CodeTemplateInvalid, "survey.template_id: there is no template %s", id)
	}
	if err != nil {
		return err
	}
	v, ok := t.Variant(w.Language)
	if !ok {
		return domain.Errorf(domain.CodeTemplateInvalid, "survey.template_id: template %q has no variant for %s or its default language (languages: %s)", t.Name, w.Language, strings.Join(t.Languages(), ", "))
	}
	if !v.Usable() {
		return domain.Errorf(domain.CodeTemplateInvalid, "survey.template_id: template %q in %s is not approved by WhatsApp (status %s)", t.Name, v.Language, v.ApprovalStatus)
	}
	if _, err := domain.RenderTemplate(v.Body, nil); err != nil {
		return domain.Errorf(domain.CodeTemplateInvalid, "survey.template_id: template %q (%s) must take no variables: %s", t.Name, v.Language, err.(*domain.Error).Message)
	}
	return nil
}

func (s *Server) createWorkstream(c *fiber.Ctx) error {
	var in workstreamInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	w, err := in.workstream()
	if err != nil {
		return err
	}
	if err := s.checkSurveyTemplate(c.UserContext(), w); err != nil {
		return err
	}
	created, err := s.workstreams.CreateWorkstream(c.UserContext(), w, s.audit(c))
	if err != nil {
		return err
	}
	s.logger.Info("workstream created", "workstream_id", created.ID)
	return c.Status(fiber.StatusCreated).JSON(created)
}

func (s *Server) listWorkstreams(c *fiber.Ctx) error {
	return listed(c, s.workstreams.ListWorkstreams)
}

func (s *Server) getWorkstream(c *fiber.Ctx) error {
	return fetched(c, s.workstreams.GetWorkstream)
}

// patchWorkstream changes the fields present (see patch.go); replace (PUT)
// sets every field, absent ones to their defaults. Both accept the
// read-only fields a GET returned; a "version" there must still be the
// current one, so two admins editing at once do not overwrite each other.
func (s *Server) patchWorkstream(c *fiber.Ctx) error  { return s.writeWorkstream(c, true) }
func (s *Server) updateWorkstream(c *fiber.Ctx) error { return s.writeWorkstream(c, false) }

func (s *Server) writeWorkstream(c *fiber.Ctx, patch bool) error {
	id := c.Params("id")
	fields, err := patchBody(c)
	if err != nil {
		return err
	}
	if err := checkSameID(fields, id); err != nil {
		return err
	}
	current, err := s.workstreams.GetWorkstream(c.UserContext(), id)
	if err != nil {
		return err
	}
	ifVersion := current.Version
	if raw, ok := fields["version"]; ok {
		if err := json.Unmarshal(raw, &ifVersion); err != nil {
			return invalid("version must be the number a GET returned")
		}
	}
	var base any = struct{}{}
	if patch {
		base = current
	}
	merged, err := mergePatch(base, fields, workstreamReadOnly...)
	if err != nil {
		return err
	}
	var in workstreamInput
	if err := decodeJSONBytes(merged, &in); err != nil {
		return err
	}
	w, err := in.workstream()
	if err != nil {
		return err
	}
	if err := s.checkSurveyTemplate(c.UserContext(), w); err != nil {
		return err
	}
	updated, err := s.workstreams.UpdateWorkstream(c.UserContext(), id, ifVersion, w, s.audit(c))
	if err != nil {
		return err
	}
	s.logger.Info("workstream updated", "workstream_id", id, "version", updated.Version)
	return c.JSON(updated)
}

func (s *Server) deleteWorkstream(c *fiber.Ctx) error {
	return s.deleted(c, s.workstreams.DeleteWorkstream)
}
