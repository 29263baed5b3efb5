package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
)

func TestHandoffLimitHalvesOnOverloadAndGrowsBackByOne(t *testing.T) {
	var l handoffLimit
	if l.allowed() != HandoffWorkers {
		t.Fatalf("starts at %d, want %d", l.allowed(), HandoffWorkers)
	}
	l.record(nil)
	if l.allowed() != HandoffWorkers {
		t.Errorf("grew past the most: %d", l.allowed())
	}
	for _, err := range []error{
		context.DeadlineExceeded,
		fmt.Errorf("signal: %w", serviceerror.NewDeadlineExceeded("slow")),
		serviceerror.NewResourceExhausted(0, "busy"),
	} {
		before := l.allowed()
		l.record(err)
		if want := max(HandoffWorkersMin, before/2); l.allowed() != want {
			t.Errorf("after %v: %d, want %d", err, l.allowed(), want)
		}
	}
	for range 10 {
		l.record(context.DeadlineExceeded)
	}
	if l.allowed() != HandoffWorkersMin {
		t.Fatalf("fell to %d, want the floor %d", l.allowed(), HandoffWorkersMin)
	}
	l.record(serviceerror.NewUnavailable("down"))
	l.record(errors.New("bad request"))
	if l.allowed() != HandoffWorkersMin {
		t.Errorf("an error that is not overload moved the limit to %d", l.allowed())
	}
	for range HandoffWorkersMin - 1 {
		l.record(nil)
	}
	if l.allowed() != HandoffWorkersMin {
		t.Errorf("grew before %d successes", HandoffWorkersMin)
	}
	l.record(nil)
	if l.allowed() != HandoffWorkersMin+1 {
		t.Errorf("after %d successes: %d, want %d", HandoffWorkersMin, l.allowed(), HandoffWorkersMin+1)
	}
}

// narrowTemporal answers at most capacity calls at once; the calls beyond
// time out, as a saturated server's do.
type narrowTemporal struct {
	client.Client
	capacity       int64
	inFlight, most atomic.Int64
	ok, timedOut   atomic.Int64
}

func (n *narrowTemporal) SignalWithStartWorkflow(ctx context.Context, _, _ string, _ interface{}, _ client.StartWorkflowOptions, _ interface{}, _ ...interface{}) (client.WorkflowRun, error) {
	now := n.inFlight.Add(1)
	defer n.inFlight.Add(-1)
	for m := n.most.Load(); now > m && !n.most.CompareAndSwap(m, now); m = n.most.Load() {
	}
	if now > n.capacity {
		time.Sleep(time.Millisecond)
		n.timedOut.Add(1)
		return nil, serviceerror.NewDeadlineExceeded("context deadline exceeded")
	}
	time.Sleep(2 * time.Millisecond)
	n.ok.Add(1)
	return nil, nil
}

// A backlog handed to a server that takes 8 calls at once: with a fixed 64
// in flight, seven calls in eight would time out; the limit narrows to what
// the server takes, so few do.
func TestHandoffsNarrowToWhatAnOverloadedServerTakes(t *testing.T) {
	const messages = 2000
	st := &fakeStore{done: map[int64]bool{}}
	tc := &narrowTemporal{capacity: 8}
	r := New(st, tc, "q", time.Hour, slog.New(slog.DiscardHandler))
	handed := 0
	for i := range messages {
		m := domain.InboundMessage{InboxID: int64(i + 1), MessageSID: fmt.Sprintf("SM%d", i)}
		if r.Handoff(fmt.Sprintf("conv:%d", i), m, false) {
			handed++
		}
	}
	r.WaitHandoffs(context.Background())
	ok, late := tc.ok.Load(), tc.timedOut.Load()
	if ok+late != int64(handed) {
		t.Fatalf("%d calls answered for %d handoffs", ok+late, handed)
	}
	if late > messages/4 {
		t.Errorf("%d of %d calls timed out (most in flight %d): the handoffs did not narrow", late, handed, tc.most.Load())
	}
	t.Logf("%d delivered, %d timed out, at most %d in flight", ok, late, tc.most.Load())
}
