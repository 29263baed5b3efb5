package retention

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard/switchboard/internal/domain"
)

// fakeStore holds rows by age and deletes them like the store, limit per kind.
type fakeStore struct {
	mu      sync.Mutex
	msgs    []time.Time
	batches []PurgeBatchInput
}

func (f *fakeStore) PurgeBefore(_ context.Context, before time.Time, limit int) (domain.PurgeResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, PurgeBatchInput{Before: before, Limit: limit})
	var keep []time.Time
	var n int64
	for _, t := range f.msgs {
		if t.Before(before) && n < int64(limit) {
			n++
			continue
		}
		keep = append(keep, t)
	}
	f.msgs = keep
	return domain.PurgeResult{Messages: n}, nil
}

func TestPurgeDeletesInBatchesUntilNothingIsLeft(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	start := time.Date(2026, 3, 1, 3, 17, 0, 0, time.UTC)
	env.SetStartTime(start)
	f := &fakeStore{}
	for i := range 25 {
		f.msgs = append(f.msgs, start.Add(-48*time.Hour-time.Duration(i)*time.Minute)) // old
	}
	for i := range 5 {
		f.msgs = append(f.msgs, start.Add(-time.Duration(i)*time.Hour)) // within a day
	}
	Register(env, &Activities{Store: f})
	env.ExecuteWorkflow(PurgeWorkflowName, PurgeInput{Retention: 24 * time.Hour, BatchSize: 10})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var got domain.PurgeResult
	if err := env.GetWorkflowResult(&got); err != nil || got.Messages != 25 {
		t.Fatalf("result %+v %v, want 25 messages", got, err)
	}
	if len(f.msgs) != 5 {
		t.Fatalf("%d messages left, want the 5 recent ones", len(f.msgs))
	}
	if len(f.batches) != 4 { // 10 + 10 + 5 + an empty one
		t.Fatalf("%d batches, want 4", len(f.batches))
	}
	for _, b := range f.batches {
		if !b.Before.Equal(start.Add(-24*time.Hour)) || b.Limit != 10 {
			t.Fatalf("batch %+v", b)
		}
	}
}

func TestPurgeWithoutRetentionDoesNothing(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := &fakeStore{msgs: []time.Time{time.Unix(0, 0)}}
	Register(env, &Activities{Store: f})
	env.ExecuteWorkflow(PurgeWorkflowName, PurgeInput{})
	if err := env.GetWorkflowError(); err != nil || len(f.batches) != 0 || len(f.msgs) != 1 {
		t.Fatalf("err %v, %d batches, %d messages", err, len(f.batches), len(f.msgs))
	}
}
