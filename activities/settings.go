package activities

import (
	"context"
	"slices"

	"github.com/switchboard/switchboard/internal/domain"
)

// SettingsStore loads what a conversation needs to know about its channel.
type SettingsStore interface {
	GetNumber(ctx context.Context, id string) (domain.Number, error)
	GetWorkstream(ctx context.Context, id string) (domain.Workstream, error)
	ListRoutingRules(ctx context.Context, workstreamID string) ([]domain.RoutingRule, error)
	GetSLAPolicy(ctx context.Context, id string) (domain.SLAPolicy, error)
	GetTemplate(ctx context.Context, id string) (domain.Template, error)
}

// ConversationSettings is the snapshot of its workstream a conversation
// keeps for its whole life: later admin changes apply to new conversations.
type ConversationSettings struct {
	NumberE164 string
	Workstream *domain.Workstream // nil: the number has no workstream
	Rules      []domain.RoutingRule
	// SLAPolicies are the service-level policies the workstream and its
	// rules name, snapshotted with them.
	SLAPolicies []domain.SLAPolicy `json:",omitempty"`
}

// LoadSettings reads the number's workstream and routing rules (local activity).
func (a *Activities) LoadSettings(ctx context.Context, numberID string) (ConversationSettings, error) {
	n, err := a.Settings.GetNumber(ctx, numberID)
	if err != nil {
		return ConversationSettings{}, finalError(err)
	}
	out := ConversationSettings{NumberE164: n.E164}
	if n.WorkstreamID == nil {
		return out, nil
	}
	ws, err := a.Settings.GetWorkstream(ctx, *n.WorkstreamID)
	if err != nil {
		return out, finalError(err)
	}
	rules, err := a.Settings.ListRoutingRules(ctx, ws.ID)
	if err != nil {
		return out, finalError(err)
	}
	if ws.Bot != nil {
		// The snapshot lands in Temporal's history: never the bot's
		// credentials (AskBot reads the whole URL from PostgreSQL).
		bot := *ws.Bot
		bot.URL = domain.URLWithoutSecrets(bot.URL)
		ws.Bot = &bot
	}
	out.Workstream, out.Rules = &ws, rules
	ids := []*string{ws.SLAPolicyID}
	for _, r := range rules {
		ids = append(ids, r.SLAPolicyID)
	}
	for _, id := range ids {
		if id == nil || slices.ContainsFunc(out.SLAPolicies, func(p domain.SLAPolicy) bool { return p.ID == *id }) {
			continue
		}
		p, err := a.Settings.GetSLAPolicy(ctx, *id)
		if err != nil {
			return out, finalError(err)
		}
		out.SLAPolicies = append(out.SLAPolicies, p)
	}
	return out, nil
}

// SurveyTemplateInput names the survey's template and the customer's
// language.
type SurveyTemplateInput struct {
	TemplateID string
	Language   string
}

// SurveyTemplate is the survey as a template message, or why there is
// none (Template nil): the template was deleted, lost its approval or
// takes variables since the workstream named it.
type SurveyTemplate struct {
	Template *domain.TemplateUse `json:",omitempty"`
	Body     string              `json:",omitempty"`
	Skipped  string              `json:",omitempty"`
}

// LoadSurveyTemplate reads the survey's template as it is now, in the
// customer's language or the template's default (local activity): the
// conversation sends it when it closes after the 24-hour window did.
func (a *Activities) LoadSurveyTemplate(ctx context.Context, in SurveyTemplateInput) (SurveyTemplate, error) {
	t, err := a.Settings.GetTemplate(ctx, in.TemplateID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return SurveyTemplate{Skipped: "the survey template was deleted"}, nil
	}
	if err != nil {
		return SurveyTemplate{}, finalError(err)
	}
	v, ok := t.Variant(in.Language)
	switch {
	case !ok:
		return SurveyTemplate{Skipped: "the survey template has no variant for " + in.Language + " nor its default language"}, nil
	case !v.Usable():
		return SurveyTemplate{Skipped: "the survey template in " + v.Language + " is not approved (" + v.ApprovalStatus + ")"}, nil
	}
	body, err := domain.RenderTemplate(v.Body, nil)
	if err != nil {
		return SurveyTemplate{Skipped: "the survey template takes variables"}, nil
	}
	return SurveyTemplate{Template: &domain.TemplateUse{Name: t.Name, Language: v.Language, ContentSID: v.ContentSID}, Body: body}, nil
}
