package distribution

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/store"
)

// Service is work distribution as the rest of a process uses it: the
// Dispatcher decides under its lock, and the assignments a decision makes
// for other conversations are signalled to their workflows at once; what
// could not be is delivered by Run's sweep. A process has one (app.New).
type Service struct {
	d        *Dispatcher
	temporal client.Client
	logger   *slog.Logger
	// SignalTimeout bounds one `assigned` signal.
	SignalTimeout time.Duration
	// Interval between sweeps of the outbox; Grace is how old a row must
	// be before the sweep takes it (younger rows belong to the caller that
	// made them).
	Interval, Grace time.Duration
	// OnRedelivery counts an assignment signalled again because its
	// workflow had not applied it (a metric).
	OnRedelivery func()
}

// New returns the distribution of the store's database, signalling
// through tc.
func New(st *store.Store, tc client.Client, logger *slog.Logger) *Service {
	return &Service{d: NewDispatcher(st), temporal: tc, logger: logger,
		SignalTimeout: 10 * time.Second, Interval: time.Second, Grace: 2 * time.Second}
}

// Dispatcher is the service's dispatcher, for callers that want the
// assignments a decision made (tests, tools).
func (s *Service) Dispatcher() *Dispatcher { return s.d }

// Enqueue puts the conversation in its queue and dispatches (see
// Dispatcher.Enqueue); it returns the agent the conversation was given at
// once, or "". Other conversations' assignments are delivered.
func (s *Service) Enqueue(ctx context.Context, req EnqueueRequest) (agentID string, err error) {
	disp, err := s.d.Enqueue(ctx, req)
	if err != nil {
		return "", err
	}
	s.deliverNow(ctx, disp, req.ConversationID)
	own, _ := disp.For(req.ConversationID)
	return own.AgentID, nil
}

// Release frees the capacity the conversation holds and delivers what the
// freed room was given.
func (s *Service) Release(ctx context.Context, conversationID string) error {
	disp, err := s.d.Release(ctx, conversationID)
	if err != nil {
		return err
	}
	s.deliverNow(ctx, disp, "")
	return nil
}

// Claim gives a waiting conversation to the agent who asks for it (see
// Dispatcher.Claim).
func (s *Service) Claim(ctx context.Context, conversationID, agentID string) error {
	return s.d.Claim(ctx, conversationID, agentID)
}

// AssignTo transfers the conversation to a named agent (see
// Dispatcher.AssignTo) and delivers what the released room was given.
func (s *Service) AssignTo(ctx context.Context, conversationID, agentID string) error {
	disp, err := s.d.AssignTo(ctx, conversationID, agentID)
	if err != nil {
		return err
	}
	s.deliverNow(ctx, disp, conversationID)
	return nil
}

// DispatchForAgent gives the agent the waiting conversations it can take
// now (call it after the agent's presence, capacity, skills or queues
// changed) and tells their workflows; what cannot be told waits in the
// outbox for the sweep.
func (s *Service) DispatchForAgent(ctx context.Context, agentID string) error {
	disp, err := s.d.DispatchForAgent(ctx, agentID)
	if err != nil {
		return err
	}
	s.deliverNow(ctx, disp, "", "agent_id", agentID)
	return nil
}

// CloseAbandoned closes the conversations of a workflow that ended
// without closing them (see Dispatcher.CloseAbandoned) and delivers what
// their agents' freed room was given. It returns the conversations closed.
func (s *Service) CloseAbandoned(ctx context.Context, workflowID string, endedAt time.Time, reason string) ([]string, error) {
	closed, disp, err := s.d.CloseAbandoned(ctx, workflowID, endedAt, reason)
	if err != nil {
		return closed, err
	}
	s.deliverNow(ctx, disp, "")
	return closed, nil
}

// AckAssignment records that the conversation's workflow handled its
// assignment to agentID.
func (s *Service) AckAssignment(ctx context.Context, conversationID, agentID string) error {
	return s.d.AckAssignment(ctx, conversationID, agentID)
}

// CurrentAgent is the agent the dispatcher gave the conversation to and
// that still holds capacity for it, or "".
func (s *Service) CurrentAgent(ctx context.Context, conversationID string) (string, error) {
	return s.d.CurrentAgent(ctx, conversationID)
}

// AgentLoad returns what the agent's conversations cost now and its
// capacity.
func (s *Service) AgentLoad(ctx context.Context, agentID string) (load, capacity int, err error) {
	return s.d.AgentLoad(ctx, agentID)
}
