package bench

import (
	"github.com/switchboard/switchboard/workflows"

	"context"
	"fmt"
	"time"
)

// IngestSide is one side of an ingest round.
type IngestSide struct {
	Messages        int        `json:"messages"`
	Errors          int        `json:"errors"`
	FirstError      string     `json:"first_error,omitempty"`
	AcceptedPerSec  float64    `json:"accepted_per_sec"`  // calls answered / time sending
	ProcessedPerSec float64    `json:"processed_per_sec"` // processed by the workflow / time from first call to last processed
	Latency         Dist       `json:"latency"`           // per call, client side
	FirstTask       *FirstTask `json:"first_task,omitempty"`
}

// IngestRound is a baseline run followed by a Switchboard run.
type IngestRound struct {
	Baseline IngestSide `json:"baseline"`
	Webhook  IngestSide `json:"webhook"`
}

// IngestResult is phase 1.
type IngestResult struct {
	Concurrency       int           `json:"concurrency"`
	Messages          int           `json:"messages_per_round"`
	Rounds            []IngestRound `json:"rounds"`
	BaselineAccepted  float64       `json:"baseline_accepted_per_sec"` // medians over rounds
	BaselineProcessed float64       `json:"baseline_processed_per_sec"`
	WebhookAccepted   float64       `json:"webhook_accepted_per_sec"`
	WebhookProcessed  float64       `json:"webhook_processed_per_sec"`
	RatioAccepted     float64       `json:"ratio_accepted"` // median of per-round ratios
	RatioProcessed    float64       `json:"ratio_processed"`
}

// runIngest compares signed inbound webhooks through the whole path
// (signature, PostgreSQL insert, SignalWithStart, the workflow recording the
// message) with bare SignalWithStart of a no-op workflow on the same server,
// at the same concurrency, in alternating rounds.
func (e *env) runIngest(ctx context.Context, s *stack) error {
	o := e.opts
	b, err := e.startBaseline()
	if err != nil {
		return err
	}
	defer b.stop()
	res := IngestResult{Concurrency: o.Concurrency, Messages: o.IngestMessages}
	series := 10

	// Warm-up: connections, caches, the first workflow tasks.
	warm := min(200, o.IngestMessages)
	e.progressf(PhaseIngest, "warm-up: %d baseline calls and %d webhooks", warm, warm)
	if _, err := e.baselineRun(ctx, b, "warm", warm); err != nil {
		return err
	}
	if _, err := e.webhookRun(ctx, s, series, warm); err != nil {
		return err
	}
	series++

	var rb, rw []float64
	baselineRound := func(r int, round *IngestRound) error {
		var err error
		if round.Baseline, err = e.baselineRun(ctx, b, fmt.Sprint("r", r), o.IngestMessages); err != nil {
			return err
		}
		e.progressf(PhaseIngest, "round %d/%d baseline: %.0f/s accepted, %.0f/s processed, p99 %s; %s",
			r+1, o.IngestRounds, round.Baseline.AcceptedPerSec, round.Baseline.ProcessedPerSec, fmtMS(round.Baseline.Latency.P99), round.Baseline.FirstTask)
		return nil
	}
	webhookRound := func(r int, round *IngestRound) error {
		var err error
		if round.Webhook, err = e.webhookRun(ctx, s, series, o.IngestMessages); err != nil {
			return err
		}
		series++
		e.progressf(PhaseIngest, "round %d/%d webhooks: %.0f/s accepted, %.0f/s processed, p99 %s; %s",
			r+1, o.IngestRounds, round.Webhook.AcceptedPerSec, round.Webhook.ProcessedPerSec, fmtMS(round.Webhook.Latency.P99), round.Webhook.FirstTask)
		return nil
	}
	for r := range o.IngestRounds {
		// The server slows as it fills (every conversation stays open),
		// so the order alternates (baseline first, then Switchboard first):
		// the drift cancels out instead of always falling on one side.
		var round IngestRound
		first, second := baselineRound, webhookRound
		if r%2 == 1 {
			first, second = webhookRound, baselineRound
		}
		e.settle(ctx, 30*time.Second)
		if err := first(r, &round); err != nil {
			return err
		}
		e.settle(ctx, 30*time.Second)
		if err := second(r, &round); err != nil {
			return err
		}
		res.Rounds = append(res.Rounds, round)
		rb = append(rb, round.Webhook.AcceptedPerSec/round.Baseline.AcceptedPerSec)
		rw = append(rw, round.Webhook.ProcessedPerSec/round.Baseline.ProcessedPerSec)
	}
	med := func(f func(IngestRound) float64) float64 {
		vs := make([]float64, len(res.Rounds))
		for i, r := range res.Rounds {
			vs[i] = f(r)
		}
		return round2(Median(vs))
	}
	res.BaselineAccepted = med(func(r IngestRound) float64 { return r.Baseline.AcceptedPerSec })
	res.BaselineProcessed = med(func(r IngestRound) float64 { return r.Baseline.ProcessedPerSec })
	res.WebhookAccepted = med(func(r IngestRound) float64 { return r.Webhook.AcceptedPerSec })
	res.WebhookProcessed = med(func(r IngestRound) float64 { return r.Webhook.ProcessedPerSec })
	res.RatioAccepted = round2(Median(rb))
	res.RatioProcessed = round2(Median(rw))
	e.setPhase(PhaseIngest, res)
	e.addRows(
		Row{
			ID: "1 ingest", Measure: "inbound webhooks/s, whole path (processed)",
			Result:   fmt.Sprintf("%s = %.2f× baseline", fmtRate(res.WebhookProcessed), res.RatioProcessed),
			Baseline: fmtRate(res.BaselineProcessed) + " SignalWithStart + no-op workflow",
			Target:   "≥ 0.9× baseline", Verdict: verdict(res.RatioProcessed >= 0.9),
			Note: fmt.Sprintf("closed loop, %d in flight, %d messages per side per round, median of %d rounds in alternating order, each side started once the Temporal server was idle; "+
				"processed = from the first call to the last message recorded by its workflow (baseline: to the last no-op workflow ended)",
				o.Concurrency, o.IngestMessages, o.IngestRounds),
		},
		Row{
			ID: "1 ingest", Measure: "inbound webhooks/s, answered 200",
			Result:   fmt.Sprintf("%s = %.2f× baseline", fmtRate(res.WebhookAccepted), res.RatioAccepted),
			Baseline: fmtRate(res.BaselineAccepted) + " SignalWithStart answered",
			Target:   "–", Verdict: Info,
			Note: "the webhook answers once the message is in PostgreSQL; the relay signals behind the answer, so this is the rate Twilio is answered at, not the rate conversations take messages in (the row above)",
		},
	)
	return nil
}

func side(n int, lr loadResult, processedAt time.Time, start time.Time) IngestSide {
	sd := IngestSide{Messages: n, Errors: lr.errors, Latency: Summarize(lr.latencies)}
	if lr.firstErr != nil {
		sd.FirstError = lr.firstErr.Error()
	}
	sd.AcceptedPerSec = Rate(len(lr.latencies), lr.elapsed)
	if !processedAt.IsZero() {
		sd.ProcessedPerSec = Rate(len(lr.latencies), processedAt.Sub(start))
	}
	return sd
}

func (e *env) baselineRun(ctx context.Context, b *baseline, tag string, n int) (IngestSide, error) {
	prefix := "bench-noop-" + tag + "-" + randHex(3) + "-"
	want := b.done.Load() + int64(n)
	start := time.Now()
	lr := closedLoop(ctx, n, e.opts.Concurrency, func(ctx context.Context, i int) error {
		return b.signalWithStart(ctx, fmt.Sprint(prefix, i), fmt.Sprintf("+4499%08d", i))
	}, nil)
	if lr.errors > 0 {
		want -= int64(lr.errors)
	}
	at, err := b.waitDone(ctx, want, 2*time.Minute)
	if err != nil {
		return IngestSide{}, err
	}
	sd := side(n, lr, at, start)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprint(prefix, i)
	}
	sd.FirstTask = firstTasks(ctx, b.tc, ids)
	return sd, nil
}

// webhookRun posts n signed webhooks from n new customers (series keeps
// them distinct across runs), then waits until every message is recorded.
func (e *env) webhookRun(ctx context.Context, s *stack, series, n int) (IngestSide, error) {
	before, err := s.countInbound(ctx)
	if err != nil {
		return IngestSide{}, err
	}
	reqs := make([]webhook, n)
	for i := range reqs {
		reqs[i] = s.prepareInbound(s.customer(series, i), "Bonjour, une question sur ma commande")
	}
	start := time.Now()
	lr := closedLoop(ctx, n, e.opts.Concurrency, func(ctx context.Context, i int) error {
		return s.post(ctx, reqs[i])
	}, nil)
	at, err := s.waitInbound(ctx, before+n-lr.errors, 3*time.Minute, func(got int) {
		e.progressf(PhaseIngest, "waiting for the workflows: %d/%d recorded", got-before, n)
	})
	if err != nil {
		return IngestSide{}, err
	}
	sd := side(n, lr, at, start)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = workflows.ConversationID(s.numberID, s.customer(series, i))
	}
	sd.FirstTask = firstTasks(ctx, s.app.Temporal, ids)
	return sd, nil
}
