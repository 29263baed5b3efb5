package api

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/agentevents"
	"github.com/switchboard/switchboard/internal/store"
)

// supervisorStreamKey is the hub's key for the supervisors' streams: the
// supervisor_events trigger notifies it (migrations/00036).
const supervisorStreamKey = "supervisor"

// supervisorEvents streams the live changes of the supervisor's queues
// (conversation, message, agent), with the agent stream's rules: resume
// with Last-Event-ID (or ?last_event_id=), else start at the latest event;
// a supervisor's rotated token ends the stream.
func (s *Server) supervisorEvents(c *fiber.Ctx) error {
	sc, err := supervisorScope(c)
	if err != nil {
		return err
	}
	last, resume, err := lastEventID(c)
	if err != nil {
		return err
	}
	if !resume {
		if last, err = s.supervisor.LatestSupervisorEventID(c.UserContext()); err != nil {
			return err
		}
	}
	var sub *agentevents.Subscription
	if c.Method() != fiber.MethodHead {
		// Every supervisor stream of a process shares the hub's key (0: no
		// cap); the supervisor's rate limit bounds how many it opens.
		sub, _ = s.events.TrySubscribe(supervisorStreamKey, 0)
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	if sub == nil { // HEAD
		return nil
	}
	queues := sc.StoreQueues()
	var current func(ctx context.Context) (bool, error)
	name := "admin"
	if sc.Supervisor != nil {
		p, _ := requestPrincipal(c)
		id, tokenHash := sc.Supervisor.ID, p.agentTokenHash
		name = "supervisor:" + id
		current = func(ctx context.Context) (bool, error) {
			return s.agentEventStore.AgentTokenCurrent(ctx, id, tokenHash)
		}
	}
	st := &eventStream{
		agentID: name,
		last:    last,
		fetch: func(ctx context.Context, _ string, after int64, limit int) ([]store.AgentEvent, error) {
			return s.supervisor.SupervisorEventsAfter(ctx, queues, after, limit)
		},
		sub:     sub,
		current: current,
		ctx:     s.events.Context(),
		conn:    c.Context().Conn(),
		logger:  s.logger,
		timing:  defaultStreamTiming,
	}
	c.Context().SetBodyStreamWriter(st.run)
	return nil
}
