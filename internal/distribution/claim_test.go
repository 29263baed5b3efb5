package distribution_test

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/internal/distribution"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// Twenty agents accept the same conversation at once: exactly one wins,
// the others get CONFLICT, and only the winner's capacity is used.
func TestClaimFirstWinsUnderConcurrency(t *testing.T) {
	f := newDistFix(t)
	q := f.queue("q", 0)
	agents := make([]string, 20)
	for i := range agents {
		agents[i] = f.agent(agentSpec{capacity: 1, queues: []string{q}})
	}
	conv, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q, Distribution: domain.DistributionPick})

	errs := make([]error, len(agents))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, a := range agents {
		wg.Go(func() {
			<-start
			errs[i] = f.d.Claim(f.ctx, conv, a)
		})
	}
	close(start)
	wg.Wait()
	winner := ""
	for i, err := range errs {
		switch {
		case err == nil:
			if winner != "" {
				t.Fatalf("two winners: %s and %s", winner, agents[i])
			}
			winner = agents[i]
		case domain.ErrorCode(err) != domain.CodeConflict:
			t.Fatalf("agent %d: %v", i, err)
		}
	}
	if winner == "" || f.agentOf(conv) != winner {
		t.Fatalf("winner %q, conversation with %q", winner, f.agentOf(conv))
	}
	total := 0
	for _, a := range agents {
		total += f.load(a)
	}
	if total != 1 {
		t.Fatalf("total load %d", total)
	}
	// The winner retrying (a retried activity) still succeeds.
	if err := f.d.Claim(f.ctx, conv, winner); err != nil {
		t.Fatalf("winner retry: %v", err)
	}
	var rows int
	if err := f.st.DB().Get(&rows, `SELECT count(*) FROM assignment_outbox WHERE conversation_id = $1 AND delivered_at IS NOT NULL`, conv); err != nil || rows != 1 {
		t.Fatalf("claim is recorded once, born delivered: %d %v", rows, err)
	}
}

// Every refusal of a claim says why.
func TestClaimRefusalReasons(t *testing.T) {
	f := newDistFix(t)
	q, elsewhere := f.queue("q", 0), f.queue("elsewhere", 0)
	pick := func(skills ...domain.SkillRequired) string {
		c, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q, Distribution: domain.DistributionPick, Skills: skills, CapacityCost: 2})
		return c
	}
	conv := pick(domain.SkillRequired{Name: "billing", MinProficiency: 5})

	outsider := f.agent(agentSpec{capacity: 5, queues: []string{elsewhere}, skills: map[string]int{"billing": 9}})
	storetest.WantCode(t, f.d.Claim(f.ctx, conv, outsider), domain.CodeConflict, "not a member of queue", q)

	novice := f.agent(agentSpec{capacity: 5, queues: []string{q}, skills: map[string]int{"billing": 3}})
	storetest.WantCode(t, f.d.Claim(f.ctx, conv, novice), domain.CodeConflict, `lacks skill "billing"`, "5", "has 3")

	small := f.agent(agentSpec{capacity: 1, queues: []string{q}, skills: map[string]int{"billing": 9}})
	storetest.WantCode(t, f.d.Claim(f.ctx, conv, small), domain.CodeConflict, "over capacity", "load 0 + cost 2 > capacity 1")

	away := f.agent(agentSpec{capacity: 5, presence: domain.PresenceAway, queues: []string{q}, skills: map[string]int{"billing": 9}})
	storetest.WantCode(t, f.d.Claim(f.ctx, conv, away), domain.CodeConflict, "not available", "away")

	ok := f.agent(agentSpec{capacity: 5, queues: []string{q}, skills: map[string]int{"billing": 9}})
	if err := f.d.Claim(f.ctx, conv, ok); err != nil {
		t.Fatal(err)
	}
	storetest.WantCode(t, f.d.Claim(f.ctx, conv, novice), domain.CodeConflict, "already taken")

	closed := pick()
	f.record(closed, domain.StateClosed)
	storetest.WantCode(t, f.d.Claim(f.ctx, closed, ok), domain.CodeConflict, "not waiting", "closed")

	storetest.WantCode(t, f.d.Claim(f.ctx, pick(), "00000000-0000-0000-0000-000000000000"), domain.CodeNotFound)
	storetest.WantCode(t, f.d.Claim(f.ctx, "nope", ok), domain.CodeNotFound)
}

// A transfer to a named agent ignores queues and skills but not presence
// or room; a refusal changes nothing; success frees the previous agent,
// whose queue is dispatched at once.
func TestAssignToNamedAgent(t *testing.T) {
	f := newDistFix(t)
	q, other := f.queue("q", 0), f.queue("other", 0)
	ada := f.agent(agentSpec{capacity: 1, queues: []string{q}})
	conv, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q, Skills: nil, CapacityCost: 1})
	waiter, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	if f.agentOf(conv) != ada || f.agentOf(waiter) != "" {
		t.Fatal("setup")
	}

	busy := f.agent(agentSpec{capacity: 3, presence: domain.PresenceBusy, queues: []string{other}})
	_, err := f.d.AssignTo(f.ctx, conv, busy)
	storetest.WantCode(t, err, domain.CodeConflict, "not available", "busy")

	full := f.agent(agentSpec{capacity: 1, queues: []string{other}})
	f.enqueue(distribution.EnqueueRequest{QueueID: other}) // fills full
	_, err = f.d.AssignTo(f.ctx, conv, full)
	storetest.WantCode(t, err, domain.CodeConflict, "over capacity", "load 1 + cost 1 > capacity 1")
	if f.agentOf(conv) != ada || f.load(ada) != 1 {
		t.Fatal("a refused transfer must change nothing")
	}

	// bob is in no queue and has no skills: a named transfer still works.
	bob := f.agent(agentSpec{capacity: 2})
	d, err := f.d.AssignTo(f.ctx, conv, bob)
	if err != nil {
		t.Fatal(err)
	}
	if f.agentOf(conv) != bob || f.load(bob) != 1 {
		t.Fatal("not transferred")
	}
	if len(d.Assigned) != 1 || d.Assigned[0].ConversationID != waiter || d.Assigned[0].AgentID != ada {
		t.Fatalf("ada's freed room should go to the waiter: %+v", d)
	}
	// Retried: no change, no error.
	if d, err := f.d.AssignTo(f.ctx, conv, bob); err != nil || len(d.Assigned) != 0 || f.load(bob) != 1 {
		t.Fatalf("retry: %+v %v", d, err)
	}
	f.record(conv, domain.StateClosed)
	_, err = f.d.AssignTo(f.ctx, conv, ada)
	storetest.WantCode(t, err, domain.CodeConflict, "closed")
	_, err = f.d.AssignTo(f.ctx, waiter, "00000000-0000-0000-0000-000000000000")
	storetest.WantCode(t, err, domain.CodeNotFound)
}

// The dispatcher pins READ COMMITTED: with a server default of REPEATABLE
// READ a decision would read a snapshot from before the lock wait and miss
// the decision it waited for (double claims, agents over capacity).
func TestDispatchIgnoresServerIsolationDefault(t *testing.T) {
	// The default is set for this test's connections only (a run-time
	// parameter in the DSN): the test database is shared with other tests.
	dsn := storetest.NewDSN(t)
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("default_transaction_isolation", "repeatable read")
		u.RawQuery = q.Encode()
		dsn = u.String()
	} else {
		dsn += " default_transaction_isolation='repeatable read'"
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	f := newDistFixOn(t, st)
	var level string
	if err := f.st.DB().Get(&level, `SHOW transaction_isolation`); err != nil || level != "repeatable read" {
		t.Fatalf("isolation %q %v", level, err)
	}

	q := f.queue("q", 0)
	ada := f.agent(agentSpec{capacity: 3, queues: []string{q}})
	claimers := make([]string, 10)
	for i := range claimers {
		claimers[i] = f.agent(agentSpec{capacity: 1, queues: []string{q}})
	}
	pick, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q, Distribution: domain.DistributionPick})
	convs := make([]string, 10)
	for i := range convs {
		convs[i] = f.conversation()
	}
	// Phase one: ten pushes at once, only ada (capacity 3) available.
	for _, c := range claimers {
		if _, err := f.st.DB().Exec(`UPDATE agents SET presence = 'away' WHERE id = $1`, c); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, c := range convs {
		wg.Go(func() {
			<-start
			if _, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: c, QueueID: q}); err != nil {
				t.Errorf("enqueue: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if l := f.load(ada); l != 3 {
		t.Fatalf("ada at load %d, capacity 3", l)
	}
	// Phase two: ten claims of one pick conversation at once.
	if _, err := f.st.DB().Exec(`UPDATE agents SET presence = 'available' WHERE id <> $1`, ada); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	wins := 0
	start = make(chan struct{})
	for _, c := range claimers {
		wg.Go(func() {
			<-start
			err := f.d.Claim(f.ctx, pick, c)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case domain.ErrorCode(err) != domain.CodeConflict:
				t.Errorf("claim: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d claims won", wins)
	}
}
