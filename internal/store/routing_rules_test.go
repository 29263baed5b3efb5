package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

func TestRoutingRulesKeepAContiguousOrder(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	q := mustQueue(t, st, "Q")
	ws := mustWorkstream(t, st, "W", nil)
	order := func() []string {
		t.Helper()
		rules, err := st.ListRoutingRules(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for i, r := range rules {
			if r.Order != i+1 {
				t.Fatalf("rule %s has order %d at index %d", r.Name, r.Order, i)
			}
			names = append(names, r.Name)
		}
		return names
	}
	wantOrder := func(want ...string) {
		t.Helper()
		if got := order(); !slices.Equal(got, want) {
			t.Fatalf("order %v, want %v", got, want)
		}
	}

	a := mustRule(t, st, ws.ID, "a", q.ID, 0)
	b := mustRule(t, st, ws.ID, "b", q.ID, 0)
	c := mustRule(t, st, ws.ID, "c", q.ID, 99) // past the end: last
	wantOrder("a", "b", "c")
	first := mustRule(t, st, ws.ID, "first", q.ID, 1)
	if first.Order != 1 {
		t.Fatalf("inserted at %d", first.Order)
	}
	wantOrder("first", "a", "b", "c")

	// Move "first" to third, changing its name on the way.
	first.Name, first.Order = "moved", 3
	if _, err := st.UpdateRoutingRule(ctx, ws.ID, first.ID, first, testAudit); err != nil {
		t.Fatal(err)
	}
	wantOrder("a", "b", "moved", "c")

	if _, err := st.ReorderRoutingRules(ctx, ws.ID, []string{c.ID, b.ID, a.ID, first.ID}, testAudit); err != nil {
		t.Fatal(err)
	}
	wantOrder("c", "b", "a", "moved")
	_, err := st.ReorderRoutingRules(ctx, ws.ID, []string{c.ID, b.ID, a.ID}, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "missing")
	_, err = st.ReorderRoutingRules(ctx, ws.ID, []string{c.ID, c.ID, a.ID, first.ID}, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "twice")
	_, err = st.ReorderRoutingRules(ctx, ws.ID, []string{c.ID, b.ID, a.ID, first.ID, uuid.NewString()}, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "not a rule of this workstream")

	if err := st.DeleteRoutingRule(ctx, ws.ID, b.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	wantOrder("c", "a", "moved")

	_, err = st.CreateRoutingRule(ctx, ws.ID, domain.RoutingRule{Name: "x", QueueID: uuid.NewString()}, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "queue_id")
	_, err = st.CreateRoutingRule(ctx, uuid.NewString(), domain.RoutingRule{Name: "x", QueueID: q.ID}, testAudit)
	storetest.WantCode(t, err, domain.CodeNotFound, "workstream")
	other := mustWorkstream(t, st, "Other", nil)
	_, err = st.GetRoutingRule(ctx, other.ID, a.ID)
	storetest.WantCode(t, err, domain.CodeNotFound)

	// Each rule change is a change of the workstream's behaviour.
	w, _ := st.GetWorkstream(ctx, ws.ID)
	if w.Version != 1+4+1+1+1 {
		t.Fatalf("workstream version %d after 7 rule changes", w.Version)
	}
}
