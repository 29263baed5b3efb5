package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/store"
)

// SupervisorStore is what the supervisor routes need of the store.
type SupervisorStore interface {
	SupervisorOverview(ctx context.Context, queues []string, th store.RiskThresholds) (store.Overview, error)
	LatestSupervisorEventID(ctx context.Context) (int64, error)
	SupervisorEventsAfter(ctx context.Context, queues []string, after int64, limit int) ([]store.AgentEvent, error)
	// RecordAudit records the supervisors' and agents' actions on
	// conversations (supervisor_actions.go).
	RecordAudit(ctx context.Context, a store.Audit, action, resourceType, resourceID string) error
}

// windowClosingRisk: a conversation whose window closes within this, the
// customer's last message unanswered, is at risk (WhatsApp's own warning
// comes at the same moment: docs/supervisor.md).
const windowClosingRisk = 2 * time.Hour

// supervisorOverview is the live view of the supervisor's queues: per queue,
// per agent, and the conversations at risk.
func (s *Server) supervisorOverview(c *fiber.Ctx) error {
	sc, err := supervisorScope(c)
	if err != nil {
		return err
	}
	o, err := s.supervisor.SupervisorOverview(c.UserContext(), sc.StoreQueues(), store.RiskThresholds{
		Waiting:       s.cfg.SupervisorWaitThreshold,
		WindowClosing: windowClosingRisk,
		NoAgentReply:  s.cfg.SupervisorNoReplyAfter,
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(o)
}
