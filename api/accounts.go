package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

type numberInput struct {
	Name string `json:"name"`
	E164 string `json:"e164"`
}

type accountInput struct {
	Name             string        `json:"name"`
	TwilioAccountSID string        `json:"twilio_account_sid"`
	TwilioAuthToken  string        `json:"twilio_auth_token"`
	Sandbox          bool          `json:"sandbox"`
	Numbers          []numberInput `json:"numbers"`
}

func (in *accountInput) validate() (store.NewAccount, error) {
	out := store.NewAccount{Name: strings.TrimSpace(in.Name), AccountSID: strings.TrimSpace(in.TwilioAccountSID), Sandbox: in.Sandbox}
	if out.Name == "" || len(out.Name) > 200 {
		return out, invalid("name is required (at most 200 characters)")
	}
	if !domain.ValidAccountSID(out.AccountSID) {
		return out, invalid("twilio_account_sid must be AC followed by 32 lowercase hex digits")
	}
	if len(strings.TrimSpace(in.TwilioAuthToken)) < 16 {
		return out, invalid("twilio_auth_token is required (the account's Auth Token from the Twilio console)")
	}
	if in.Sandbox && len(in.Numbers) == 0 {
		in.Numbers = []numberInput{{Name: "Twilio Sandbox", E164: domain.SandboxSender}}
	}
	if len(in.Numbers) == 0 {
		return out, invalid("numbers: at least one WhatsApp number {name, e164} is required")
	}
	seen := map[string]bool{}
	for i, n := range in.Numbers {
		e164, err := domain.NormalizeE164(n.E164)
		if err != nil {
			return out, invalid("numbers[%d].e164: %s", i, err.(*domain.Error).Message)
		}
		if seen[e164] {
			return out, invalid("numbers[%d].e164: %s is listed twice", i, e164)
		}
		seen[e164] = true
		name := strings.TrimSpace(n.Name)
		if name == "" {
			name = e164
		}
		out.Numbers = append(out.Numbers, store.NewNumber{Name: name, E164: e164})
	}
	return out, nil
}

func (s *Server) createAccount(c *fiber.Ctx) error {
	var in accountInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	acc, err := in.validate()
	if err != nil {
		return err
	}
	if acc.AuthTokenEnc, err = s.box.Encrypt(strings.TrimSpace(in.TwilioAuthToken)); err != nil {
		return err
	}
	created, err := s.store.CreateAccount(c.UserContext(), acc)
	if err != nil {
		return err
	}
	s.logger.Info("whatsapp account created", "account_id", created.ID, "numbers", len(created.Numbers), "sandbox", created.Sandbox)
	return c.Status(fiber.StatusCreated).JSON(s.withURLs(created))
}

func (s *Server) listAccounts(c *fiber.Ctx) error {
	accs, err := s.store.ListAccounts(c.UserContext())
	if err != nil {
		return err
	}
	for i := range accs {
		accs[i] = s.withURLs(accs[i])
	}
	return c.JSON(fiber.Map{"data": accs})
}

func (s *Server) getAccount(c *fiber.Ctx) error {
	acc, err := s.store.GetAccount(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(s.withURLs(acc))
}

func (s *Server) withURLs(a domain.Account) domain.Account {
	a.InboundURL = s.cfg.InboundURL(a.ID)
	a.StatusCallbackURL = s.cfg.StatusCallbackURL(a.ID)
	return a
}
