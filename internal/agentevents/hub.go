// Package agentevents wakes agents' event streams when their events are
// committed, and send requests when Twilio answered their message: one
// PostgreSQL LISTEN connection per process, fanned out to the streams of
// each agent and to the requests waiting on a message. A wake-up only says "look again": the
// agent_events table is the truth, so a lost notification costs latency
// (streams also poll), never an event.
package agentevents

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/store"
)

// Hub fans the switchboard_agent_events notifications (payload: the agent
// id) out to the subscribed streams. Subscribe works whether or not Run is
// running; without Run, streams only poll.
type Hub struct {
	dsn    string
	logger *slog.Logger
	ctx    context.Context // cancelled when Run returns: streams end
	cancel context.CancelFunc

	mu   sync.Mutex
	subs map[string]map[*Subscription]struct{}

	// PingEvery checks the LISTEN connection (a dead one is replaced,
	// and everyone woken); ReconnectMin/Max bound pq's back-off.
	PingEvery    time.Duration
	ReconnectMin time.Duration
	ReconnectMax time.Duration
}

// Subscription is one stream's interest in an agent's events.
type Subscription struct {
	hub     *Hub
	agentID string
	wake    chan struct{}
	recheck chan struct{} // the agent's credentials changed
	once    sync.Once
}

// New returns a hub that will listen through its own connection to dsn.
func New(dsn string, logger *slog.Logger) *Hub {
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{
		dsn: dsn, logger: logger, ctx: ctx, cancel: cancel,
		subs:      map[string]map[*Subscription]struct{}{},
		PingEvery: 30 * time.Second, ReconnectMin: 100 * time.Millisecond, ReconnectMax: 10 * time.Second,
	}
}

// MessageKey is the subscription key woken when Twilio's answer to the
// message id is stored (store.MessageOutcomeChannel): a send request
// subscribes to it to answer without polling the row.
func MessageKey(id string) string { return "message:" + id }

// Context ends when the hub stops (the server shuts down): streams use it
// for their queries and end with it, so that clients reconnect elsewhere.
func (h *Hub) Context() context.Context { return h.ctx }

// Subscribe registers a stream for agentID's wake-ups; Close it when the
// stream ends.
func (h *Hub) Subscribe(agentID string) *Subscription {
	s, _ := h.TrySubscribe(agentID, 0)
	return s
}

// TrySubscribe is Subscribe unless the agent already holds max streams in
// this process (0: no limit): then it returns false and subscribes nothing.
func (h *Hub) TrySubscribe(agentID string, max int) (*Subscription, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.subs[agentID]
	if max > 0 && len(m) >= max {
		return nil, false
	}
	if m == nil {
		m = map[*Subscription]struct{}{}
		h.subs[agentID] = m
	}
	s := &Subscription{hub: h, agentID: agentID, wake: make(chan struct{}, 1), recheck: make(chan struct{}, 1)}
	m[s] = struct{}{}
	return s, true
}

// Recheck receives when the agent's token was rotated or the agent deleted
// (in any process): the stream checks its credential again and ends when
// it is no longer current.
func (s *Subscription) Recheck() <-chan struct{} { return s.recheck }

// CredentialsChanged pokes the Recheck of agentID's streams.
func (h *Hub) CredentialsChanged(agentID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[agentID] {
		select {
		case s.recheck <- struct{}{}:
		default:
		}
	}
}

// Wake receives when the agent may have new events. Wake-ups coalesce: one
// pending is enough, since the stream reads everything after its last id.
func (s *Subscription) Wake() <-chan struct{} { return s.wake }

// Close unsubscribes; safe to call more than once, and on nil.
func (s *Subscription) Close() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		h := s.hub
		h.mu.Lock()
		defer h.mu.Unlock()
		if m := h.subs[s.agentID]; m != nil {
			delete(m, s)
			if len(m) == 0 {
				delete(h.subs, s.agentID)
			}
		}
	})
}

// Subscribers counts the open subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.subs {
		n += len(m)
	}
	return n
}

func (s *Subscription) poke() {
	select {
	case s.wake <- struct{}{}:
	default: // one is already pending
	}
}

// Wake pokes agentID's streams (the listener does on each notification).
func (h *Hub) Wake(agentID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[agentID] {
		s.poke()
	}
}

// recheckAll has every stream check its credential: a rotation may have
// been announced while the listener was away.
func (h *Hub) recheckAll() {
	h.mu.Lock()
	agents := make([]string, 0, len(h.subs))
	for id := range h.subs {
		agents = append(agents, id)
	}
	h.mu.Unlock()
	for _, id := range agents {
		h.CredentialsChanged(id)
	}
}

// WakeAll pokes every stream: notifications may have been lost.
func (h *Hub) WakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.subs {
		for s := range m {
			s.poke()
		}
	}
}

// Run listens until ctx ends, then stops the hub: its Context is
// cancelled and the streams end. It returns nil on a normal stop.
func (h *Hub) Run(ctx context.Context) error {
	defer h.cancel()
	l := pq.NewListener(h.dsn, h.ReconnectMin, h.ReconnectMax, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			h.logger.Warn("agent events listener lost PostgreSQL; streams poll meanwhile", "event", ev.String(), "err", err)
		case pq.ListenerEventReconnected:
			h.logger.Info("agent events listener reconnected")
		}
	})
	defer func() {
		_ = l.Close()
		// pq closes Notify once its loop ends, which can take a back-off
		// sleep; drain it meanwhile so that its sends never block.
		go func() {
			for range l.Notify {
			}
		}()
	}()
	listening := make(chan error, 1)
	go func() {
		err := l.Listen(store.AgentEventsChannel)
		if err == nil {
			err = l.Listen(store.AgentCredentialsChannel)
		}
		if err == nil {
			err = l.Listen(store.MessageOutcomeChannel)
		}
		listening <- err
	}()
	ping := time.NewTicker(h.PingEvery)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-listening:
			listening = nil
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return nil
				}
				// Only a server-side refusal gets here; streams still poll.
				h.logger.Error("agent events: LISTEN failed; streams will only poll", "err", err)
				continue
			}
			h.logger.Debug("agent events listener ready", "channel", store.AgentEventsChannel)
			h.WakeAll()    // events committed before LISTEN took effect
			h.recheckAll() // and tokens rotated meanwhile
		case n, ok := <-l.Notify:
			if !ok {
				return nil
			}
			if n == nil { // reconnected: what happened meanwhile is unknown
				h.WakeAll()
				h.recheckAll()
				continue
			}
			switch n.Channel {
			case store.AgentCredentialsChannel:
				h.CredentialsChanged(n.Extra)
				continue
			case store.MessageOutcomeChannel:
				h.Wake(MessageKey(n.Extra))
				continue
			}
			h.Wake(n.Extra)
		case <-ping.C:
			if err := l.Ping(); err != nil {
				h.logger.Debug("agent events listener ping failed", "err", err)
			}
		}
	}
}
