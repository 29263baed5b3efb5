package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/agentevents"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/store"
)

// AgentEventStore is what the agents' event streams read.
type AgentEventStore interface {
	LatestAgentEventID(ctx context.Context, agentID string) (int64, error)
	AgentEventsAfter(ctx context.Context, agentID string, after int64, limit int) ([]store.AgentEvent, error)
	AgentTokenCurrent(ctx context.Context, agentID, tokenHash string) (bool, error)
}

// EventHub wakes the agents' event streams (agentevents.Hub).
type EventHub interface {
	TrySubscribe(agentID string, max int) (*agentevents.Subscription, bool)
	// Context ends when the hub stops: so do the streams.
	Context() context.Context
}

// agentEvents streams the authenticated agent's events. With Last-Event-ID
// (header, or ?last_event_id= for clients that cannot set it) every event
// after that id is replayed first; without it the stream starts at the
// agent's latest event.
func (s *Server) agentEvents(c *fiber.Ctx) error {
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	agentID := strings.Clone(me.ID)
	last, resume, err := lastEventID(c)
	if err != nil {
		return err
	}
	if !resume {
		if last, err = s.agentEventStore.LatestAgentEventID(c.UserContext(), agentID); err != nil {
			return err
		}
	}
	var sub *agentevents.Subscription
	if c.Method() != fiber.MethodHead {
		// An agent holds a few streams at most (a console per device); the
		// next one is refused rather than let one token hold unbounded
		// connections.
		var ok bool
		if sub, ok = s.events.TrySubscribe(agentID, s.cfg.AgentMaxStreams); !ok {
			return s.limits.tooMany(c, metrics.RateLimitAgentStreams, 5*time.Second, fmt.Sprintf(
				"agent %s already has %d open event streams (SWITCHBOARD_AGENT_MAX_STREAMS): close one", agentID, s.cfg.AgentMaxStreams))
		}
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	if sub == nil {                  // HEAD
		return nil
	}
	p, _ := requestPrincipal(c)
	tokenHash := p.agentTokenHash
	// The stream runs in its own goroutine once the handler has returned
	// (fasthttp pipes it to the connection): nothing of c may be used there.
	st := &eventStream{
		agentID: agentID,
		last:    last,
		fetch:   s.agentEventStore.AgentEventsAfter,
		sub:     sub,
		current: func(ctx context.Context) (bool, error) {
			return s.agentEventStore.AgentTokenCurrent(ctx, agentID, tokenHash)
		},
		ctx:    s.events.Context(),
		conn:   c.Context().Conn(),
		logger: s.logger,
		timing: defaultStreamTiming,
	}
	c.Context().SetBodyStreamWriter(st.run)
	return nil
}

// lastEventID reads where to resume: Last-Event-ID (what EventSource sends
// when it reconnects) wins over ?last_event_id=.
func lastEventID(c *fiber.Ctx) (id int64, ok bool, err error) {
	raw := strings.TrimSpace(c.Get("Last-Event-ID"))
	if raw == "" {
		raw = strings.TrimSpace(c.Query("last_event_id"))
	}
	if raw == "" {
		return 0, false, nil
	}
	id, err = strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 0 {
		return 0, false, domain.Errorf(domain.CodeInvalid, "Last-Event-ID must be an event id (a non-negative integer), got %q", truncateForError(raw))
	}
	return id, true, nil
}

func truncateForError(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
