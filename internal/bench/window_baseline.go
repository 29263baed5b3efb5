package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The window baseline: per conversation a bare workflow that sleeps until
// its deadline and then runs one local activity updating a row of the
// bench's own table — what Temporal alone costs for a window expiry that
// is written to PostgreSQL, the shape of Switchboard's (timer, workflow
// task, SaveConversation local activity) without its logic.
const (
	windowBaselineWorkflow = "BenchWindowBaseline"
	windowBaselineActivity = "BenchWindowExpire"
	windowBaselineTable    = "bench_window_baseline"
)

// windowBaselineInput is the bare workflow's argument.
type windowBaselineInput struct {
	ID       string    `json:"id"`
	Deadline time.Time `json:"deadline"`
}

type windowBaseline struct {
	tc     client.Client
	tq     string
	w      worker.Worker
	s      *stack
	window time.Duration

	mu  sync.Mutex
	ids []string
	at  map[string]time.Time // deadline per workflow
}

// startWindowBaseline creates its table in the stack's database and starts
// its worker in the bench process, polled like Switchboard's.
func (e *env) startWindowBaseline(ctx context.Context, s *stack, window time.Duration) (*windowBaseline, error) {
	db := s.app.Store.DB()
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+windowBaselineTable+` (
		workflow_id text PRIMARY KEY, mode text NOT NULL, expires_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`); err != nil {
		return nil, fmt.Errorf("window baseline table: %w", err)
	}
	b := &windowBaseline{tc: e.tc, tq: "bench-window-" + randHex(4), s: s, window: window, at: map[string]time.Time{}}
	b.w = worker.New(e.tc, b.tq, e.baselineWorkerOptions(false))
	b.w.RegisterActivityWithOptions(func(ctx context.Context, id string) error {
		_, err := db.ExecContext(ctx, `UPDATE `+windowBaselineTable+` SET mode = 'template_only', updated_at = now() WHERE workflow_id = $1`, id)
		return err
	}, activity.RegisterOptions{Name: windowBaselineActivity})
	b.w.RegisterWorkflowWithOptions(func(ctx workflow.Context, in windowBaselineInput) error {
		if d := in.Deadline.Sub(workflow.Now(ctx)); d > 0 {
			if err := workflow.Sleep(ctx, d); err != nil {
				return err
			}
		}
		ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
		return workflow.ExecuteLocalActivity(ctx, windowBaselineActivity, in.ID).Get(ctx, nil)
	}, workflow.RegisterOptions{Name: windowBaselineWorkflow})
	if err := b.w.Start(); err != nil {
		return nil, fmt.Errorf("window baseline worker: %w", err)
	}
	return b, nil
}

// open starts k bare workflows (from..from+k-1), each with its row and its
// deadline now + the window, as a webhook opens a conversation.
func (b *windowBaseline) open(ctx context.Context, from, k int) error {
	lr := closedLoop(ctx, k, k, func(ctx context.Context, i int) error {
		id := b.tq + "-" + strconv.Itoa(from+i)
		deadline := time.Now().Add(b.window)
		if _, err := b.s.app.Store.DB().ExecContext(ctx, `INSERT INTO `+windowBaselineTable+
			` (workflow_id, mode, expires_at, updated_at) VALUES ($1, 'open', $2, now())`, id, deadline); err != nil {
			return err
		}
		in := windowBaselineInput{ID: id, Deadline: deadline}
		if _, err := b.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: b.tq}, windowBaselineWorkflow, in); err != nil {
			return err
		}
		b.mu.Lock()
		b.ids = append(b.ids, id)
		b.at[id] = deadline
		b.mu.Unlock()
		return nil
	}, nil)
	if lr.errors > 0 {
		return fmt.Errorf("%d bare window workflows failed to start: %v", lr.errors, lr.firstErr)
	}
	return nil
}

// expired is how many bare workflows have written their row.
func (b *windowBaseline) expired(ctx context.Context) (int, error) {
	var n int
	err := b.s.app.Store.DB().GetContext(ctx, &n, `SELECT count(*) FROM `+windowBaselineTable+` WHERE mode = 'template_only'`)
	return n, err
}

// deadlines returns the workflows and their deadlines, in start order.
func (b *windowBaseline) deadlines() ([]string, []time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := slices.Clone(b.ids)
	at := make([]time.Time, len(ids))
	for i, id := range ids {
		at[i] = b.at[id]
	}
	return ids, at
}

// stop stops the worker; the workflows have ended (or are terminated, on
// a failed run, so that they do not outlive it on a given server).
func (b *windowBaseline) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids, _ := b.deadlines()
	if n, err := b.expired(ctx); err != nil || n < len(ids) {
		for _, id := range ids {
			_ = b.tc.TerminateWorkflow(ctx, id, "", "bench done") // an ended one answers NotFound
		}
	}
	b.w.Stop()
}
