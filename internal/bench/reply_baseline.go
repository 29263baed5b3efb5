package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/twilio"
)

// The reply baseline: per conversation a bare workflow whose update runs
// one activity posting the message to the same emulator with the same
// Twilio client. What Temporal and Twilio alone cost per agent reply.
const (
	replyBaselineWorkflow = "BenchReplyBaseline"
	replyBaselineActivity = "BenchPostMessage"
	replyBaselineUpdate   = "send"
)

type replyBaseline struct {
	tc  client.Client
	tq  string
	w   worker.Worker
	ids []string
}

// startReplyBaseline starts its worker and one workflow per customer.
func (e *env) startReplyBaseline(ctx context.Context, s *stack, customers []string) (*replyBaseline, error) {
	tw := twilio.NewClient(twilio.Config{APIBase: s.cfg.TwilioAPIBase, Timeout: s.cfg.TwilioTimeout, Logger: e.logger})
	creds := domain.Credentials{AccountSID: s.accountSID, AuthToken: s.authToken}
	b := &replyBaseline{tc: e.tc, tq: "bench-reply-" + randHex(4)}
	b.w = worker.New(e.tc, b.tq, e.baselineWorkerOptions(true))
	b.w.RegisterActivityWithOptions(func(ctx context.Context, to, body string) (string, error) {
		r, err := tw.Send(ctx, twilio.SendRequest{Credentials: creds, From: s.number, To: to, Body: body})
		return r.SID, err
	}, activity.RegisterOptions{Name: replyBaselineActivity})
	b.w.RegisterWorkflowWithOptions(func(ctx workflow.Context, customer string) error {
		if err := workflow.SetUpdateHandler(ctx, replyBaselineUpdate, func(ctx workflow.Context, body string) (string, error) {
			ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
			var sid string
			err := workflow.ExecuteActivity(ctx, replyBaselineActivity, customer, body).Get(ctx, &sid)
			return sid, err
		}); err != nil {
			return err
		}
		return workflow.Await(ctx, func() bool { return false }) // until cancelled
	}, workflow.RegisterOptions{Name: replyBaselineWorkflow})
	if err := b.w.Start(); err != nil {
		return nil, fmt.Errorf("reply baseline worker: %w", err)
	}
	for i, c := range customers {
		id := b.tq + "-" + strconv.Itoa(i)
		if _, err := e.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: b.tq}, replyBaselineWorkflow, c); err != nil {
			b.stop()
			return nil, fmt.Errorf("reply baseline workflow: %w", err)
		}
		b.ids = append(b.ids, id)
	}
	return b, nil
}

// send is one reply: the update, answered once the emulator accepted it.
func (b *replyBaseline) send(ctx context.Context, i int, body string) error {
	h, err := b.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: b.ids[i%len(b.ids)], UpdateName: replyBaselineUpdate, Args: []any{body},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	var sid string
	return h.Get(ctx, &sid)
}

// stop ends the workflows (they would outlive the run on a given server)
// and the worker.
func (b *replyBaseline) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, id := range b.ids {
		_ = b.tc.TerminateWorkflow(ctx, id, "", "bench done")
	}
	b.w.Stop()
}

// ReplyComparison is the outbound phase's baseline: the same replies through
// Switchboard's whole path and through the bare update, no rate limit,
// same concurrency, rounds alternating which side goes first.
type ReplyComparison struct {
	Messages        int       `json:"messages_per_side_and_round"`
	Concurrency     int       `json:"concurrency"`
	SwitchboardRate []float64 `json:"switchboard_per_sec"` // accepted by the emulator per second, per round
	BaselineRate    []float64 `json:"baseline_per_sec"`
	Ratio           float64   `json:"ratio"` // median of per-round ratios
	Errors          int       `json:"errors"`
	FirstError      string    `json:"first_error,omitempty"`
}

func (e *env) compareReplies(ctx context.Context) (ReplyComparison, error) {
	const convs, conc, rounds = 100, 32, 2
	res := ReplyComparison{Messages: e.opts.OutboundMessages, Concurrency: conc}
	// No pacing on either side: the baseline has none, and Switchboard's
	// per-sender limiter (on by default at 80/s, shared through
	// PostgreSQL) would add a slot query per reply that the baseline does
	// not pay. The runs before this one measure the limiter.
	s, err := e.newStack(ctx, stackConfig{name: "replies", temporal: e.temporalAddress(),
		configure: func(c *config.Config) { c.TwilioRatePerSender = 0 }})
	if err != nil {
		return res, err
	}
	defer s.Close()
	ids, customers, err := e.openReplyConversations(ctx, s, convs)
	if err != nil {
		return res, err
	}
	b, err := e.startReplyBaseline(ctx, s, customers)
	if err != nil {
		return res, err
	}
	defer b.stop()

	// side runs one side's replies and returns what the emulator accepted
	// per second, first request to last acceptance.
	side := func(name string, send func(ctx context.Context, i int) error) float64 {
		before := len(s.emu.Messages())
		start := time.Now()
		lr := closedLoop(ctx, res.Messages, conc, send, nil)
		res.Errors += lr.errors
		if lr.firstErr != nil && res.FirstError == "" {
			res.FirstError = name + ": " + lr.firstErr.Error()
		}
		want := before + res.Messages - lr.errors
		deadline := time.Now().Add(2 * time.Minute)
		for len(s.emu.Messages()) < want && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
		}
		msgs := s.emu.Messages()
		last := start
		for _, m := range msgs[before:] {
			if m.ReceivedAt.After(last) {
				last = m.ReceivedAt
			}
		}
		rate := Rate(len(msgs)-before, last.Sub(start))
		e.progressf(PhaseOutbound, "replies, %s: %d accepted at %.0f/s", name, len(msgs)-before, rate)
		return rate
	}
	sb := func(ctx context.Context, i int) error {
		_, _, err := s.adminSend(ctx, ids[i%len(ids)], "Réponse "+strconv.Itoa(i))
		return err
	}
	bare := func(ctx context.Context, i int) error { return b.send(ctx, i, "Réponse "+strconv.Itoa(i)) }
	var ratios []float64
	for r := range rounds {
		var sw, bl float64
		if r%2 == 0 {
			bl, sw = side("baseline", bare), side("switchboard", sb)
		} else {
			sw, bl = side("switchboard", sb), side("baseline", bare)
		}
		res.SwitchboardRate = append(res.SwitchboardRate, round2(sw))
		res.BaselineRate = append(res.BaselineRate, round2(bl))
		if bl > 0 {
			ratios = append(ratios, sw/bl)
		}
	}
	if len(ratios) == 0 {
		return res, fmt.Errorf("the reply baseline sent nothing: %s", res.FirstError)
	}
	res.Ratio = round2(Median(ratios))
	return res, nil
}
