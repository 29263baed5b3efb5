package distribution_test

import (
	"testing"

	"github.com/switchboard/switchboard/internal/distribution"
)

// BenchmarkEnqueueAssigns measures an Enqueue that assigns at once (the
// common case with free agents): lock, release check, update, dispatch
// with 20 candidate agents, outbox row.
func BenchmarkEnqueueAssigns(b *testing.B) {
	f := newDistFix(b)
	q := f.queue("q", 0)
	for range 20 {
		f.agent(agentSpec{capacity: 50, queues: []string{q}})
	}
	convs := make([]string, b.N)
	for i := range convs {
		convs[i] = f.conversation()
	}
	b.ResetTimer()
	for i := range b.N {
		d, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: convs[i], QueueID: q})
		if err != nil || len(d.Assigned) != 1 {
			b.Fatalf("%+v %v", d, err)
		}
		if i%800 == 799 { // keep agents under capacity
			b.StopTimer()
			if _, err := f.st.DB().Exec(`UPDATE conversations SET holds_capacity = false`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
}

// BenchmarkDispatchBacklogNoRoom is the steady state of a busy contact
// center: 2,000 conversations waiting, 50 agents all full. A global
// Dispatch must find there is nothing to do without reading the backlog.
func BenchmarkDispatchBacklogNoRoom(b *testing.B) {
	f := newDistFix(b)
	q := f.queue("q", 0)
	f.backlog(q, 2000)
	for range 50 {
		f.agent(agentSpec{capacity: 0, queues: []string{q}})
	}
	b.ResetTimer()
	for range b.N {
		if d, err := f.d.Dispatch(f.ctx); err != nil || len(d.Assigned) != 0 {
			b.Fatalf("%+v %v", d, err)
		}
	}
}

// BenchmarkReleaseAssignsFromBacklog: an agent finishes a conversation and
// immediately gets the head of a 2,000-deep line.
func BenchmarkReleaseAssignsFromBacklog(b *testing.B) {
	f := newDistFix(b)
	q := f.queue("q", 0)
	for range 49 {
		f.agent(agentSpec{capacity: 0, queues: []string{q}})
	}
	ada := f.agent(agentSpec{capacity: 1, queues: []string{q}})
	f.backlog(q, 2000+b.N)
	d := f.dispatchForAgent(ada)
	if len(d.Assigned) != 1 {
		b.Fatal("setup")
	}
	held := d.Assigned[0].ConversationID
	b.ResetTimer()
	for range b.N {
		d, err := f.d.Release(f.ctx, held)
		if err != nil || len(d.Assigned) != 1 {
			b.Fatalf("%+v %v", d, err)
		}
		held = d.Assigned[0].ConversationID
	}
}

// BenchmarkDispatchSkillMismatchBacklog is the worst case: one agent has
// room but lacks the skill every one of 2,000 waiting conversations needs,
// so a dispatch reads the whole line and assigns nothing.
func BenchmarkDispatchSkillMismatchBacklog(b *testing.B) {
	f := newDistFix(b)
	q := f.queue("q", 0)
	f.agent(agentSpec{capacity: 0, queues: []string{q}})
	f.backlogSkills(q, 2000, `[{"name": "german", "min_proficiency": 5}]`)
	f.agent(agentSpec{capacity: 5, queues: []string{q}})
	b.ResetTimer()
	for range b.N {
		if d, err := f.d.Dispatch(f.ctx, q); err != nil || len(d.Assigned) != 0 {
			b.Fatalf("%+v %v", d, err)
		}
	}
}

// BenchmarkRoundTrip is the yardstick for the others: one parameterized
// statement, the unit a dispatch costs a handful of.
func BenchmarkRoundTrip(b *testing.B) {
	f := newDistFix(b)
	var one int
	for b.Loop() {
		if err := f.st.DB().GetContext(f.ctx, &one, `SELECT $1::int`, 1); err != nil {
			b.Fatal(err)
		}
	}
}
