package relay

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
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
	time.Sleep(50 * time.Millisecond) // the workers reach Temporal
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
