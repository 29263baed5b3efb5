package api

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
)

// AccountStore is what the accounts and numbers routes (accounts.go,
// numbers.go, channel_delete.go) need of the store.
type AccountStore interface {
	CreateAccount(ctx context.Context, in store.NewAccount) (domain.Account, error)
	GetAccount(ctx context.Context, id string) (domain.Account, error)
	ListAccounts(ctx context.Context) ([]domain.Account, error)
	UpdateAccount(ctx context.Context, id string, p store.AccountPatch, a store.Audit) (domain.Account, error)
	DeleteAccount(ctx context.Context, id string, a store.Audit) error
	AddNumber(ctx context.Context, accountID string, n store.NewNumber, a store.Audit) (domain.Number, error)
	GetNumber(ctx context.Context, id string) (domain.Number, error)
	UpdateNumber(ctx context.Context, accountID, numberID string, p store.NumberPatch, a store.Audit) (domain.Number, error)
	DeleteNumber(ctx context.Context, accountID, numberID string, a store.Audit) error
	// OpenConversations and CloseConversationRow close what a deleted
	// account or number leaves open (channel_delete.go).
	OpenConversations(ctx context.Context, accountID, numberID string) ([]domain.Conversation, error)
	CloseConversationRow(ctx context.Context, id, reason string) error
}

// minAuthTokenLen: Twilio auth tokens are 32 characters; anything much
// shorter is a paste error.
const minAuthTokenLen = 16

type accountInput struct {
	Name             string        `json:"name"`
	TwilioAccountSID string        `json:"twilio_account_sid"`
	TwilioAuthToken  string        `json:"twilio_auth_token"`
	Sandbox          bool          `json:"sandbox"`
	Numbers          []numberInput `json:"numbers"`
}

func (in *accountInput) validate() (store.NewAccount, error) {
	out := store.NewAccount{Name: strings.TrimSpace(in.Name), AccountSID: strings.TrimSpace(in.TwilioAccountSID), Sandbox: in.Sandbox}
	if out.Name == "" || utf8.RuneCountInString(out.Name) > domain.MaxNameLength {
		return out, invalid("name is required (at most %d characters)", domain.MaxNameLength)
	}
	if !domain.ValidAccountSID(out.AccountSID) {
		return out, invalid("twilio_account_sid must be AC followed by 32 lowercase hex digits")
	}
	if len(strings.TrimSpace(in.TwilioAuthToken)) < minAuthTokenLen {
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
		num, err := n.validate("numbers[" + strconv.Itoa(i) + "].")
		if err != nil {
			return out, err
		}
		if seen[num.E164] {
			return out, invalid("numbers[%d].e164: %s is listed twice", i, num.E164)
		}
		seen[num.E164] = true
		out.Numbers = append(out.Numbers, num)
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
	// Sealed for this account: its ciphertext opens for no other.
	acc.ID = uuid.NewString()
	if acc.AuthTokenEnc, err = s.box.EncryptFor(strings.TrimSpace(in.TwilioAuthToken), secret.AccountOwner(acc.ID)); err != nil {
		return err
	}
	acc.Audit = s.audit(c)
	created, err := s.accounts.CreateAccount(c.UserContext(), acc)
	if err != nil {
		return err
	}
	s.logger.Info("whatsapp account created", "account_id", created.ID, "numbers", len(created.Numbers), "sandbox", created.Sandbox)
	return c.Status(fiber.StatusCreated).JSON(s.withURLs(created))
}

func (s *Server) listAccounts(c *fiber.Ctx) error {
	accs, err := s.accounts.ListAccounts(c.UserContext())
	if err != nil {
		return err
	}
	for i := range accs {
		accs[i] = s.withURLs(accs[i])
	}
	return c.JSON(fiber.Map{"data": accs})
}

func (s *Server) getAccount(c *fiber.Ctx) error {
	acc, err := s.accounts.GetAccount(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(s.withURLs(acc))
}

type accountPatchInput struct {
	Name             *string         `json:"name"`
	TwilioAuthToken  *string         `json:"twilio_auth_token"`
	Sandbox          *bool           `json:"sandbox"`
	TwilioAccountSID *string         `json:"twilio_account_sid"`
	Numbers          json.RawMessage `json:"numbers"`
}

// updateAccount changes the name, the auth token (rotated in the Twilio
// console) or the sandbox flag. Numbers have their own routes.
func (s *Server) updateAccount(c *fiber.Ctx) error {
	var in accountPatchInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.TwilioAccountSID != nil {
		return invalid("twilio_account_sid cannot change: create another account for another Twilio account")
	}
	if in.Numbers != nil {
		return invalid("numbers are changed through /api/v1/whatsapp-accounts/{id}/numbers")
	}
	var p store.AccountPatch
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || utf8.RuneCountInString(name) > domain.MaxNameLength {
			return invalid("name must have text (at most %d characters)", domain.MaxNameLength)
		}
		p.Name = &name
	}
	if in.TwilioAuthToken != nil {
		tok := strings.TrimSpace(*in.TwilioAuthToken)
		if len(tok) < minAuthTokenLen {
			return invalid("twilio_auth_token is too short (the account's Auth Token from the Twilio console)")
		}
		enc, err := s.box.EncryptFor(tok, secret.AccountOwner(c.Params("id")))
		if err != nil {
			return err
		}
		p.AuthTokenEnc = &enc
	}
	p.Sandbox = in.Sandbox
	acc, err := s.accounts.UpdateAccount(c.UserContext(), c.Params("id"), p, s.audit(c))
	if err != nil {
		return err
	}
	s.logger.Info("whatsapp account updated", "account_id", acc.ID, "token_changed", p.AuthTokenEnc != nil)
	return c.JSON(s.withURLs(acc))
}

// deleteAccount removes an account and its numbers (soft delete), closing
// its open conversations first when ?force=true.
func (s *Server) deleteAccount(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := c.Params("id")
	if _, err := s.accounts.GetAccount(ctx, id); err != nil {
		return err
	}
	closed, err := s.closeForDeletion(c, id, "")
	if err != nil {
		return err
	}
	if err := s.accounts.DeleteAccount(ctx, id, s.auditWith(c, deletion{Force: c.QueryBool("force"), ClosedConversations: len(closed)})); err != nil {
		return err
	}
	s.sweepAfterDeletion(c, id, "", closed)
	s.logger.Info("whatsapp account deleted", "account_id", id, "closed_conversations", len(closed))
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) withURLs(a domain.Account) domain.Account {
	a.InboundURL = s.cfg.InboundURL(a.ID)
	a.StatusCallbackURL = s.cfg.StatusCallbackURL(a.ID)
	return a
}
