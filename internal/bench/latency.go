package bench

import (
	"context"
	"fmt"
	"time"
)

// LatencySide is an open-loop run at a fixed offered rate.
type LatencySide struct {
	OfferedPerSec int     `json:"offered_per_sec"`
	Duration      string  `json:"duration"`
	Requests      int     `json:"requests"`
	Errors        int     `json:"errors"`
	Dropped       int     `json:"dropped"` // not sent: too many in flight
	FirstError    string  `json:"first_error,omitempty"`
	Latency       Dist    `json:"latency"` // from the scheduled send time
	AchievedRate  float64 `json:"achieved_per_sec"`
}

// LatencyResult is phase 2.
type LatencyResult struct {
	Customers int `json:"customers"`
	// DrainSeconds is how long the workflows took, after the last webhook,
	// to record every message: the backlog the offered rate left.
	DrainSeconds float64     `json:"drain_seconds"`
	Webhook      LatencySide `json:"webhook"`
	Baseline     LatencySide `json:"baseline"`
}

const maxInFlight = 2000

func latencySide(rate int, d time.Duration, lr loadResult) LatencySide {
	ls := LatencySide{
		OfferedPerSec: rate, Duration: d.String(), Requests: len(lr.latencies) + lr.errors + lr.dropped,
		Errors: lr.errors, Dropped: lr.dropped, Latency: Summarize(lr.latencies),
		AchievedRate: Rate(len(lr.latencies), lr.elapsed),
	}
	if lr.firstErr != nil {
		ls.FirstError = lr.firstErr.Error()
	}
	return ls
}

// runLatency offers signed webhooks at a fixed rate (open loop: each send
// is scheduled on the clock and measured from its scheduled time), from a
// pool of customers who each write several times, then SignalWithStart of
// the no-op workflow at the same rate.
func (e *env) runLatency(ctx context.Context, s *stack) error {
	o := e.opts
	interval := time.Second / time.Duration(o.LatencyRate)
	n := int(o.LatencyDuration / interval)
	res := LatencyResult{Customers: o.LatencyCustomers}
	before, err := s.countInbound(ctx)
	if err != nil {
		return err
	}
	reqs := make([]webhook, n)
	for i := range reqs {
		reqs[i] = s.prepareInbound(s.customer(50, i%o.LatencyCustomers), "Bonjour")
	}
	e.progressf(PhaseLatency, "webhooks: %d/s for %s (%d requests, %d customers)", o.LatencyRate, o.LatencyDuration, n, o.LatencyCustomers)
	lr := openLoop(ctx, n, interval, maxInFlight, func(ctx context.Context, i int) error { return s.post(ctx, reqs[i]) })
	res.Webhook = latencySide(o.LatencyRate, o.LatencyDuration, lr)
	e.progressf(PhaseLatency, "webhooks: p50 %s p95 %s p99 %s (%d errors, %d dropped)", fmtMS(res.Webhook.Latency.P50),
		fmtMS(res.Webhook.Latency.P95), fmtMS(res.Webhook.Latency.P99), lr.errors, lr.dropped)
	// Let the workflows catch up before the baseline runs on the same server.
	drain := time.Now()
	if _, err := s.waitInbound(ctx, before+len(lr.latencies), time.Minute, func(n int) {
		e.progressf(PhaseLatency, "waiting for the workflows: %d/%d recorded", n-before, len(lr.latencies))
	}); err != nil {
		return err
	}
	res.DrainSeconds = round2(time.Since(drain).Seconds())

	b, err := e.startBaseline()
	if err != nil {
		return err
	}
	defer b.stop()
	bd := o.LatencyDuration / 2
	bn := int(bd / interval)
	prefix := "bench-noop-lat-" + randHex(3) + "-"
	e.progressf(PhaseLatency, "baseline: SignalWithStart %d/s for %s", o.LatencyRate, bd)
	blr := openLoop(ctx, bn, interval, maxInFlight, func(ctx context.Context, i int) error {
		return b.signalWithStart(ctx, fmt.Sprint(prefix, i), fmt.Sprintf("+4498%08d", i))
	})
	res.Baseline = latencySide(o.LatencyRate, bd, blr)
	e.progressf(PhaseLatency, "baseline: p50 %s p95 %s p99 %s", fmtMS(res.Baseline.Latency.P50),
		fmtMS(res.Baseline.Latency.P95), fmtMS(res.Baseline.Latency.P99))
	e.setPhase(PhaseLatency, res)
	w, bl := res.Webhook.Latency, res.Baseline.Latency
	note := fmt.Sprintf("open loop, %d requests from %d customers, measured from each request's scheduled time; the workflows finished recording %.1fs after the last webhook",
		res.Webhook.Requests, o.LatencyCustomers, res.DrainSeconds)
	if res.Webhook.Errors+res.Webhook.Dropped > 0 {
		note += fmt.Sprintf("; %d errors, %d dropped", res.Webhook.Errors, res.Webhook.Dropped)
	}
	e.addRows(Row{
		ID: "2 latency", Measure: fmt.Sprintf("webhook latency at %d/s, p50 / p95 / p99", o.LatencyRate),
		Result:   fmt.Sprintf("%s / %s / %s", fmtMS(w.P50), fmtMS(w.P95), fmtMS(w.P99)),
		Baseline: fmt.Sprintf("%s / %s / %s SignalWithStart", fmtMS(bl.P50), fmtMS(bl.P95), fmtMS(bl.P99)),
		Target:   "p99 < 50 ms", Verdict: verdict(w.P99 < 50 && res.Webhook.Errors == 0 && res.Webhook.Dropped == 0),
		Note: note,
	})
	return nil
}
