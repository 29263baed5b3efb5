package bench

import (
	"context"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
)

// FirstTask is where a side's time went, read from a sample of its
// workflows' histories: from the start to the first workflow task's
// scheduling, its wait for a worker's poll (scheduled → started) and its
// run on the worker (started → completed, local activities included).
type FirstTask struct {
	Sampled int  `json:"sampled"`
	Wait    Dist `json:"wait"`
	Run     Dist `json:"run"`
	// StartSpan is from the first to the last workflow start in the
	// sample: how long the side took to get its workflows started.
	StartSpan float64 `json:"start_span_ms"`
}

// firstTasks reads up to 40 histories spread over ids.
func firstTasks(ctx context.Context, tc client.Client, ids []string) *FirstTask {
	step := max(1, len(ids)/40)
	var sample []string
	for i := 0; i < len(ids); i += step {
		sample = append(sample, ids[i])
	}
	var (
		mu          sync.Mutex
		wait, run   []time.Duration
		first, last time.Time
	)
	closedLoop(ctx, len(sample), 8, func(ctx context.Context, i int) error {
		evs, err := history(ctx, tc, sample[i], "")
		if err != nil {
			return err
		}
		begun := evs[0].GetEventTime().AsTime()
		scheduled, started, completed, ok := taskUntil(evs, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
		mu.Lock()
		defer mu.Unlock()
		if first.IsZero() || begun.Before(first) {
			first = begun
		}
		if begun.After(last) {
			last = begun
		}
		if ok && !started.IsZero() {
			wait = append(wait, started.Sub(scheduled))
			run = append(run, completed.Sub(started))
		}
		return nil
	}, nil)
	return &FirstTask{Sampled: len(wait), Wait: Summarize(wait), Run: Summarize(run), StartSpan: float64(last.Sub(first)) / float64(time.Millisecond)}
}

func (f *FirstTask) String() string {
	if f == nil || f.Sampled == 0 {
		return "no history sampled"
	}
	return "workflows started over " + fmtMS(f.StartSpan) + ", first workflow task waited p50 " + fmtMS(f.Wait.P50) + " p99 " + fmtMS(f.Wait.P99) +
		" for a poll, ran p50 " + fmtMS(f.Run.P50) + " p99 " + fmtMS(f.Run.P99)
}

// taskUntil reads the first workflow task in evs (when it was scheduled and
// started) and the time of the first event of type end; ok is false when
// there is none.
func taskUntil(evs []*historypb.HistoryEvent, end enumspb.EventType) (scheduled, started, endAt time.Time, ok bool) {
	for _, ev := range evs {
		at := ev.GetEventTime().AsTime()
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
			if scheduled.IsZero() {
				scheduled = at
			}
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			if started.IsZero() {
				started = at
			}
		}
		if ev.GetEventType() == end {
			return scheduled, started, at, true
		}
	}
	return scheduled, started, time.Time{}, false
}
