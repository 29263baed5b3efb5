package relay

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// Webhooks answer before their message is signalled: handoffs of a burst
// to several conversations race, yet each message reaches its workflow
// once and each conversation's messages arrive in inbox order.
func TestHandoffsKeepOrderPerConversation(t *testing.T) {
	const conversations, each = 8, 25
	st := &fakeStore{done: map[int64]bool{}}
	tc := &slowTemporal{got: map[string][]int64{}}
	r := New(st, tc, "q", time.Hour, slog.New(slog.DiscardHandler))
	want := map[string][]int64{}
	id := int64(0)
	for k := range each {
		for c := range conversations {
			id++
			wf := fmt.Sprintf("conv:%d", c)
			m := domain.InboundMessage{InboxID: id, MessageSID: fmt.Sprintf("SM%d-%d", c, k)}
			st.mu.Lock()
			st.rows = append(st.rows, store.PendingInbound{WorkflowID: wf, Message: m})
			st.mu.Unlock()
			want[wf] = append(want[wf], id)
			// Marks are batched: every row after a conversation's first
			// finds an older one still pending in the database.
			if !r.Handoff(wf, m, k > 0) {
				t.Fatalf("handoff %d refused below the limit", id)
			}
		}
	}
	r.WaitHandoffs(context.Background())
	tc.mu.Lock()
	defer tc.mu.Unlock()
	for wf, ids := range want {
		if !slices.Equal(tc.got[wf], ids) {
			t.Errorf("%s: signalled %v, want %v", wf, tc.got[wf], ids)
		}
	}
}

// blockedTemporal holds every signal until released.
type blockedTemporal struct {
	client.Client
	release        chan struct{}
	inFlight, most atomic.Int64
}

func (b *blockedTemporal) SignalWithStartWorkflow(ctx context.Context, _, _ string, _ interface{}, _ client.StartWorkflowOptions, _ interface{}, _ ...interface{}) (client.WorkflowRun, error) {
	n := b.inFlight.Add(1)
	defer b.inFlight.Add(-1)
	for {
		m := b.most.Load()
		if n <= m || b.most.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-b.release:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// With Temporal stuck, at most HandoffWorkers signals are in flight,
// handoffs stop at the limit (the rest wait in the inbox for the sweep) and
// a shutdown's wait ends with its context.
func TestHandoffsAreBounded(t *testing.T) {
	st := &fakeStore{done: map[int64]bool{}}
	tc := &blockedTemporal{release: make(chan struct{})}
	r := New(st, tc, "q", time.Hour, slog.New(slog.DiscardHandler))
	accepted := 0
	for i := range HandoffLimit + 10 {
		m := domain.InboundMessage{InboxID: int64(i + 1), MessageSID: fmt.Sprintf("SM%d", i)}
		if r.Handoff(fmt.Sprintf("conv:%d", i), m, false) {
			accepted++
		}
	}
	if accepted != HandoffLimit {
		t.Fatalf("%d handoffs running, want the limit %d", accepted, HandoffLimit)
	}
	for end := time.Now().Add(5 * time.Second); tc.most.Load() < HandoffWorkers && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond) // the workers reach Temporal
	}
	time.Sleep(20 * time.Millisecond) // and no more than them
	if got := tc.most.Load(); got != HandoffWorkers {
		t.Errorf("%d signals in flight at once, want %d", got, HandoffWorkers)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	r.WaitHandoffs(ctx)
	if ctx.Err() == nil {
		t.Fatal("WaitHandoffs returned while every signal was stuck")
	}
	close(tc.release)
	r.WaitHandoffs(context.Background())
	if !r.Handoff("conv:late", domain.InboundMessage{InboxID: 9999, MessageSID: "SMlate"}, false) {
		t.Fatal("a handoff is refused once the earlier ones finished")
	}
	r.WaitHandoffs(context.Background())
}

// oneStuckTemporal holds the signals of one workflow until released.
type oneStuckTemporal struct {
	client.Client
	stuck   string
	release chan struct{}
	mu      sync.Mutex
	got     map[string]int
}

func (f *oneStuckTemporal) SignalWithStartWorkflow(ctx context.Context, wf, _ string, _ interface{}, _ client.StartWorkflowOptions, _ interface{}, _ ...interface{}) (client.WorkflowRun, error) {
	if wf == f.stuck {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got[wf]++
	return nil, nil
}

// A backlog waiting in the handoff queue is older than the sweep's grace:
// the sweep leaves those conversations to the handoff (it would only wait
// for their locks, holding one of its parallel slots) and delivers the
// conversations nobody handed off.
func TestSweepLeavesHandedOffRowsToTheHandoff(t *testing.T) {
	st := &fakeStore{done: map[int64]bool{}}
	tc := &oneStuckTemporal{stuck: "conv:a", release: make(chan struct{}), got: map[string]int{}}
	r := New(st, tc, "q", time.Hour, slog.New(slog.DiscardHandler))
	// conv:a's first row is being delivered (stuck in Temporal), its
	// second waits in the queue; conv:b's row was never handed off.
	for i, wf := range []string{"conv:a", "conv:a", "conv:b"} {
		m := domain.InboundMessage{InboxID: int64(i + 1), MessageSID: fmt.Sprintf("SM%d", i)}
		st.rows = append(st.rows, store.PendingInbound{WorkflowID: wf, Message: m})
		if wf == "conv:a" && !r.Handoff(wf, m, i > 0) {
			t.Fatal("handoff refused")
		}
	}
	time.Sleep(20 * time.Millisecond) // the handoff holds conv:a's lock
	done := make(chan error, 1)
	go func() { _, err := r.Sweep(context.Background()); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the sweep waited for a conversation its handoff is delivering")
	}
	close(tc.release)
	r.WaitHandoffs(context.Background())
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.got["conv:a"] != 2 || tc.got["conv:b"] != 1 {
		t.Errorf("signals %v, want conv:a 2 and conv:b 1", tc.got)
	}
	if r.handedOff(1) || r.handedOff(2) {
		t.Error("delivered rows still counted as handed off")
	}
}
