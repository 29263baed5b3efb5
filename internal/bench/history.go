package bench

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/workflows"
)

// HistoryMode is the history cost of one way of sending messages.
type HistoryMode struct {
	Mode           string         `json:"mode"`
	Messages       int            `json:"messages"`
	EventsAtStart  int            `json:"events_after_first_message"` // subtracted: start, first task, first message
	EventsAtEnd    int            `json:"events_after_all"`
	PerMessage     float64        `json:"events_per_message"`
	ByType         map[string]int `json:"added_by_type"`
	ContinuedAsNew bool           `json:"continued_as_new"`
	WorkflowID     string         `json:"workflow_id"`
}

// HistoryResult is phase 3.
type HistoryResult struct {
	Modes []HistoryMode `json:"modes"`
}

// runHistory counts Temporal history events per inbound message in one
// conversation: messages one by one (each recorded before the next, like a
// customer typing), then in bursts of 10 at once.
func (e *env) runHistory(ctx context.Context, s *stack) error {
	n := e.opts.HistoryMessages
	var res HistoryResult
	for i, mode := range []struct {
		name  string
		burst int
	}{{"one by one", 1}, {"bursts of 10", 10}} {
		hm, err := e.historyMode(ctx, s, 60+i, mode.name, mode.burst, n)
		if err != nil {
			return err
		}
		e.progressf(PhaseHistory, "%s: %d events for %d messages = %.2f per message %v", mode.name,
			hm.EventsAtEnd-hm.EventsAtStart, n, hm.PerMessage, hm.ByType)
		res.Modes = append(res.Modes, hm)
	}
	e.setPhase(PhaseHistory, res)
	one, burst := res.Modes[0], res.Modes[1]
	e.addRows(
		Row{
			ID: "3 history", Measure: "history events per inbound message, one by one",
			Result: fmt.Sprintf("%.2f", one.PerMessage), Target: "≤ 5", Verdict: verdict(one.PerMessage <= 5),
			Note: fmt.Sprintf("amortized over %d messages in one conversation, each recorded before the next; start events subtracted; added: %s",
				n, typesSummary(one.ByType)),
		},
		Row{
			ID: "3 history", Measure: "history events per inbound message, bursts of 10",
			Result: fmt.Sprintf("%.2f", burst.PerMessage), Target: "≤ 5", Verdict: verdict(burst.PerMessage <= 5),
			Note: "added: " + typesSummary(burst.ByType),
		},
	)
	return nil
}

func typesSummary(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

func (e *env) historyMode(ctx context.Context, s *stack, series int, name string, burst, n int) (HistoryMode, error) {
	customer := s.customer(series, 1)
	wfID := workflows.ConversationID(s.numberID, customer)
	hm := HistoryMode{Mode: name, Messages: n, WorkflowID: wfID}
	recorded, err := s.countInbound(ctx)
	if err != nil {
		return hm, err
	}
	if err := s.post(ctx, s.prepareInbound(customer, "premier message")); err != nil {
		return hm, err
	}
	recorded++
	if _, err := s.waitInbound(ctx, recorded, time.Minute, nil); err != nil {
		return hm, err
	}
	first, runID, err := stableHistory(ctx, s.app.Temporal, wfID)
	if err != nil {
		return hm, err
	}
	for sent := 0; sent < n; {
		k := min(burst, n-sent)
		var wg sync.WaitGroup
		errs := make([]error, k)
		for j := range k {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[j] = s.post(ctx, s.prepareInbound(customer, fmt.Sprintf("message %d", sent+j)))
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return hm, err
			}
		}
		sent += k
		recorded += k
		if _, err := s.waitInbound(ctx, recorded, time.Minute, nil); err != nil {
			return hm, err
		}
	}
	last, lastRun, err := stableHistory(ctx, s.app.Temporal, wfID)
	if err != nil {
		return hm, err
	}
	hm.ContinuedAsNew = lastRun != runID
	hm.EventsAtStart, hm.EventsAtEnd = len(first), len(last)
	hm.ByType = map[string]int{}
	if !hm.ContinuedAsNew {
		for _, ev := range last[len(first):] {
			hm.ByType[shortType(ev.GetEventType())]++
		}
	}
	hm.PerMessage = round2(float64(len(last)-len(first)) / float64(n))
	e.dumpHistory("history-"+strings.ReplaceAll(name, " ", "-"), last)
	return hm, nil
}

func shortType(t enumspb.EventType) string {
	s := strings.TrimPrefix(t.String(), "EVENT_TYPE_")
	return strings.ToLower(s)
}

// stableHistory returns the workflow's history once it stops growing and
// no workflow task is outstanding.
func stableHistory(ctx context.Context, tc client.Client, wfID string) ([]*historypb.HistoryEvent, string, error) {
	var prev int
	same := 0
	deadline := time.Now().Add(time.Minute)
	for {
		d, err := tc.DescribeWorkflow(ctx, wfID, "")
		if err != nil {
			return nil, "", err
		}
		desc := d.RawResponse
		runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
		evs, err := history(ctx, tc, wfID, runID)
		if err != nil {
			return nil, "", err
		}
		last := evs[len(evs)-1].GetEventType()
		idle := desc.GetPendingWorkflowTask() == nil && last != enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
		if len(evs) == prev && idle {
			same++
		} else {
			same = 0
		}
		if same >= 3 {
			return evs, runID, nil
		}
		prev = len(evs)
		if time.Now().After(deadline) {
			return nil, "", fmt.Errorf("history of %s still changing after a minute", wfID)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func history(ctx context.Context, tc client.Client, wfID, runID string) ([]*historypb.HistoryEvent, error) {
	it := tc.GetWorkflowHistory(ctx, wfID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var evs []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("empty history for %s", wfID)
	}
	return evs, nil
}

// dumpHistory writes a sample history next to the profiles (--profile):
// one event per line, with its time relative to the first.
func (e *env) dumpHistory(name string, evs []*historypb.HistoryEvent) {
	if e.profDir == "" || len(evs) == 0 {
		return
	}
	var b strings.Builder
	t0 := evs[0].GetEventTime().AsTime()
	for _, ev := range evs {
		fmt.Fprintf(&b, "%4d %10.1f ms  %s\n", ev.GetEventId(), float64(ev.GetEventTime().AsTime().Sub(t0))/float64(time.Millisecond), shortType(ev.GetEventType()))
	}
	_ = os.WriteFile(filepath.Join(e.profDir, "history-sample-"+name+".txt"), []byte(b.String()), 0o644)
}
