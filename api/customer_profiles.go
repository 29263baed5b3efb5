package api

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// customerView is GET/PATCH .../customer: the account's profile of the
// conversation's customer and their other conversations on every number
// of the account, newest first.
type customerView struct {
	domain.CustomerProfile
	Conversations []domain.CustomerConversation `json:"conversations"`
}

// historyLength bounds the earlier conversations shown with a profile.
const historyLength = 50

func (s *Server) agentGetCustomer(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, true)
	if err != nil {
		return err
	}
	p, err := s.agentKit.CustomerProfile(c.UserContext(), conv.AccountID, conv.CustomerE164)
	if err != nil {
		return err
	}
	return s.customerView(c, conv.Conversation, p)
}

func (s *Server) customerView(c *fiber.Ctx, conv domain.Conversation, p domain.CustomerProfile) error {
	hist, err := s.agentKit.CustomerHistory(c.UserContext(), conv.AccountID, conv.CustomerE164, historyLength+1)
	if err != nil {
		return err
	}
	earlier := slices.DeleteFunc(hist, func(h domain.CustomerConversation) bool { return h.ID == conv.ID })
	if len(earlier) > historyLength {
		earlier = earlier[:historyLength]
	}
	return c.JSON(customerView{CustomerProfile: p, Conversations: earlier})
}

type customerPatchInput struct {
	DisplayName *string         `json:"display_name"`
	ExternalID  *string         `json:"external_id"`
	Attributes  json.RawMessage `json:"attributes"`
	Notes       *string         `json:"notes"`
}

func (in customerPatchInput) validate() (store.CustomerProfilePatch, []string, error) {
	out := store.CustomerProfilePatch{DisplayName: in.DisplayName, ExternalID: in.ExternalID, Notes: in.Notes}
	var fields []string
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"display_name", in.DisplayName, domain.MaxProfileField}, {"external_id", in.ExternalID, domain.MaxProfileField}, {"notes", in.Notes, domain.MaxProfileText}} {
		if f.v == nil {
			continue
		}
		if utf8.RuneCountInString(*f.v) > f.max {
			return out, nil, invalid("%s: at most %d characters", f.name, f.max)
		}
		fields = append(fields, f.name)
	}
	if in.Attributes != nil {
		a := bytes.TrimSpace(in.Attributes)
		if bytes.Equal(a, []byte("null")) {
			a = []byte("{}")
		}
		var obj map[string]any
		if len(a) == 0 || a[0] != '{' || json.Unmarshal(a, &obj) != nil {
			return out, nil, invalid("attributes must be a JSON object (or null to clear it)")
		}
		if len(a) > domain.MaxProfileAttributes {
			return out, nil, invalid("attributes: at most %d bytes of JSON", domain.MaxProfileAttributes)
		}
		out.Attributes = a
		fields = append(fields, "attributes")
	}
	if len(fields) == 0 {
		return out, nil, invalid("nothing to change: send display_name, external_id, attributes or notes")
	}
	return out, fields, nil
}

// agentPatchCustomer changes the profile of the conversation's customer.
// The audit log records which fields changed, never their values (they
// are customer data; the log is not erased with the customer).
func (s *Server) agentPatchCustomer(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, true)
	if err != nil {
		return err
	}
	var in customerPatchInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	patch, fields, err := in.validate()
	if err != nil {
		return err
	}
	p, err := s.agentKit.UpdateCustomerProfile(c.UserContext(), conv.AccountID, conv.CustomerE164, patch,
		s.auditWith(c, fiber.Map{"fields": fields}), conv.ID)
	if err != nil {
		return err
	}
	return s.customerView(c, conv.Conversation, p)
}

// agentCustomerTranscript reads, read-only, the transcript of one of the
// customer's earlier conversations on the account, through the
// conversation the agent may see.
func (s *Server) agentCustomerTranscript(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, true)
	if err != nil {
		return err
	}
	otherID := c.Params("other_id")
	other, err := s.agentAPI.GetConversation(c.UserContext(), otherID)
	if err != nil || other.AccountID != conv.AccountID || other.CustomerE164 != conv.CustomerE164 {
		return domain.Errorf(domain.CodeNotFound, "conversation %s is not one of this customer's", otherID)
	}
	msgs, err := s.agentAPI.ListMessages(c.UserContext(), other.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"conversation": other, "data": msgs})
}

// searchCustomers finds customers by name (WhatsApp's or the business's),
// external id or digits of their number, most recently seen first. An
// admin key searches everything; a supervisor, the customers of the
// conversations of its queues (requireSupervisor).
func (s *Server) searchCustomers(c *fiber.Ctx) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	sc, err := supervisorScope(c)
	if err != nil {
		return err
	}
	q := c.Query("q")
	if utf8.RuneCountInString(q) > domain.MaxProfileField {
		return invalid("q: at most %d characters", domain.MaxProfileField)
	}
	page, err := s.agentKit.SearchCustomers(c.UserContext(), store.CustomerSearch{Query: q, Limit: limit, Cursor: c.Query("cursor"), QueueIDs: sc.StoreQueues()})
	if err != nil {
		return err
	}
	return c.JSON(page)
}
