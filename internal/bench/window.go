package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
)

// WindowResult is phase 6.
type WindowResult struct {
	Conversations int     `json:"conversations"`
	Window        string  `json:"window"`
	CreateSeconds float64 `json:"create_seconds"`
	Expired       int     `json:"expired"`
	// Lags from each conversation's window_expires_at.
	TimerFired  Dist `json:"timer_fired"`  // TimerFired event (Temporal's own precision)
	MarkerSaved Dist `json:"marker_saved"` // the SaveConversation marker of the task that set template_only
	RowUpdated  Dist `json:"row_updated"`  // conversations.updated_at of the template_only row
	// The workflow task after the last TimerFired: scheduled → started
	// (waiting for a worker's poll) and started → completed (the worker
	// running it, the SaveConversation local activity included).
	TaskWait Dist `json:"task_wait"`
	TaskRun  Dist `json:"task_run"`
	Missing  int  `json:"missing"` // histories that could not be read
	// LateOpened are conversations whose first workflow task ran after
	// their window had already passed (no timer: the machine was too
	// slow); they are left out of the lags.
	LateOpened int `json:"late_opened"`
}

// runWindow opens conversations with a short window and measures how late
// each one turned template_only after its deadline.
func (e *env) runWindow(ctx context.Context) error {
	o := e.opts
	s, err := e.newStack(ctx, stackConfig{name: "window", temporal: e.temporalAddress(), sessionWindow: o.Window})
	if err != nil {
		return err
	}
	defer s.Close()
	res := WindowResult{Conversations: o.WindowConversations, Window: o.Window.String()}
	e.progressf(PhaseWindow, "opening %d conversations with a %s window", o.WindowConversations, o.Window)
	// In batches, each recorded before the next is sent: webhooks must not
	// outrun the workflows, or a conversation would only be opened after
	// its window had passed.
	start := time.Now()
	const batch = 50
	for done := 0; done < o.WindowConversations; {
		k := min(batch, o.WindowConversations-done)
		lr := closedLoop(ctx, k, min(k, o.Concurrency), func(ctx context.Context, i int) error {
			return s.post(ctx, s.prepareInbound(s.customer(90, done+i), "Bonjour"))
		}, nil)
		if lr.errors > 0 {
			return fmt.Errorf("%d webhooks failed: %v", lr.errors, lr.firstErr)
		}
		done += k
		if _, err := s.waitInbound(ctx, done, time.Minute, nil); err != nil {
			return err
		}
	}
	res.CreateSeconds = round2(time.Since(start).Seconds())
	e.progressf(PhaseWindow, "%d conversations opened in %.1fs", o.WindowConversations, res.CreateSeconds)

	type row struct {
		WorkflowID string    `db:"workflow_id"`
		Expires    time.Time `db:"window_expires_at"`
		Updated    time.Time `db:"updated_at"`
		Mode       string    `db:"mode"`
	}
	var rows []row
	deadline := time.Now().Add(o.Window + 2*time.Minute)
	for {
		rows = rows[:0]
		if err := s.app.Store.DB().SelectContext(ctx, &rows,
			`SELECT workflow_id, window_expires_at, updated_at, mode FROM conversations WHERE window_expires_at IS NOT NULL`); err != nil {
			return err
		}
		expired := 0
		for _, r := range rows {
			if r.Mode == "template_only" {
				expired++
			}
		}
		res.Expired = expired
		if expired >= o.WindowConversations {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d windows expired after the window + 2 minutes", expired, o.WindowConversations)
		}
		e.progressf(PhaseWindow, "%d/%d windows closed", expired, o.WindowConversations)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}

	e.progressf(PhaseWindow, "reading %d histories", len(rows))
	var (
		mu                                   sync.Mutex
		timerLag, saveLag, taskWait, taskRun []time.Duration
	)
	var late atomic.Int64
	timed := make([]bool, len(rows))
	lr := closedLoop(ctx, len(rows), 8, func(ctx context.Context, i int) error {
		evs, err := history(ctx, s.app.Temporal, rows[i].WorkflowID, "")
		if err != nil {
			return err
		}
		lastFired := -1
		for j, ev := range evs {
			if ev.GetEventType() == enumspb.EVENT_TYPE_TIMER_FIRED {
				lastFired = j
			}
		}
		if lastFired < 0 {
			late.Add(1) // opened after its deadline: nothing to time
			return nil
		}
		if i == 0 {
			e.dumpHistory("window", evs)
		}
		fired := evs[lastFired].GetEventTime().AsTime()
		scheduled, started, at, ok := taskUntil(evs[lastFired:], enumspb.EVENT_TYPE_MARKER_RECORDED)
		if ok {
			mu.Lock()
			timed[i] = true
			timerLag = append(timerLag, fired.Sub(rows[i].Expires))
			saveLag = append(saveLag, at.Sub(rows[i].Expires))
			if !scheduled.IsZero() && !started.IsZero() {
				taskWait = append(taskWait, started.Sub(scheduled))
				taskRun = append(taskRun, at.Sub(started))
			}
			mu.Unlock()
			return nil
		}
		return fmt.Errorf("%s: no marker after the last timer", rows[i].WorkflowID)
	}, nil)
	res.Missing = lr.errors
	res.LateOpened = int(late.Load())
	var dbLags []time.Duration
	for i, r := range rows {
		if timed[i] {
			dbLags = append(dbLags, r.Updated.Sub(r.Expires))
		}
	}
	res.RowUpdated = Summarize(dbLags)
	res.TimerFired = Summarize(timerLag)
	res.MarkerSaved = Summarize(saveLag)
	res.TaskWait = Summarize(taskWait)
	res.TaskRun = Summarize(taskRun)
	e.setPhase(PhaseWindow, res)
	m, t := res.MarkerSaved, res.TimerFired
	note := fmt.Sprintf("%d conversations opened in %.1fs with a %s window; lag from window_expires_at to the SaveConversation marker (template_only in PostgreSQL); "+
		"row updated_at lag p50 %s p99 %s; the workflow task after the timer waited p50 %s p99 %s for a worker and ran p50 %s p99 %s",
		o.WindowConversations, res.CreateSeconds, o.Window, fmtMS(res.RowUpdated.P50), fmtMS(res.RowUpdated.P99),
		fmtMS(res.TaskWait.P50), fmtMS(res.TaskWait.P99), fmtMS(res.TaskRun.P50), fmtMS(res.TaskRun.P99))
	if res.LateOpened > 0 {
		note += fmt.Sprintf("; %d conversations left out: opened after their window had passed", res.LateOpened)
	}
	if res.Missing > 0 {
		note += fmt.Sprintf("; %d histories unreadable (%v)", res.Missing, lr.firstErr)
	}
	e.addRows(Row{
		ID: "6 window", Measure: "window expiry lag, deadline → template_only, p50 / p99",
		Result:   fmt.Sprintf("%s / %s", fmtMS(m.P50), fmtMS(m.P99)),
		Baseline: fmt.Sprintf("%s / %s TimerFired", fmtMS(t.P50), fmtMS(t.P99)),
		Target:   "p99 < 1 s", Verdict: verdict(m.N > 0 && m.P99 < 1000 && res.Missing == 0),
		Note: note,
	})
	return nil
}
