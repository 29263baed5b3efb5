package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/workflows"
)

// OutboundRun is one outbound burst against the emulator's per-sender limit.
type OutboundRun struct {
	Limiter       string         `json:"limiter"` // SWITCHBOARD_TWILIO_RATE_PER_SENDER
	EmulatorRate  int            `json:"emulator_rate"`
	Messages      int            `json:"messages"`
	Conversations int            `json:"conversations"`
	Concurrency   int            `json:"concurrency"`
	APIAnswers    map[string]int `json:"api_answers"` // HTTP status → count
	Errors        int            `json:"errors"`
	FirstError    string         `json:"first_error,omitempty"`
	Accepted      int            `json:"accepted_by_emulator"`
	Attempts      int64          `json:"send_attempts"` // POST Messages.json answered
	RateLimited   int64          `json:"answered_429"`
	AcceptedRate  float64        `json:"accepted_per_sec"` // accepted / (last − first accepted)
	PeakPerSec    int            `json:"peak_accepted_in_one_second"`
	Seconds       float64        `json:"seconds"` // first API call → last accepted
	APIAnswer     Dist           `json:"api_answer"`
}

// OutboundResult is phase 7.
type OutboundResult struct {
	EmulatorRate int              `json:"emulator_rate_per_sender"`
	Runs         []OutboundRun    `json:"runs"`
	Replies      *ReplyComparison `json:"replies_vs_baseline,omitempty"`
}

// outboundVariant is one outbound run: the limiter, the emulator's limit and
// how many replies.
type outboundVariant struct {
	name    string
	limiter float64 // SWITCHBOARD_TWILIO_RATE_PER_SENDER
	emuRate int     // the emulator's per-sender limit
	msgs    int
}

// runOutbound sends replies as fast as the API takes them, across the
// conversations of one sender, with the emulator refusing (429) more than
// its per-sender rate, like Twilio's per-sender throughput. The target run
// has the limiter at that rate. The comparison without the limiter is made
// at the same rate when this machine can push more than it; otherwise at
// half of what it pushed (with and without the limiter), where pacing
// matters.
func (e *env) runOutbound(ctx context.Context) error {
	o := e.opts
	res := OutboundResult{EmulatorRate: o.OutboundRate}
	runs := []outboundVariant{{name: "on", limiter: float64(o.OutboundRate), emuRate: o.OutboundRate, msgs: o.OutboundMessages}}
	for i := 0; i < len(runs); i++ {
		v := runs[i]
		run, err := e.outboundRun(ctx, v)
		if err != nil {
			return err
		}
		res.Runs = append(res.Runs, run)
		e.progressf(PhaseOutbound, "limit %d/s, limiter %s: %d accepted at %.0f/s (peak %d in one second), %d answered 429 of %d attempts",
			run.EmulatorRate, run.Limiter, run.Accepted, run.AcceptedRate, run.PeakPerSec, run.RateLimited, run.Attempts)
		if i > 0 || !o.OutboundCompare {
			continue
		}
		if run.AcceptedRate >= 0.9*float64(o.OutboundRate) {
			runs = append(runs, outboundVariant{name: "off", emuRate: o.OutboundRate, msgs: o.OutboundMessages})
			continue
		}
		d := max(5, int(run.AcceptedRate/2))
		e.progressf(PhaseOutbound, "this machine pushed %.0f/s, below the %d/s limit: comparing with and without the limiter at %d/s", run.AcceptedRate, o.OutboundRate, d)
		runs = append(runs,
			outboundVariant{name: "off", emuRate: d, msgs: max(50, 10*d)},
			outboundVariant{name: "on", limiter: float64(d), emuRate: d, msgs: max(50, 10*d)})
	}
	cmp, err := e.compareReplies(ctx)
	if err != nil {
		return err
	}
	res.Replies = &cmp
	e.setPhase(PhaseOutbound, res)
	e.addRows(Row{
		ID: "7 outbound", Measure: fmt.Sprintf("agent replies, whole path, vs a bare update running one activity that posts to the emulator (no rate limit, %d in flight)", cmp.Concurrency),
		Result: fmt.Sprintf("%.2f× baseline", cmp.Ratio), Target: "≥ 0.8× baseline", Verdict: verdict(cmp.Ratio >= 0.8 && cmp.Errors == 0),
		Note: fmt.Sprintf("%d replies per side and round, rounds alternating who goes first; accepted/s Switchboard %v, baseline %v; %d errors %s",
			cmp.Messages, cmp.SwitchboardRate, cmp.BaselineRate, cmp.Errors, cmp.FirstError),
	})
	for i, run := range res.Runs {
		near := run.AcceptedRate >= 0.85*float64(run.EmulatorRate)
		storm := run.RateLimited > int64(run.Messages/20) // more than 5% of the messages
		row := Row{
			ID: "7 outbound", Measure: fmt.Sprintf("replies through one sender limited to %d/s, SWITCHBOARD_TWILIO_RATE_PER_SENDER=%s", run.EmulatorRate, run.Limiter),
			Result: fmt.Sprintf("%s accepted, %d × 429", fmtRate(run.AcceptedRate), run.RateLimited),
			Note: fmt.Sprintf("%d admin replies, %d at a time over %d conversations; %d accepted in %.1fs (peak %d in one second); %d send attempts; API answers %v",
				run.Messages, run.Concurrency, run.Conversations, run.Accepted, run.Seconds, run.PeakPerSec, run.Attempts, run.APIAnswers),
		}
		if i == 0 {
			row.Target = fmt.Sprintf("near %d/s, no 429 storm", run.EmulatorRate)
			row.Verdict = verdict(near && !storm && run.Accepted >= run.Messages)
		} else {
			row.Verdict = Info
			row.Note = "comparison: " + row.Note
		}
		e.addRows(row)
	}
	return nil
}

func (e *env) outboundRun(ctx context.Context, v outboundVariant) (OutboundRun, error) {
	const convs, conc = 100, 32
	run := OutboundRun{Limiter: strconv.FormatFloat(v.limiter, 'f', -1, 64), EmulatorRate: v.emuRate, Messages: v.msgs,
		Conversations: convs, Concurrency: conc, APIAnswers: map[string]int{}}
	s, err := e.newStack(ctx, stackConfig{name: "outbound", temporal: e.temporalAddress(), emulatorRate: v.emuRate,
		configure: func(c *config.Config) { c.TwilioRatePerSender = v.limiter }})
	if err != nil {
		return run, err
	}
	defer s.Close()
	ids, _, err := e.openReplyConversations(ctx, s, convs)
	if err != nil {
		return run, err
	}
	e.progressf(PhaseOutbound, "limit %d/s, limiter %s: %d replies, %d at a time", v.emuRate, v.name, v.msgs, conc)
	var mu sync.Mutex
	start := time.Now()
	lr := closedLoop(ctx, v.msgs, conc, func(ctx context.Context, i int) error {
		_, status, err := s.adminSend(ctx, ids[i%convs], "Réponse "+strconv.Itoa(i))
		mu.Lock()
		run.APIAnswers[strconv.Itoa(status)]++
		mu.Unlock()
		return err
	}, func(done int) {
		e.progressf(PhaseOutbound, "%d/%d API calls answered, %d accepted by the emulator, %d × 429", done, v.msgs, len(s.emu.Messages()), s.rateLimited.Load())
	})
	run.Errors = lr.errors
	if lr.firstErr != nil {
		run.FirstError = lr.firstErr.Error()
	}
	run.APIAnswer = Summarize(lr.latencies)
	// Replies answered 202 are still being retried: wait for them.
	deadline := time.Now().Add(3 * time.Minute)
	for len(s.emu.Messages()) < v.msgs-run.Errors && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(200 * time.Millisecond)
	}
	msgs := s.emu.Messages()
	run.Accepted = len(msgs)
	run.Attempts, run.RateLimited = s.sends.Load(), s.rateLimited.Load()
	if len(msgs) > 1 {
		times := make([]time.Time, len(msgs))
		for i, m := range msgs {
			times[i] = m.ReceivedAt
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		span := times[len(times)-1].Sub(times[0])
		run.AcceptedRate = Rate(len(times)-1, span)
		run.Seconds = round2(times[len(times)-1].Sub(start).Seconds())
		run.PeakPerSec = emulator.PeakPerSecond(msgs)
	}
	return run, nil
}

// openReplyConversations has n customers write and returns their
// conversations' ids and the customers' numbers.
func (e *env) openReplyConversations(ctx context.Context, s *stack, n int) (ids, customers []string, err error) {
	lr := closedLoop(ctx, n, 16, func(ctx context.Context, i int) error {
		return s.post(ctx, s.prepareInbound(s.customer(95, i), "Bonjour"))
	}, nil)
	if lr.errors > 0 {
		return nil, nil, fmt.Errorf("opening conversations: %v", lr.firstErr)
	}
	if _, err := s.waitInbound(ctx, n, time.Minute, nil); err != nil {
		return nil, nil, err
	}
	ids, customers = make([]string, n), make([]string, n)
	for i := range ids {
		customers[i] = s.customer(95, i)
		if ids[i], err = s.conversationID(ctx, workflows.ConversationID(s.numberID, customers[i])); err != nil {
			return nil, nil, err
		}
	}
	return ids, customers, nil
}
