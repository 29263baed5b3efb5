package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// baselineWorkflow is the no-op workflow of the baseline: it takes the
// inbound signal and ends.
const baselineWorkflow = "BenchNoop"

// baseline is bare SignalWithStart on the same Temporal server, with a
// worker running a no-op workflow: what Temporal alone costs per message.
type baseline struct {
	tc   client.Client
	tq   string
	w    worker.Worker
	done atomic.Int64 // workflows that received their signal and ended
}

func (e *env) startBaseline() (*baseline, error) {
	b := &baseline{tc: e.tc, tq: "bench-noop-" + randHex(4)}
	b.w = worker.New(e.tc, b.tq, e.baselineWorkerOptions(false))
	b.w.RegisterWorkflowWithOptions(func(ctx workflow.Context, _ workflows.ConversationInput) error {
		var m domain.InboundMessage
		workflow.GetSignalChannel(ctx, workflows.SignalInbound).Receive(ctx, &m)
		if !workflow.IsReplaying(ctx) {
			b.done.Add(1)
		}
		return nil
	}, workflow.RegisterOptions{Name: baselineWorkflow})
	if err := b.w.Start(); err != nil {
		return nil, fmt.Errorf("baseline worker: %w", err)
	}
	return b, nil
}

func (b *baseline) stop() { b.w.Stop() }

// baselineWorkerOptions: a baseline's worker is polled like Switchboard's
// (SWITCHBOARD_WORKER_POLLERS, or --pollers), so that neither side is held
// back by its polls; activity pollers too when it runs activities.
func (e *env) baselineWorkerOptions(activities bool) worker.Options {
	pollers := config.DefaultWorkerPollers
	if e.opts.Pollers > 0 {
		pollers = e.opts.Pollers
	}
	o := worker.Options{
		MaxConcurrentWorkflowTaskExecutionSize: config.DefaultWorkerConcurrency,
		MaxConcurrentWorkflowTaskPollers:       pollers,
	}
	if activities {
		o.MaxConcurrentActivityTaskPollers = pollers
	}
	return o
}

// signalWithStart is what the webhook's relay does, with the same options,
// search attributes and payload shape, for the no-op workflow.
func (b *baseline) signalWithStart(ctx context.Context, id, customer string) error {
	in := workflows.ConversationInput{
		AccountID: "00000000-0000-4000-8000-000000000001", NumberID: "00000000-0000-4000-8000-000000000002",
		NumberE164: "+15550100000", CustomerE164: customer, SessionWindow: domain.DefaultSessionWindow,
		Revision: workflows.CurrentRevision,
	}
	m := domain.InboundMessage{
		MessageSID: newMessageSID(), AccountID: in.AccountID, NumberID: in.NumberID,
		From: customer, To: in.NumberE164, Body: "bench", ProfileName: "Bench", ReceivedAt: time.Now().UTC(),
		Extra: map[string]string{"WaId": customer[1:]},
	}
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                b.tq,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    workflows.CustomerStartSearchAttributes(in, m.ReceivedAt),
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second) // the relay's SignalTimeout
	defer cancel()
	_, err := b.tc.SignalWithStartWorkflow(ctx, id, workflows.SignalInbound, m, opts, baselineWorkflow, in)
	return err
}

// waitDone waits until want no-op workflows have ended and returns when
// that was first seen.
func (b *baseline) waitDone(ctx context.Context, want int64, within time.Duration) (time.Time, error) {
	deadline := time.Now().Add(within)
	for b.done.Load() < want {
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%d of %d baseline workflows ended after %s", b.done.Load(), want, within)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return time.Now(), nil
}
