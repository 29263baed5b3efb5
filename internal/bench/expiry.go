package bench

import (
	"context"
	"fmt"
	"time"
)

// ExpiryResult is phase 9: N windows expiring together, their workflow
// tasks all due at once when a worker starts.
type ExpiryResult struct {
	Conversations int     `json:"conversations"`
	Window        string  `json:"window"`
	CreateSeconds float64 `json:"create_seconds"` // first webhook → last message recorded
	StopSeconds   float64 `json:"worker_stop_seconds"`
	DownSeconds   float64 `json:"worker_down_seconds"`     // stopped → a new one started
	ReadySeconds  float64 `json:"worker_ready_seconds"`    // started → /readyz 200
	FromStart     float64 `json:"done_from_start_seconds"` // started → the last row turned template_only
	FromReady     float64 `json:"done_from_ready_seconds"` // /readyz → the last row turned template_only
	PerSec        float64 `json:"per_sec"`                 // conversations per second from /readyz
	// Lag is each conversation's updated_at (template_only) − the worker's
	// /readyz (negative: done before the bench saw it ready).
	Lag        Dist  `json:"updated_after_ready"`
	WorkerRSS  int64 `json:"worker_rss_bytes"`
	WorkerHeap int64 `json:"worker_heap_inuse_bytes,omitempty"`
}

// drain summarizes how a restarted worker worked off the expiries: the
// time from its start and from its readiness to the last row updated, the
// rate from readiness, and each row's lag after readiness.
func drain(start, ready time.Time, updated []time.Time) (fromStart, fromReady time.Duration, perSec float64, lag Dist) {
	if len(updated) == 0 {
		return 0, 0, 0, Dist{}
	}
	last := updated[0]
	lags := make([]time.Duration, len(updated))
	for i, u := range updated {
		if u.After(last) {
			last = u
		}
		lags[i] = u.Sub(ready)
	}
	fromStart, fromReady = last.Sub(start), last.Sub(ready)
	return fromStart, fromReady, Rate(len(updated), fromReady), Summarize(lags)
}

// runExpiry opens N conversations with a window long enough for all to be
// open before the first deadline, stops the worker (SIGTERM) and leaves it
// down until every deadline has passed — the Temporal server fires every
// timer with no worker polling — then starts a worker and measures how
// long it takes until every conversation is template_only in PostgreSQL.
// The API and the worker run as child processes whatever --split says.
func (e *env) runExpiry(ctx context.Context) error {
	o := e.opts
	n := o.ExpiryConversations
	s, err := e.newStack(ctx, stackConfig{name: "expiry", temporal: e.temporalAddress(), sessionWindow: o.ExpiryWindow, split: true})
	if err != nil {
		return err
	}
	defer s.Close()
	res := ExpiryResult{Conversations: n, Window: o.ExpiryWindow.String()}
	e.progressf(PhaseExpiry, "opening %d conversations with a %s window (`serve` and `worker` child processes)", n, o.ExpiryWindow)
	// Paced by the inbox backlog, not in lock-step batches: a batch waits
	// for its slowest conversation, which on a loaded server halves the
	// rate, and the window must outlast the whole opening.
	start := time.Now()
	lr, at, err := e.openPaced(ctx, s, PhaseExpiry, 70, n)
	if err != nil {
		return err
	}
	if lr.errors > 0 {
		return fmt.Errorf("%d of %d webhooks failed: %v", lr.errors, n, lr.firstErr)
	}
	res.CreateSeconds = round2(at.Sub(start).Seconds())
	e.progressf(PhaseExpiry, "%d conversations opened in %.1fs; stopping the worker (SIGTERM)", n, res.CreateSeconds)

	stopAt := time.Now()
	if err := s.stopChild("worker", 30*time.Second); err != nil {
		return err
	}
	stopped := time.Now()
	res.StopSeconds = round2(stopped.Sub(stopAt).Seconds())
	rows, err := s.windowRows(ctx)
	if err != nil {
		return err
	}
	if len(rows) != n {
		return fmt.Errorf("%d of %d conversations have a window deadline", len(rows), n)
	}
	if x := countMode(rows, "template_only"); x > 0 {
		return fmt.Errorf("%d of %d windows expired before the worker stopped (opening took %.0fs): raise --expiry-window", x, n, res.CreateSeconds)
	}
	last := rows[0]
	for _, r := range rows {
		if r.Expires.After(last.Expires) {
			last = r
		}
	}
	e.progressf(PhaseExpiry, "worker stopped in %.1fs; waiting %.0fs for the last deadline (%s) to pass with no worker",
		res.StopSeconds, max(0, time.Until(last.Expires).Seconds()), last.Expires.Format(time.TimeOnly))
	if err := sleepUntil(ctx, last.Expires.Add(time.Second), func(left time.Duration) {
		e.progressf(PhaseExpiry, "worker down, %.0fs to the last deadline", left.Seconds())
	}); err != nil {
		return err
	}
	// The last conversation's timer must have fired: its workflow task is
	// waiting for a worker (every other one's is older).
	if err := e.waitTaskDue(ctx, s, last.WorkflowID, time.Minute); err != nil {
		return err
	}

	e.progressf(PhaseExpiry, "starting a worker: %d expiries due at once", n)
	cpu := takeCPU(e.temporalPID(), s.childPID("serve"))
	start = time.Now()
	res.DownSeconds = round2(start.Sub(stopped).Seconds())
	if err := s.startChild("worker"); err != nil {
		return err
	}
	if err := s.waitHTTP(ctx, s.workerURL+"/readyz", time.Minute); err != nil {
		return err
	}
	ready := time.Now()
	res.ReadySeconds = round2(ready.Sub(start).Seconds())
	if err := e.waitExpired(ctx, s, n, 2*time.Minute); err != nil {
		return err
	}
	use := cpu.until(takeCPU(e.temporalPID(), s.childPID("serve"), s.childPID("worker")))
	e.phaseCPU = &use
	res.WorkerRSS = rssBytes(s.childPID("worker"))
	if v, ok := scrapeMetric(ctx, s.http, s.workerURL+"/metrics", "go_memstats_heap_inuse_bytes"); ok {
		res.WorkerHeap = int64(v)
	}
	if rows, err = s.windowRows(ctx); err != nil {
		return err
	}
	updated := make([]time.Time, 0, len(rows))
	for _, r := range rows {
		if r.Mode == "template_only" {
			updated = append(updated, r.Updated)
		}
	}
	fromStart, fromReady, perSec, lag := drain(start, ready, updated)
	res.FromStart, res.FromReady = round2(fromStart.Seconds()), round2(fromReady.Seconds())
	res.PerSec, res.Lag = perSec, lag
	e.setPhase(PhaseExpiry, res)
	e.progressf(PhaseExpiry, "all %d template_only %.1fs after the worker's start (%.1fs after /readyz, %.0f/s)", n, res.FromStart, res.FromReady, res.PerSec)

	e.addRows(
		Row{
			ID: "9 expiry", Measure: fmt.Sprintf("%d windows expiring together: worker ready → all template_only", n),
			Result: fmt.Sprintf("%.1f s (%s)", res.FromReady, fmtRate(res.PerSec)), Verdict: Info,
			Note: fmt.Sprintf("%d conversations opened in %.1fs with a %s window; the worker then stopped (SIGTERM, %.1fs) and stayed down %.0fs, until every deadline had passed "+
				"(Temporal fired every timer with no worker: all %d workflow tasks due at once); a new `switchboard worker` child answered /readyz %.2fs after its start "+
				"and the last conversation turned template_only (conversations.updated_at) %.1fs after its start; CPU measured over the drain only",
				n, res.CreateSeconds, o.ExpiryWindow, res.StopSeconds, res.DownSeconds, n, res.ReadySeconds, res.FromStart),
		},
		Row{
			ID: "9 expiry", Measure: "each conversation's updated_at − worker ready, p50 / p99",
			Result: fmt.Sprintf("%s / %s", fmtMS(lag.P50), fmtMS(lag.P99)), Verdict: Info,
		},
		Row{
			ID: "9 expiry", Measure: fmt.Sprintf("worker RSS after %d expiries", n), Result: fmtBytes(res.WorkerRSS), Verdict: Info,
			Note: fmt.Sprintf("the restarted `switchboard worker` child; Go heap in use %s; sticky cache %d workflows", fmtBytes(res.WorkerHeap), s.cfg.WorkerStickyCacheSize),
		},
	)
	return nil
}

// sleepUntil waits until t, calling tick every 30 s with the time left.
func sleepUntil(ctx context.Context, t time.Time, tick func(left time.Duration)) error {
	for {
		left := time.Until(t)
		if left <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(left, 30*time.Second)):
		}
		if left > 30*time.Second {
			tick(time.Until(t))
		}
	}
}

// waitTaskDue waits until the workflow has a workflow task pending (its
// timer fired, no worker has taken it).
func (e *env) waitTaskDue(ctx context.Context, s *stack, workflowID string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		d, err := s.app.Temporal.DescribeWorkflow(ctx, workflowID, "")
		if err != nil {
			return err
		}
		if d.RawResponse.GetPendingWorkflowTask() != nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no workflow task pending %s after its deadline", workflowID, within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitExpired polls PostgreSQL until want conversations are template_only;
// it gives up when the count has not grown for stall.
func (e *env) waitExpired(ctx context.Context, s *stack, want int, stall time.Duration) error {
	last, lastGrowth, lastTick := -1, time.Now(), time.Now()
	for {
		var got int
		if err := s.app.Store.DB().GetContext(ctx, &got, `SELECT count(*) FROM conversations WHERE mode = 'template_only'`); err != nil {
			return err
		}
		if got >= want {
			return nil
		}
		if got > last {
			last, lastGrowth = got, time.Now()
		}
		if time.Since(lastGrowth) > stall {
			return fmt.Errorf("%d of %d conversations template_only, none more for %s", got, want, stall)
		}
		if time.Since(lastTick) > 5*time.Second {
			e.progressf(PhaseExpiry, "%d/%d template_only", got, want)
			lastTick = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(countEvery(want)):
		}
	}
}
