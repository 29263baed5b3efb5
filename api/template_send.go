package api

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard/internal/domain"
)

// templateSendInput is the "template" of a send request.
type templateSendInput struct {
	Name      string   `json:"name"`
	Language  string   `json:"language"`
	Variables []string `json:"variables"`
}

// maxRenderedBody is Twilio's limit on Body, which is what goes out for a
// template without a Content SID.
const maxRenderedBody = 1600

// resolveTemplate finds the variant a send asks for and renders it. A
// template that cannot go out as asked is TEMPLATE_INVALID (422); a request
// that is malformed is INVALID_ARGUMENT (400).
func (s *Server) resolveTemplate(ctx context.Context, in templateSendInput) (*domain.TemplateUse, string, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return nil, "", invalid("template.name is required")
	}
	lang := strings.TrimSpace(in.Language)
	if lang != "" {
		c, err := domain.CanonicalLanguage(lang)
		if err != nil {
			return nil, "", invalid("template.language: %s", err.(*domain.Error).Message)
		}
		lang = c
	}
	t, err := s.conversations.TemplateByName(ctx, name)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, "", domain.Errorf(domain.CodeTemplateInvalid, "there is no template named %q", name)
	}
	if err != nil {
		return nil, "", err
	}
	v, ok := t.Variant(lang)
	if !ok {
		return nil, "", domain.Errorf(domain.CodeTemplateInvalid, "template %q has no variant for %q (languages: %s)", name, lang, strings.Join(t.Languages(), ", "))
	}
	if !v.Usable() {
		return nil, "", domain.Errorf(domain.CodeTemplateInvalid, "template %q in %s is not approved by WhatsApp (status %s)", name, v.Language, v.ApprovalStatus)
	}
	body, err := domain.RenderTemplate(v.Body, in.Variables)
	if err != nil {
		return nil, "", domain.Errorf(domain.CodeTemplateInvalid, "template %q (%s): %s", name, v.Language, err.(*domain.Error).Message)
	}
	if v.ContentSID == "" && utf8.RuneCountInString(body) > maxRenderedBody {
		return nil, "", domain.Errorf(domain.CodeTemplateInvalid, "template %q (%s) rendered is longer than %d characters", name, v.Language, maxRenderedBody)
	}
	use := &domain.TemplateUse{Name: t.Name, Language: v.Language, Variables: in.Variables, ContentSID: v.ContentSID}
	return use, body, nil
}

// templateChoice is a template that can be sent while the window is closed.
type templateChoice struct {
	Name      string   `json:"name"`
	Languages []string `json:"languages"`
	Variables int      `json:"variables"`
}

// withTemplateChoices adds, to a WINDOW_CLOSED error, the templates that
// could be sent instead: {"details": {"templates": [{name, languages,
// variables}]}}. Other errors pass through.
func (s *Server) withTemplateChoices(ctx context.Context, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeWindowClosed {
		return err
	}
	ts, lerr := s.conversations.ListTemplates(ctx)
	if lerr != nil {
		s.logger.Warn("listing templates for a WINDOW_CLOSED answer", "err", lerr)
		return err
	}
	choices := []templateChoice{}
	for _, t := range ts {
		c := templateChoice{Name: t.Name, Languages: []string{}}
		for _, v := range t.Variants {
			if v.Usable() {
				c.Languages = append(c.Languages, v.Language)
				nums, _ := domain.ParsePlaceholders(v.Body)
				c.Variables = len(nums)
			}
		}
		if len(c.Languages) > 0 {
			choices = append(choices, c)
		}
	}
	return &detailedError{err: de, details: map[string]any{"templates": choices}}
}
