package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// slowTemporal takes 20 ms per signal and refuses one workflow's.
type slowTemporal struct {
	client.Client
	refuse string
	mu     sync.Mutex
	got    map[string][]int64 // workflow -> inbox ids, in signal order
}

func (f *slowTemporal) SignalWithStartWorkflow(_ context.Context, wf, _ string, arg interface{}, _ client.StartWorkflowOptions, _ interface{}, _ ...interface{}) (client.WorkflowRun, error) {
	time.Sleep(20 * time.Millisecond)
	if wf == f.refuse {
		return nil, errors.New("unavailable")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got[wf] = append(f.got[wf], arg.(domain.InboundMessage).InboxID)
	return nil, nil
}

// A backlog over many conversations (Temporal back after an outage) is
// delivered to several conversations at once, each in its own order; a
// conversation Temporal refuses blocks only itself.
func TestSweepDeliversConversationsConcurrentlyEachInOrder(t *testing.T) {
	const conversations, each = 40, 5
	st := &fakeStore{done: map[int64]bool{}}
	tc := &slowTemporal{refuse: "conv:3", got: map[string][]int64{}}
	id := int64(0)
	for k := range each {
		for c := range conversations {
			id++
			st.rows = append(st.rows, store.PendingInbound{WorkflowID: fmt.Sprintf("conv:%d", c),
				Message: domain.InboundMessage{InboxID: id, MessageSID: fmt.Sprintf("SM%d-%d", c, k)}})
		}
	}
	r := New(st, tc, "q", time.Hour, slog.New(slog.DiscardHandler))
	start := time.Now()
	n, err := r.Sweep(context.Background())
	took := time.Since(start)
	if n != conversations*each || err == nil {
		t.Fatalf("sweep: %d rows, err %v (want all rows tried and conv:3's error)", n, err)
	}
	// One at a time would take 200 signals × 20 ms = 4 s.
	if took > 2*time.Second {
		t.Errorf("the sweep took %s: conversations are not delivered concurrently", took)
	}
	for c := range conversations {
		wf := fmt.Sprintf("conv:%d", c)
		got := tc.got[wf]
		if wf == tc.refuse {
			if len(got) != 0 {
				t.Errorf("%s: %v delivered though Temporal refused its first", wf, got)
			}
			continue
		}
		if len(got) != each {
			t.Errorf("%s: %d of %d delivered", wf, len(got), each)
		}
		for i := 1; i < len(got); i++ {
			if got[i] < got[i-1] {
				t.Errorf("%s: delivered out of order: %v", wf, got)
			}
		}
	}
}
