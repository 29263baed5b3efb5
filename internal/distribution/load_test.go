package distribution_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/distribution"
	"github.com/switchboard/switchboard/internal/domain"
)

// capacityAuditDDL records, in the test database only, every change of a
// conversation's holds_capacity. All such changes happen under the
// dispatch lock, so the bigserial gives the true order of events and the
// audit can replay every agent's load as it was at every instant.
const capacityAuditDDL = `
CREATE TABLE capacity_audit (
	seq             bigserial PRIMARY KEY,
	conversation_id uuid    NOT NULL,
	agent_id        uuid,
	holds           boolean NOT NULL,
	cost            int     NOT NULL
);
CREATE FUNCTION capacity_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.holds_capacity IS DISTINCT FROM OLD.holds_capacity THEN
		INSERT INTO capacity_audit (conversation_id, agent_id, holds, cost)
		VALUES (NEW.id, NEW.agent_id, NEW.holds_capacity, NEW.capacity_cost);
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER capacity_audit AFTER UPDATE ON conversations FOR EACH ROW EXECUTE FUNCTION capacity_audit();`

// latencies collects call durations per operation.
type latencies struct {
	mu sync.Mutex
	by map[string][]time.Duration
}

func (l *latencies) add(op string, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[string][]time.Duration{}
	}
	l.by[op] = append(l.by[op], d)
}

func (l *latencies) report(t *testing.T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, op := range slices.Sorted(func(yield func(string) bool) {
		for k := range l.by {
			if !yield(k) {
				return
			}
		}
	}) {
		ds := slices.Clone(l.by[op])
		slices.Sort(ds)
		pct := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
		t.Logf("%-16s n=%3d p50=%v p90=%v p99=%v max=%v", op, len(ds), pct(.5), pct(.9), pct(.99), ds[len(ds)-1])
	}
}

// The proof: 50 conversations enqueued at once from 50 goroutines,
// 3 agents of capacities 1, 2 and 4 whose presence flips available → away
// → available during the run, conversations finished (released) at random
// while others are still arriving. A checker watches loads all along; the
// final audit replays every capacity change and every assignment.
func TestDistributionUnderConcurrentLoad(t *testing.T) {
	f := newDistFix(t)
	if _, err := f.st.DB().Exec(capacityAuditDDL); err != nil {
		t.Fatal(err)
	}
	q := f.queue("support", 0)
	capacity := map[string]int{}
	var agents []string
	for _, c := range []int{1, 2, 4} {
		id := f.agent(agentSpec{capacity: c, queues: []string{q}})
		capacity[id] = c
		agents = append(agents, id)
	}
	const n = 50
	convs := make([]string, n)
	priority := map[string]int{}
	for i := range convs {
		convs[i] = f.conversation()
		if i%5 == 0 {
			priority[convs[i]] = 1 // some jump the line; FIFO holds within each level
		}
	}

	ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
	defer cancel()
	var lat latencies
	var (
		mu       sync.Mutex
		returned = map[int64]distribution.Assignment{} // every assignment a call reported, by outbox id
		released = map[string]bool{}
	)
	work := make(chan distribution.Assignment, 4*n)
	done := make(chan struct{})
	// fail reports the first failure and stops the run; what fails after
	// that (calls cut short by the cancelled context) is not news.
	fail := func(format string, args ...any) {
		if ctx.Err() == nil {
			t.Errorf(format, args...)
			cancel()
		}
	}
	// report hands every assignment a call made to the workers, as the
	// workflow would learn of it (from the activity result or the outbox).
	report := func(d distribution.Dispatch) {
		mu.Lock()
		defer mu.Unlock()
		for _, a := range d.Assigned {
			if _, dup := returned[a.OutboxID]; dup {
				fail("assignment %d reported twice", a.OutboxID)
			}
			returned[a.OutboxID] = a
			work <- a
		}
	}

	var wg sync.WaitGroup
	start := make(chan struct{})
	// 50 enqueuers, spread over ~250 ms so that releases interleave.
	for i, conv := range convs {
		wg.Go(func() {
			<-start
			time.Sleep(time.Duration(rand.IntN(250)) * time.Millisecond)
			t0 := time.Now()
			d, err := f.d.Enqueue(ctx, distribution.EnqueueRequest{ConversationID: conv, QueueID: q, Priority: priority[conv]})
			lat.add("Enqueue", time.Since(t0))
			if err != nil {
				fail("enqueue %d: %v", i, err)
				return
			}
			report(d)
		})
	}
	// Workers: each assignment is worked for a while, then released.
	var releasedCount atomic.Int32
	for range 6 {
		wg.Go(func() {
			for {
				var a distribution.Assignment
				select {
				case a = <-work:
				case <-done:
					return
				case <-ctx.Done():
					return
				}
				time.Sleep(time.Duration(2+rand.IntN(30)) * time.Millisecond)
				mu.Lock()
				again := released[a.ConversationID]
				released[a.ConversationID] = true
				mu.Unlock()
				if again {
					fail("conversation %s assigned again after it was finished", a.ConversationID)
					return
				}
				t0 := time.Now()
				d, err := f.d.Release(ctx, a.ConversationID)
				lat.add("Release", time.Since(t0))
				if err != nil {
					fail("release: %v", err)
					return
				}
				report(d)
				if releasedCount.Add(1) == n {
					close(done)
				}
			}
		})
	}
	// Presence flips: available → away → available, then dispatch the
	// agent's queues as the presence endpoint will.
	var flips atomic.Int32
	for _, agent := range agents {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				case <-ctx.Done():
					return
				case <-time.After(time.Duration(10+rand.IntN(40)) * time.Millisecond):
				}
				if _, err := f.st.SetPresence(ctx, agent, domain.PresenceAway); err != nil {
					fail("away: %v", err)
					return
				}
				time.Sleep(time.Duration(5+rand.IntN(30)) * time.Millisecond)
				if _, err := f.st.SetPresence(ctx, agent, domain.PresenceAvailable); err != nil {
					fail("available: %v", err)
					return
				}
				t0 := time.Now()
				d, err := f.d.DispatchForAgent(ctx, agent)
				lat.add("DispatchForAgent", time.Since(t0))
				if err != nil {
					fail("dispatch for agent: %v", err)
					return
				}
				flips.Add(1)
				report(d)
			}
		})
	}
	// The checker: every consistent snapshot must show every agent within
	// capacity and no conversation assigned twice.
	var checks atomic.Int32
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			default:
			}
			var rows []struct {
				ID       string `db:"id"`
				Capacity int    `db:"capacity"`
				Load     int    `db:"load"`
				Twice    int    `db:"twice"`
			}
			err := f.st.DB().SelectContext(ctx, &rows, `
				SELECT a.id, a.capacity,
					COALESCE(sum(c.capacity_cost) FILTER (WHERE c.holds_capacity), 0) AS load,
					(SELECT count(*) FROM (SELECT 1 FROM assignment_outbox GROUP BY conversation_id HAVING count(*) > 1) d) AS twice
				FROM agents a LEFT JOIN conversations c ON c.agent_id = a.id
				GROUP BY a.id, a.capacity`)
			if err != nil {
				if ctx.Err() == nil {
					fail("checker: %v", err)
				}
				return
			}
			for _, r := range rows {
				if r.Load > r.Capacity {
					fail("agent %s at load %d over capacity %d", r.ID, r.Load, r.Capacity)
				}
				if r.Twice > 0 {
					fail("%d conversation(s) assigned twice", r.Twice)
				}
			}
			checks.Add(1)
			// A breath between snapshots: on a small machine a tight loop
			// would starve the run it is watching.
			time.Sleep(time.Millisecond)
		}
	})
	// The relay's part: deliver what waits in the outbox.
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
			pending, err := f.d.PendingAssignments(ctx, 0, time.Hour, 100)
			if err == nil && len(pending) > 0 {
				ids := make([]int64, len(pending))
				for i, p := range pending {
					ids[i] = p.OutboxID
				}
				err = f.d.MarkAssignmentDelivered(ctx, ids...)
			}
			if err != nil && ctx.Err() == nil {
				fail("relay: %v", err)
				return
			}
		}
	})

	began := time.Now()
	close(start)
	select {
	case <-done:
	case <-ctx.Done():
	}
	elapsed := time.Since(began)
	wg.Wait() // in-flight calls finish; every goroutine stops at done
	if t.Failed() {
		return
	}
	if releasedCount.Load() != n {
		t.Fatalf("only %d of %d conversations were finished in time", releasedCount.Load(), n)
	}
	t.Logf("%d conversations assigned and finished in %v; %d presence flips; %d checker snapshots", n, elapsed.Round(time.Millisecond), flips.Load(), checks.Load())
	lat.report(t)
	if checks.Load() < 10 || flips.Load() < 3 {
		t.Errorf("too little happened concurrently to prove anything: %d checks, %d flips", checks.Load(), flips.Load())
	}
	auditOutbox(t, f, convs, returned, capacity)
	auditCapacity(t, f, capacity, n)
	auditOrder(t, f)
}

// auditOutbox: one outbox row per conversation, each reported by the call
// that made it, each to one of the agents, all delivered now.
func auditOutbox(t *testing.T, f *distFix, convs []string, returned map[int64]distribution.Assignment, capacity map[string]int) {
	t.Helper()
	var rows []struct {
		ID             int64  `db:"id"`
		ConversationID string `db:"conversation_id"`
		AgentID        string `db:"agent_id"`
		Delivered      bool   `db:"delivered"`
	}
	if err := f.st.DB().Select(&rows, `SELECT id, conversation_id, agent_id, delivered_at IS NOT NULL AS delivered
		FROM assignment_outbox ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(convs) || len(returned) != len(convs) {
		t.Fatalf("%d outbox rows and %d reported assignments for %d conversations", len(rows), len(returned), len(convs))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.ConversationID] {
			t.Fatalf("conversation %s assigned twice", r.ConversationID)
		}
		seen[r.ConversationID] = true
		if a := returned[r.ID]; a.ConversationID != r.ConversationID || a.AgentID != r.AgentID {
			t.Fatalf("outbox row %+v, the call reported %+v", r, a)
		}
		if _, ok := capacity[r.AgentID]; !ok || !r.Delivered {
			t.Fatalf("outbox row %+v", r)
		}
	}
	for _, c := range convs {
		if !seen[c] {
			t.Fatalf("conversation %s never assigned", c)
		}
	}
}

// auditCapacity replays every capacity change in the order it happened.
func auditCapacity(t *testing.T, f *distFix, capacity map[string]int, n int) {
	t.Helper()
	var events []struct {
		Seq            int64  `db:"seq"`
		ConversationID string `db:"conversation_id"`
		AgentID        string `db:"agent_id"`
		Holds          bool   `db:"holds"`
		Cost           int    `db:"cost"`
	}
	if err := f.st.DB().Select(&events, `SELECT seq, conversation_id, agent_id, holds, cost FROM capacity_audit ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	load := map[string]int{}
	holding := map[string]bool{}
	assigned := map[string]int{}
	peak := map[string]int{}
	for _, e := range events {
		if e.Holds {
			if holding[e.ConversationID] {
				t.Fatalf("event %d: conversation %s assigned while already held", e.Seq, e.ConversationID)
			}
			holding[e.ConversationID] = true
			assigned[e.ConversationID]++
			load[e.AgentID] += e.Cost
			peak[e.AgentID] = max(peak[e.AgentID], load[e.AgentID])
			if load[e.AgentID] > capacity[e.AgentID] {
				t.Fatalf("event %d: agent %s at load %d over capacity %d", e.Seq, e.AgentID, load[e.AgentID], capacity[e.AgentID])
			}
		} else {
			if !holding[e.ConversationID] {
				t.Fatalf("event %d: release of a conversation not held", e.Seq)
			}
			holding[e.ConversationID] = false
			load[e.AgentID] -= e.Cost
		}
	}
	if len(events) != 2*n || len(assigned) != n {
		t.Fatalf("%d capacity events for %d conversations (%d assigned)", len(events), n, len(assigned))
	}
	for a, l := range load {
		if l != 0 {
			t.Fatalf("agent %s ends at load %d", a, l)
		}
	}
	for a, c := range capacity {
		t.Logf("agent capacity %d: peak load %d", c, peak[a])
	}
}

type orderRow struct {
	ID         string    `db:"id"`
	Priority   int       `db:"priority"`
	QueuedAt   time.Time `db:"queued_at"`
	AssignedAt time.Time `db:"assigned_at"`
	OutboxID   int64     `db:"outbox_id"`
}

// auditOrder: whenever a conversation was assigned, no conversation ahead
// of it in line (higher priority, or same priority and queued earlier) was
// left waiting. All conversations here are alike (same queue, no skills,
// cost 1), so an agent with room for one had room for the other.
func auditOrder(t *testing.T, f *distFix) {
	t.Helper()
	var rows []orderRow
	if err := f.st.DB().Select(&rows, `SELECT c.id, c.priority, c.queued_at, c.assigned_at, o.id AS outbox_id
		FROM conversations c JOIN assignment_outbox o ON o.conversation_id = c.id`); err != nil {
		t.Fatal(err)
	}
	violations := 0
	for _, x := range rows {
		for _, y := range rows {
			ahead := y.Priority > x.Priority || (y.Priority == x.Priority &&
				(y.QueuedAt.Before(x.QueuedAt) || (y.QueuedAt.Equal(x.QueuedAt) && y.ID < x.ID)))
			wasWaiting := !y.QueuedAt.After(x.AssignedAt)
			if ahead && wasWaiting && y.OutboxID > x.OutboxID {
				violations++
				if violations <= 5 {
					t.Errorf("%s (priority %d, queued %s) was assigned before %s (priority %d, queued %s) which waited ahead of it",
						x.ID, x.Priority, x.QueuedAt.Format(time.RFC3339Nano), y.ID, y.Priority, y.QueuedAt.Format(time.RFC3339Nano))
				}
			}
		}
	}
	if violations > 0 {
		t.Fatalf("%d order violations", violations)
	}
	// And the plain statement of FIFO: within a priority level, assignment
	// order is queue order.
	for _, p := range []int{0, 1} {
		var level []string
		byOutbox := slices.Clone(rows)
		slices.SortFunc(byOutbox, func(a, b orderRow) int { return cmp.Compare(a.OutboxID, b.OutboxID) })
		var last time.Time
		for _, r := range byOutbox {
			if r.Priority != p {
				continue
			}
			if r.QueuedAt.Before(last) {
				t.Fatalf("priority %d: assigned out of queue order: %s", p, fmt.Sprint(level))
			}
			last = r.QueuedAt
			level = append(level, r.ID[:8])
		}
	}
}
