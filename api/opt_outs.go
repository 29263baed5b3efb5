package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// optOutInput is the body of POST /api/v1/opt-outs.
type optOutInput struct {
	AccountID string `json:"account_id"`
	E164      string `json:"e164"`
}

func (s *Server) listOptOuts(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 1000 {
		return invalid("limit is 1 to 1000")
	}
	list, err := s.campaigns.ListOptOuts(c.UserContext(), c.Query("account_id"), limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": list})
}

// addOptOut puts a number on an account's opt-out list (source admin).
func (s *Server) addOptOut(c *fiber.Ctx) error {
	var in optOutInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	accountID, err := requiredID("account_id", in.AccountID)
	if err != nil {
		return err
	}
	e164, err := domain.NormalizeE164(in.E164)
	if err != nil {
		return invalid("e164: %s", err.(*domain.Error).Message)
	}
	if _, err := s.accounts.GetAccount(c.UserContext(), accountID); err != nil {
		return err
	}
	o, added, err := s.campaigns.AddOptOut(c.UserContext(), store.OptOut{AccountID: accountID, E164: e164, Source: "admin"},
		s.auditWith(c, map[string]string{"account_id": accountID, "e164": domain.Mask(e164)}))
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if added {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(o)
}

// removeOptOut is DELETE /api/v1/opt-outs/{e164}?account_id=…
func (s *Server) removeOptOut(c *fiber.Ctx) error {
	e164, err := customerParam(c)
	if err != nil {
		return err
	}
	accountID, err := requiredID("account_id", c.Query("account_id"))
	if err != nil {
		return err
	}
	removed, err := s.campaigns.RemoveOptOut(c.UserContext(), accountID, e164,
		s.auditWith(c, map[string]string{"account_id": accountID, "e164": domain.Mask(e164)}))
	if err != nil {
		return err
	}
	if !removed {
		return notFoundError("that number is not on the account's opt-out list")
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// optKeywordsInput is the body of PUT /api/v1/workstreams/{id}/opt-out-keywords.
type optKeywordsInput struct {
	Keywords []store.OptKeyword `json:"keywords"`
}

func (s *Server) getOptKeywords(c *fiber.Ctx) error {
	if _, err := s.workstreams.GetWorkstream(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	ks, err := s.campaigns.OptKeywords(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"keywords": ks})
}

// putOptKeywords replaces a workstream's opt-out and opt-in keywords.
func (s *Server) putOptKeywords(c *fiber.Ctx) error {
	var in optKeywordsInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if _, err := s.workstreams.GetWorkstream(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range in.Keywords {
		k := &in.Keywords[i]
		if k.Kind != "opt_out" && k.Kind != "opt_in" {
			return invalid("keywords[%d].kind is opt_out or opt_in", i)
		}
		word := store.NormalizeKeyword(k.Keyword)
		if word == "" || len(word) > 40 || strings.ContainsAny(word, " \t") {
			return invalid("keywords[%d].keyword is one word of at most 40 characters", i)
		}
		if seen[word] {
			return invalid("keywords[%d]: %q appears twice", i, word)
		}
		seen[word] = true
		lang, err := domain.CanonicalLanguage(k.Language)
		if err != nil {
			return invalid("keywords[%d].language: %s", i, err.(*domain.Error).Message)
		}
		k.Language = lang
		if strings.TrimSpace(k.Confirmation) == "" {
			return invalid("keywords[%d].confirmation is required (answered once, in the keyword's language)", i)
		}
	}
	if err := s.campaigns.SetOptKeywords(c.UserContext(), c.Params("id"), in.Keywords, s.audit(c)); err != nil {
		return err
	}
	return s.getOptKeywords(c)
}
