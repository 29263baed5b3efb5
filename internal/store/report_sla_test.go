package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestReportCountsServiceLevels: the conversations report counts each
// service-level target that ended, by target: met or breached, each
// next-response cycle once, a retried save once, a pending or warned
// target not at all, a breached target later answered as breached.
func TestReportCountsServiceLevels(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	c := newConversation(t, st)
	now := time.Now().UTC().Truncate(time.Millisecond)
	target := func(status string, started time.Time, met bool) *domain.SLATarget {
		t := &domain.SLATarget{Status: status, StartedAt: started, WarnAt: started.Add(8 * time.Minute), DueAt: started.Add(10 * time.Minute)}
		if met {
			at := started.Add(5 * time.Minute)
			t.MetAt = &at
		}
		return t
	}
	cycle1, cycle2 := now.Add(-50*time.Minute), now.Add(-20*time.Minute)
	saves := []*domain.ConversationSLA{
		{PolicyID: "p", FirstResponse: target(domain.SLAWarned, now.Add(-time.Hour), false), Resolution: target(domain.SLAPending, now.Add(-time.Hour), false)},
		{PolicyID: "p", FirstResponse: target(domain.SLAMet, now.Add(-time.Hour), true), Resolution: target(domain.SLAPending, now.Add(-time.Hour), false),
			NextResponse: target(domain.SLAMet, cycle1, true)},
		// A retry of the same save.
		{PolicyID: "p", FirstResponse: target(domain.SLAMet, now.Add(-time.Hour), true), Resolution: target(domain.SLAPending, now.Add(-time.Hour), false),
			NextResponse: target(domain.SLAMet, cycle1, true)},
		// The next cycle is missed, then answered: still breached.
		{PolicyID: "p", FirstResponse: target(domain.SLAMet, now.Add(-time.Hour), true), Resolution: target(domain.SLABreached, now.Add(-time.Hour), false),
			NextResponse: target(domain.SLABreached, cycle2, false)},
		{PolicyID: "p", FirstResponse: target(domain.SLAMet, now.Add(-time.Hour), true), Resolution: target(domain.SLABreached, now.Add(-time.Hour), false),
			NextResponse: target(domain.SLABreached, cycle2, true)},
	}
	for _, s := range saves {
		r := c
		r.State, r.SLA = domain.StateAssigned, s
		if err := st.SaveConversation(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.ConversationReport(ctx, store.ReportQuery{From: now.Add(-2 * time.Hour), To: now.Add(time.Hour), GroupBy: store.GroupByNumber})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("groups: %s", dump(got))
	}
	met, breached := got[0].SLAMet(), got[0].SLABreached()
	wantMet := map[string]int{domain.SLAFirstResponse: 1, domain.SLANextResponse: 1, domain.SLAResolution: 0}
	wantBreached := map[string]int{domain.SLAFirstResponse: 0, domain.SLANextResponse: 1, domain.SLAResolution: 1}
	for _, name := range domain.SLATargets {
		if met[name] != wantMet[name] || breached[name] != wantBreached[name] {
			t.Errorf("%s: met %d breached %d, want %d and %d", name, met[name], breached[name], wantMet[name], wantBreached[name])
		}
	}
}
