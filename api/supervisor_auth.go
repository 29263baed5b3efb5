package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/secret"
)

// SupervisorScope is what a supervisor request may see: every queue (the
// admin key), or the queues the supervisor belongs to.
type SupervisorScope struct {
	// All is true for the admin key.
	All bool
	// QueueIDs are the supervisor's queues (empty with All).
	QueueIDs []string
	// Supervisor is the supervisor's agent (nil for the admin key).
	Supervisor *domain.Agent
}

// Covers reports whether a conversation or agent of queueID is in scope.
func (sc SupervisorScope) Covers(queueID string) bool {
	return sc.All || (queueID != "" && slices.Contains(sc.QueueIDs, queueID))
}

// StoreQueues is the scope as the store reads it: nil means every queue.
func (sc SupervisorScope) StoreQueues() []string {
	if sc.All {
		return nil
	}
	if sc.QueueIDs == nil {
		return []string{}
	}
	return sc.QueueIDs
}

// By names who acts, in the workflow's requests and the transcript:
// supervisor:<agent id>, or the admin key's label.
func (sc SupervisorScope) By(c *fiber.Ctx) string {
	if sc.Supervisor != nil {
		return "supervisor:" + sc.Supervisor.ID
	}
	return actor(c)
}

// requireSupervisor authenticates the supervisor routes (and the reports):
// `Authorization: Bearer` with an admin key (every queue) or the agent
// token of an agent whose role is supervisor (its queues). An agent token
// of a plain agent answers 403. Handlers read the scope with
// supervisorScope.
func (s *Server) requireSupervisor(c *fiber.Ctx) error {
	token, ok := bearer(c)
	if !ok {
		c.Set("WWW-Authenticate", `Bearer realm="switchboard-supervisor"`)
		return s.refuseCredentials(c, domain.Errorf(domain.CodeUnauthorized, "missing bearer token: send Authorization: Bearer <supervisor's agent token or admin key>"))
	}
	if label, sum := s.adminKeyLabel(token); label != "" {
		if err := s.limits.allowClient(c, metrics.RateLimitAdmin, "admin:"+hex.EncodeToString(sum[:8])); err != nil {
			return err
		}
		setPrincipal(c, principal{adminLabel: label})
		return c.Next()
	}
	ag, err := s.agentAPI.AgentByToken(c.UserContext(), token)
	if domain.ErrorCode(err) == domain.CodeUnauthorized {
		return s.refuseCredentials(c, domain.Errorf(domain.CodeUnauthorized, "invalid token: send a supervisor's agent token or an admin key"))
	}
	if err != nil {
		return err
	}
	if err := s.limits.allowClient(c, metrics.RateLimitAgent, "agent:"+ag.ID); err != nil {
		return err
	}
	if !ag.IsSupervisor() {
		return domain.Errorf(domain.CodeForbidden, "agent %s is not a supervisor (role %s)", ag.ID, ag.Role)
	}
	setPrincipal(c, principal{agent: &ag, agentTokenHash: strings.Clone(secret.HashAgentToken(token))})
	return c.Next()
}

// supervisorScope is the scope of a request that passed requireSupervisor,
// or 401.
func supervisorScope(c *fiber.Ctx) (SupervisorScope, error) {
	p, ok := requestPrincipal(c)
	switch {
	case !ok:
		return SupervisorScope{}, errNoPrincipal()
	case p.adminLabel != "":
		return SupervisorScope{All: true}, nil
	case p.agent != nil && p.agent.ID != "" && p.agent.IsSupervisor():
		ag := *p.agent
		return SupervisorScope{QueueIDs: slices.Clone(ag.QueueIDs), Supervisor: &ag}, nil
	}
	return SupervisorScope{}, errNoPrincipal()
}

// adminKeyLabel is the label of the admin key token is, or "" (compared in
// constant time against every accepted key, see requireAdmin), with the
// token's hash for its rate-limit bucket.
func (s *Server) adminKeyLabel(token string) (string, [sha256.Size]byte) {
	got := sha256.Sum256([]byte(token))
	label := ""
	for _, k := range s.cfg.AdminCredentials() {
		want := sha256.Sum256([]byte(k.Key))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			label = k.Label
		}
	}
	return label, got
}
