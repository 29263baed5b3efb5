package relay

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// fakeStore is an inbox in memory.
type fakeStore struct {
	mu   sync.Mutex
	rows []store.PendingInbound
	done map[int64]bool
	// unrecorded rows were signalled and never recorded; redelivered ones
	// were signalled again.
	unrecorded  []store.PendingInbound
	redelivered map[int64]bool
}

func (f *fakeStore) PendingInbound(_ context.Context, workflowID string, _ time.Time, _ int) ([]store.PendingInbound, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.PendingInbound
	for _, r := range f.rows {
		if !f.done[r.Message.InboxID] && (workflowID == "" || r.WorkflowID == workflowID) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeStore) MarkSignalled(_ context.Context, ids ...int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		f.done[id] = true
	}
	return nil
}

func (f *fakeStore) MarkAttemptFailed(context.Context, int64, string) error { return nil }

// The fake has no unrecorded rows unless a test gives it some (redeliver_test.go).
func (f *fakeStore) UnrecordedInbound(context.Context, time.Duration, time.Duration, int) ([]store.PendingInbound, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.PendingInbound
	for _, r := range f.unrecorded {
		if !f.redelivered[r.Message.InboxID] {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeStore) MarkRedelivered(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.redelivered == nil {
		f.redelivered = map[int64]bool{}
	}
	f.redelivered[id] = true
	return nil
}

// fakeTemporal counts signals per inbox row.
type fakeTemporal struct {
	client.Client
	mu      sync.Mutex
	signals map[int64]int
	order   []int64
}

func (f *fakeTemporal) SignalWithStartWorkflow(_ context.Context, _, _ string, arg interface{}, _ client.StartWorkflowOptions, _ interface{}, _ ...interface{}) (client.WorkflowRun, error) {
	m := arg.(domain.InboundMessage)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signals[m.InboxID]++
	f.order = append(f.order, m.InboxID)
	return nil, nil
}

// A burst of messages to one conversation: each webhook finds the previous
// row still unmarked (marks are batched) and flushes. Every row must still
// reach Temporal once, in order.
func TestBurstSignalsEachMessageOnce(t *testing.T) {
	st := &fakeStore{done: map[int64]bool{}}
	tc := &fakeTemporal{signals: map[int64]int{}}
	r := New(st, tc, "q", time.Hour, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	const wf = "conv:n:+33612345678"
	for id := int64(1); id <= 5; id++ {
		m := domain.InboundMessage{InboxID: id, MessageSID: "SM" + string(rune('a'+id))}
		st.mu.Lock()
		st.rows = append(st.rows, store.PendingInbound{WorkflowID: wf, Message: m})
		st.mu.Unlock()
		var err error
		if id == 1 {
			err = r.Signal(ctx, wf, m)
		} else {
			err = r.Flush(ctx, wf) // an older row is still pending in the database
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for id := int64(1); id <= 5; id++ {
		if n := tc.signals[id]; n != 1 {
			t.Errorf("row %d signalled %d times, want 1", id, n)
		}
	}
	for i, id := range tc.order {
		if id != int64(i+1) {
			t.Fatalf("signal order %v, want 1..5", tc.order)
		}
	}
	// A webhook that reaches Signal after a newer message's flush already
	// delivered its row does not signal it again.
	if err := r.Signal(ctx, wf, st.rows[4].Message); err != nil || tc.signals[5] != 1 {
		t.Fatalf("late Signal of a flushed row: %v, %d signals", err, tc.signals[5])
	}
	// Once the marks are written, the sweep has nothing left to deliver.
	r.flushMarks(ctx)
	if n, err := r.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep after the marks: %d rows, %v", n, err)
	}
	if len(r.marks) != 0 {
		t.Errorf("%d marks left after a successful flush", len(r.marks))
	}
}

func TestKeyedMutex(t *testing.T) {
	var k keyedMutex
	unlockA := k.lock("a")
	// Another key is free while a is held.
	done := make(chan struct{})
	go func() { k.lock("b")(); close(done) }()
	<-done
	// The same key waits.
	got := make(chan struct{})
	go func() { k.lock("a")(); close(got) }()
	select {
	case <-got:
		t.Fatal("a second holder of the same key did not wait")
	case <-time.After(20 * time.Millisecond):
	}
	unlockA()
	<-got
	if len(k.m) != 0 {
		t.Errorf("%d entries left after every unlock", len(k.m))
	}
}
