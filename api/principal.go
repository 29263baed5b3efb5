package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

// principal is who a request authenticated as: an admin key (by its label)
// or an agent. Handlers read it through authenticatedAgent and
// authenticatedAdmin, which answer 401 when it is absent, so a handler
// reached without authentication never runs with an empty identity.
type principal struct {
	adminLabel     string        // set for an admin key
	agent          *domain.Agent // set for an agent token
	agentTokenHash string        // the agent token's hash, for its event streams
}

const principalLocal = "principal"

// setPrincipal records who the request is. "actor" keeps the name the
// audit log and other middleware read (the admin key's label, agent:<id>).
func setPrincipal(c *fiber.Ctx, p principal) {
	c.Locals(principalLocal, p)
	c.Locals("actor", actor(c))
}

func requestPrincipal(c *fiber.Ctx) (principal, bool) {
	p, ok := c.Locals(principalLocal).(principal)
	return p, ok
}

func errNoPrincipal() error {
	return domain.Errorf(domain.CodeUnauthorized, "this request is not authenticated")
}

// authenticatedAgent is the agent of the request, or 401.
func authenticatedAgent(c *fiber.Ctx) (domain.Agent, error) {
	p, ok := requestPrincipal(c)
	if !ok || p.agent == nil || p.agent.ID == "" {
		return domain.Agent{}, errNoPrincipal()
	}
	return *p.agent, nil
}

// authenticatedAdmin is the label of the admin key of the request, or 401.
func authenticatedAdmin(c *fiber.Ctx) (string, error) {
	p, ok := requestPrincipal(c)
	if !ok || p.adminLabel == "" {
		return "", errNoPrincipal()
	}
	return p.adminLabel, nil
}

// actor names who makes a request, for the audit log and the workflows:
// the admin key's label, or agent:<id>. It is "" without a principal, and
// an Audit without an actor records nothing, so handlers that write check
// authenticatedAdmin first (the admin routes' authentication guarantees it).
func actor(c *fiber.Ctx) string {
	p, _ := requestPrincipal(c)
	switch {
	case p.adminLabel != "":
		return p.adminLabel
	case p.agent != nil:
		return domain.AgentAuthor(p.agent.ID)
	}
	return ""
}
