package api

import (
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

type numberInput struct {
	Name         string  `json:"name"`
	E164         string  `json:"e164"`
	WorkstreamID *string `json:"workstream_id"`
}

// validate normalizes a number to connect; field prefixes the messages
// ("numbers[0]." inside an account).
func (n numberInput) validate(field string) (store.NewNumber, error) {
	e164, err := domain.NormalizeE164(n.E164)
	if err != nil {
		return store.NewNumber{}, invalid("%se164: %s", field, err.(*domain.Error).Message)
	}
	name := strings.TrimSpace(n.Name)
	if name == "" {
		name = e164
	}
	if utf8.RuneCountInString(name) > domain.MaxNameLength {
		return store.NewNumber{}, invalid("%sname: at most %d characters", field, domain.MaxNameLength)
	}
	ws, err := optionalID(field+"workstream_id", n.WorkstreamID)
	if err != nil {
		return store.NewNumber{}, err
	}
	return store.NewNumber{Name: name, E164: e164, WorkstreamID: ws}, nil
}

type numberPatchInput struct {
	Name         *string          `json:"name"`
	WorkstreamID nullable[string] `json:"workstream_id"`
	E164         *string          `json:"e164"`
	AccountID    *string          `json:"account_id"`
	ID           *string          `json:"id"`
}

func (s *Server) addNumber(c *fiber.Ctx) error {
	var in numberInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n, err := in.validate("")
	if err != nil {
		return err
	}
	num, err := s.accounts.AddNumber(c.UserContext(), c.Params("id"), n, s.audit(c))
	if err != nil {
		return err
	}
	s.logger.Info("whatsapp number connected", "account_id", num.AccountID, "number_id", num.ID, "e164", domain.Mask(num.E164))
	return c.Status(fiber.StatusCreated).JSON(num)
}

func (s *Server) listNumbers(c *fiber.Ctx) error {
	acc, err := s.accounts.GetAccount(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": acc.Numbers})
}

func (s *Server) getNumber(c *fiber.Ctx) error {
	n, err := s.accounts.GetNumber(c.UserContext(), c.Params("number_id"))
	if err != nil {
		return err
	}
	if n.AccountID != c.Params("id") {
		return domain.Errorf(domain.CodeNotFound, "number %s of this account not found", c.Params("number_id"))
	}
	return c.JSON(n)
}

func (s *Server) updateNumber(c *fiber.Ctx) error {
	var in numberPatchInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.E164 != nil {
		return invalid("e164 cannot change: connect the new number and remove this one")
	}
	if in.ID != nil && *in.ID != c.Params("number_id") || in.AccountID != nil && *in.AccountID != c.Params("id") {
		return invalid("id and account_id cannot change")
	}
	p := store.NumberPatch{SetWorkstream: in.WorkstreamID.Set}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || utf8.RuneCountInString(name) > domain.MaxNameLength {
			return invalid("name must have text (at most %d characters)", domain.MaxNameLength)
		}
		p.Name = &name
	}
	ws, err := optionalID("workstream_id", in.WorkstreamID.Value)
	if err != nil {
		return err
	}
	p.WorkstreamID = ws
	num, err := s.accounts.UpdateNumber(c.UserContext(), c.Params("id"), c.Params("number_id"), p, s.audit(c))
	if err != nil {
		return err
	}
	return c.JSON(num)
}

func (s *Server) deleteNumber(c *fiber.Ctx) error {
	ctx := c.UserContext()
	accountID, numberID := c.Params("id"), c.Params("number_id")
	n, err := s.accounts.GetNumber(ctx, numberID)
	if err != nil {
		return err
	}
	if n.AccountID != accountID {
		return domain.Errorf(domain.CodeNotFound, "number %s of this account not found", numberID)
	}
	closed, err := s.closeForDeletion(c, accountID, numberID)
	if err != nil {
		return err
	}
	if err := s.accounts.DeleteNumber(ctx, accountID, numberID, s.auditWith(c, deletion{Force: c.QueryBool("force"), ClosedConversations: len(closed)})); err != nil {
		return err
	}
	s.sweepAfterDeletion(c, accountID, numberID, closed)
	s.logger.Info("whatsapp number removed", "account_id", accountID, "number_id", numberID, "e164", domain.Mask(n.E164), "closed_conversations", len(closed))
	return c.SendStatus(fiber.StatusNoContent)
}
