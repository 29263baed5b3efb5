package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/workflows"
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
	// Bare is the same-run baseline: a bare workflow per conversation that
	// sleeps until its deadline and runs one local activity writing a row.
	Bare       WindowBareResult `json:"bare"`
	RatioTimer float64          `json:"marker_p99_to_timer_fired_p99"`
	RatioBare  float64          `json:"marker_p99_to_bare_marker_p99"`
}

// WindowBareResult is the bare workflows' lags from their deadlines.
type WindowBareResult struct {
	TimerFired  Dist `json:"timer_fired"`
	MarkerSaved Dist `json:"marker_saved"` // its local activity's marker (the row written)
	TaskWait    Dist `json:"task_wait"`
	Missing     int  `json:"missing"`
	LateOpened  int  `json:"late_opened"`
}

// runWindow opens conversations with a short window and measures how late
// each one turned template_only after its deadline, against a bare
// workflow opened alongside at the same pace that sleeps until the same
// kind of deadline and then writes one row.
func (e *env) runWindow(ctx context.Context) error {
	o := e.opts
	s, err := e.newStack(ctx, stackConfig{name: "window", temporal: e.temporalAddress(), sessionWindow: o.Window})
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := e.startWindowBaseline(ctx, s, o.Window)
	if err != nil {
		return err
	}
	defer b.stop()
	res := WindowResult{Conversations: o.WindowConversations, Window: o.Window.String()}
	e.progressf(PhaseWindow, "opening %d conversations with a %s window, and as many bare workflows alongside", o.WindowConversations, o.Window)
	took, err := e.openConversations(ctx, s, PhaseWindow, 90, o.WindowConversations, b.open)
	if err != nil {
		return err
	}
	res.CreateSeconds = round2(took.Seconds())
	e.progressf(PhaseWindow, "%d conversations opened in %.1fs", o.WindowConversations, res.CreateSeconds)

	var rows []convRow
	deadline := time.Now().Add(o.Window + 2*time.Minute)
	for {
		if rows, err = s.windowRows(ctx); err != nil {
			return err
		}
		expired := countMode(rows, "template_only")
		bare, err := b.expired(ctx)
		if err != nil {
			return err
		}
		res.Expired = expired
		if expired >= o.WindowConversations && bare >= o.WindowConversations {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d windows expired (bare: %d) after the window + 2 minutes", expired, o.WindowConversations, bare)
		}
		e.progressf(PhaseWindow, "%d/%d windows closed (bare workflows: %d)", expired, o.WindowConversations, bare)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}

	e.progressf(PhaseWindow, "reading %d histories, and the bare workflows'", len(rows))
	ids, deadlines := make([]string, len(rows)), make([]time.Time, len(rows))
	for i, r := range rows {
		ids[i], deadlines[i] = r.WorkflowID, r.Expires
	}
	ours := e.readExpiries(ctx, s.app.Temporal, ids, deadlines, "window")
	bids, bdeadlines := b.deadlines()
	bare := e.readExpiries(ctx, e.tc, bids, bdeadlines, "window-bare")
	res.Missing, res.LateOpened = ours.missing, ours.late
	var dbLags []time.Duration
	for i, r := range rows {
		if ours.timed[i] {
			dbLags = append(dbLags, r.Updated.Sub(r.Expires))
		}
	}
	res.RowUpdated = Summarize(dbLags)
	res.TimerFired = Summarize(ours.timerLag)
	res.MarkerSaved = Summarize(ours.markerLag)
	res.TaskWait = Summarize(ours.taskWait)
	res.TaskRun = Summarize(ours.taskRun)
	res.Bare = WindowBareResult{
		TimerFired: Summarize(bare.timerLag), MarkerSaved: Summarize(bare.markerLag),
		TaskWait: Summarize(bare.taskWait), Missing: bare.missing, LateOpened: bare.late,
	}
	res.RatioTimer = ratio(res.MarkerSaved.P99, res.TimerFired.P99)
	res.RatioBare = ratio(res.MarkerSaved.P99, res.Bare.MarkerSaved.P99)
	e.setPhase(PhaseWindow, res)
	m, t, bm := res.MarkerSaved, res.TimerFired, res.Bare.MarkerSaved
	note := fmt.Sprintf("%d conversations opened in %.1fs with a %s window; lag from window_expires_at to the SaveConversation marker (template_only in PostgreSQL); "+
		"row updated_at lag p50 %s p99 %s; the workflow task after the timer waited p50 %s p99 %s for a worker and ran p50 %s p99 %s",
		o.WindowConversations, res.CreateSeconds, o.Window, fmtMS(res.RowUpdated.P50), fmtMS(res.RowUpdated.P99),
		fmtMS(res.TaskWait.P50), fmtMS(res.TaskWait.P99), fmtMS(res.TaskRun.P50), fmtMS(res.TaskRun.P99))
	if lead := workflows.WarningLead(o.Window); lead.Seconds() < res.CreateSeconds {
		// Production's warnings come 2 h before the deadlines; here they
		// add a second timer task per conversation to the expiry storm,
		// which the bare workflow does not have.
		note += fmt.Sprintf("; the agents' window warnings (%s before each deadline) fired among the expiries: a --window of at least %s (12 × the opening time) keeps them apart, as WhatsApp's 24 h window does",
			lead, (time.Duration(12*res.CreateSeconds*float64(time.Second)) + time.Minute - 1).Truncate(time.Minute))
	}
	if res.LateOpened > 0 {
		note += fmt.Sprintf("; %d conversations left out: opened after their window had passed", res.LateOpened)
	}
	if res.Missing > 0 {
		note += fmt.Sprintf("; %d histories unreadable (%v)", res.Missing, ours.firstErr)
	}
	bareNote := fmt.Sprintf("per conversation a bare workflow (own task queue, a worker in the bench process polled like ours) started alongside, batch by batch, "+
		"that sleeps until its deadline (now + %s at its start) and runs one local activity updating a row of the bench's own table; deadline → its marker; "+
		"its TimerFired p50 %s p99 %s, its task after the timer waited p50 %s p99 %s", o.Window,
		fmtMS(res.Bare.TimerFired.P50), fmtMS(res.Bare.TimerFired.P99), fmtMS(res.Bare.TaskWait.P50), fmtMS(res.Bare.TaskWait.P99))
	if bare.late+bare.missing > 0 {
		bareNote += fmt.Sprintf("; %d left out (started after their deadline), %d unreadable (%v)", bare.late, bare.missing, bare.firstErr)
	}
	e.addRows(
		Row{
			ID: "6 window", Measure: "window expiry lag, deadline → template_only, p50 / p99",
			Result:   fmt.Sprintf("%s / %s", fmtMS(m.P50), fmtMS(m.P99)),
			Baseline: fmt.Sprintf("%s / %s TimerFired (p99 %s×)", fmtMS(t.P50), fmtMS(t.P99), fmtRatio(res.RatioTimer)),
			Target:   "p99 < 1 s", Verdict: verdict(m.N > 0 && m.P99 < 1000 && res.Missing == 0),
			Note: note,
		},
		Row{
			ID: "6 window", Measure: "window expiry lag p99 vs a bare timer + DB write workflow",
			Result:   fmtRatio(res.RatioBare) + "×",
			Baseline: fmt.Sprintf("%s / %s bare workflow's marker", fmtMS(bm.P50), fmtMS(bm.P99)),
			Target:   "≤ 1.2×", Verdict: verdict(m.N > 0 && bm.N > 0 && res.RatioBare <= 1.2),
			Note: bareNote,
		},
	)
	return nil
}

// ratio is a / b rounded, 0 when b is not positive.
func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return round2(a / b)
}

func fmtRatio(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// openConversations opens n conversations (customers of series) through
// the webhook in batches of 50, each recorded before the next is sent:
// webhooks must not outrun the workflows, or a conversation would only be
// opened after its window had passed. alongside (if not nil) runs with each
// batch, given its first index and size (a baseline opened at the same
// pace). It returns the time from the first webhook to the last recorded.
func (e *env) openConversations(ctx context.Context, s *stack, phase string, series, n int, alongside func(ctx context.Context, from, k int) error) (time.Duration, error) {
	const batch = 50
	start, lastTick := time.Now(), time.Now()
	for done := 0; done < n; {
		k := min(batch, n-done)
		side := make(chan error, 1)
		if alongside != nil {
			go func() { side <- alongside(ctx, done, k) }()
		} else {
			side <- nil
		}
		lr := closedLoop(ctx, k, min(k, e.opts.Concurrency), func(ctx context.Context, i int) error {
			return s.post(ctx, s.prepareInbound(s.customer(series, done+i), "Bonjour"))
		}, nil)
		if err := <-side; err != nil {
			return 0, err
		}
		if lr.errors > 0 {
			return 0, fmt.Errorf("%d webhooks failed: %v", lr.errors, lr.firstErr)
		}
		done += k
		if _, err := s.waitInbound(ctx, done, time.Minute, nil); err != nil {
			return 0, err
		}
		if time.Since(lastTick) > 5*time.Second {
			e.progressf(phase, "%d/%d conversations open (%.0f/s)", done, n, float64(done)/time.Since(start).Seconds())
			lastTick = time.Now()
		}
	}
	return time.Since(start), nil
}

// convRow is a conversation with a window, as PostgreSQL holds it.
type convRow struct {
	WorkflowID string    `db:"workflow_id"`
	Expires    time.Time `db:"window_expires_at"`
	Updated    time.Time `db:"updated_at"`
	Mode       string    `db:"mode"`
}

// windowRows reads every conversation that has a window deadline.
func (s *stack) windowRows(ctx context.Context) ([]convRow, error) {
	var rows []convRow
	err := s.app.Store.DB().SelectContext(ctx, &rows,
		`SELECT workflow_id, window_expires_at, updated_at, mode FROM conversations WHERE window_expires_at IS NOT NULL`)
	return rows, err
}

func countMode(rows []convRow, mode string) int {
	n := 0
	for _, r := range rows {
		if r.Mode == mode {
			n++
		}
	}
	return n
}

// expiryLags are what the histories of expiring workflows say, each
// measured from its deadline.
type expiryLags struct {
	timerLag, markerLag, taskWait, taskRun []time.Duration
	timed                                  []bool // per workflow: measured
	late, missing                          int    // no timer (opened after its deadline); unreadable
	firstErr                               error
}

// readExpiries reads each workflow's history: its last TimerFired and the
// first marker after it (the local activity that recorded the expiry),
// and the workflow task between them.
func (e *env) readExpiries(ctx context.Context, tc client.Client, ids []string, deadlines []time.Time, sample string) expiryLags {
	var (
		mu   sync.Mutex
		late atomic.Int64
	)
	out := expiryLags{timed: make([]bool, len(ids))}
	lr := closedLoop(ctx, len(ids), 8, func(ctx context.Context, i int) error {
		evs, err := history(ctx, tc, ids[i], "")
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
			e.dumpHistory(sample, evs)
		}
		fired := evs[lastFired].GetEventTime().AsTime()
		scheduled, started, at, ok := taskUntil(evs[lastFired:], enumspb.EVENT_TYPE_MARKER_RECORDED)
		if !ok {
			return fmt.Errorf("%s: no marker after the last timer", ids[i])
		}
		mu.Lock()
		defer mu.Unlock()
		out.timed[i] = true
		out.timerLag = append(out.timerLag, fired.Sub(deadlines[i]))
		out.markerLag = append(out.markerLag, at.Sub(deadlines[i]))
		if !scheduled.IsZero() && !started.IsZero() {
			out.taskWait = append(out.taskWait, started.Sub(scheduled))
			out.taskRun = append(out.taskRun, at.Sub(started))
		}
		return nil
	}, nil)
	out.missing, out.firstErr, out.late = lr.errors, lr.firstErr, int(late.Load())
	return out
}
