package api

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/twilio"
)

// ContentLister lists an account's templates in Twilio's Content API
// (twilio.Client).
type ContentLister interface {
	ListContent(ctx context.Context, creds domain.Credentials) ([]twilio.ContentTemplate, error)
}

type syncInput struct {
	AccountID string `json:"account_id"`
}

// syncResult is the answer of POST /api/v1/templates/sync.
type syncResult struct {
	Created   int               `json:"created"`
	Updated   int               `json:"updated"`
	Unchanged int               `json:"unchanged"`
	Skipped   []syncSkip        `json:"skipped"`
	Templates []domain.Template `json:"templates"`
}

// errNothingToStore ends a SaveTemplateByName that has nothing to write.
var errNothingToStore = errors.New("nothing to store")

// syncTemplates imports the account's WhatsApp templates from Twilio's
// Content API: approved items create or update our templates (by name; a
// variant per language, with its content_sid); items that are not approved
// are reported, and mark the variant they had given as not usable.
func (s *Server) syncTemplates(c *fiber.Ctx) error {
	var in syncInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.AccountID = strings.TrimSpace(in.AccountID)
	if in.AccountID == "" {
		return invalid("account_id is required: the WhatsApp account whose Twilio templates to import")
	}
	ctx := c.UserContext()
	creds, err := s.tokens.Credentials(ctx, in.AccountID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return invalid("account_id: account %s not found", in.AccountID)
	}
	if err != nil {
		return err
	}
	items, err := s.twilio.ListContent(ctx, creds)
	if err != nil {
		return contentError(err)
	}
	groups, skipped := planSync(items)
	res := syncResult{Skipped: skipped, Templates: []domain.Template{}}
	audit := s.auditWith(c, map[string]string{"source": "twilio_content_sync", "account_id": in.AccountID})
	for _, g := range groups {
		var groupSkips []syncSkip
		t, outcome, err := s.templates.SaveTemplateByName(ctx, g.name, func(cur domain.Template, exists bool) (domain.Template, error) {
			next, skips, ok := g.merge(cur, exists)
			groupSkips = skips
			if !ok {
				return next, errNothingToStore
			}
			return next, nil
		}, audit)
		res.Skipped = append(res.Skipped, groupSkips...)
		switch {
		case errors.Is(err, errNothingToStore):
			continue
		case err != nil:
			return err
		}
		switch outcome {
		case store.Created:
			res.Created++
		case store.Updated:
			res.Updated++
		default:
			res.Unchanged++
		}
		res.Templates = append(res.Templates, t)
	}
	if res.Skipped == nil {
		res.Skipped = []syncSkip{}
	}
	s.logger.Info("templates synced from Twilio", "account_id", in.AccountID, "contents", len(items),
		"created", res.Created, "updated", res.Updated, "unchanged", res.Unchanged, "skipped", len(res.Skipped))
	return c.JSON(res)
}

// contentError explains a failed Content API listing.
func contentError(err error) error {
	var te *twilio.Error
	if !errors.As(err, &te) {
		return err
	}
	switch {
	case te.HTTPStatus == 401 || te.HTTPStatus == 403:
		return domain.Errorf(domain.CodeTwilio, "Twilio refused the account's credentials for the Content API (HTTP %d): check its SID and auth token", te.HTTPStatus)
	case te.Retryable():
		return domain.Errorf(domain.CodeUnavailable, "Twilio's Content API is unavailable (%s); retry", te.Message)
	default:
		return domain.Errorf(domain.CodeTwilio, "Twilio's Content API answered: %s", te.Message)
	}
}
