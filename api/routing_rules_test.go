package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
)

func TestRoutingRulesAPI(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	var q domain.Queue
	a.do(http.MethodPost, "/api/v1/queues", map[string]any{"name": "VIP"}, http.StatusCreated, &q)
	var ws domain.Workstream
	a.do(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Support", "language": "fr-FR"}, http.StatusCreated, &ws)
	base := "/api/v1/workstreams/" + ws.ID + "/routing-rules"
	rule := func(name string, extra map[string]any) map[string]any {
		m := map[string]any{"name": name, "queue_id": q.ID}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	names := func() []string {
		t.Helper()
		var l list[domain.RoutingRule]
		a.do(http.MethodGet, base, nil, http.StatusOK, &l)
		var out []string
		for i, r := range l.Data {
			if r.Order != i+1 {
				t.Fatalf("rule %s: order %d at %d", r.Name, r.Order, i)
			}
			out = append(out, r.Name)
		}
		return out
	}

	var fr, other, first domain.RoutingRule
	a.do(http.MethodPost, base, rule("France", map[string]any{
		"conditions": []map[string]string{{"field": "customer.country_code", "op": "eq", "value": "+33"}, {"field": "message.body", "op": "matches", "value": "(?i)commande"}},
		"skills":     []map[string]any{{"name": "french", "min_proficiency": 5}}, "priority": 10,
	}), http.StatusCreated, &fr)
	if fr.Order != 1 || fr.Conditions[0].Value != "33" || fr.Skills[0].MinProficiency != 5 || fr.Priority != 10 || fr.WorkstreamID != ws.ID {
		t.Fatalf("created %+v", fr)
	}
	a.do(http.MethodPost, base, rule("Other", nil), http.StatusCreated, &other)
	a.do(http.MethodPost, base, rule("First", map[string]any{"order": 1}), http.StatusCreated, &first)
	if got := names(); !slices.Equal(got, []string{"First", "France", "Other"}) {
		t.Fatalf("order after insert at 1: %v", got)
	}

	// PATCH changes what it names; with "order" it moves the rule.
	var got domain.RoutingRule
	a.do(http.MethodPatch, base+"/"+first.ID, map[string]any{"order": 3, "priority": 2}, http.StatusOK, &got)
	if got.Order != 3 || got.Priority != 2 || got.Name != "First" {
		t.Fatalf("patched %+v", got)
	}
	a.do(http.MethodPatch, base+"/"+fr.ID, map[string]any{"name": "France (VIP)"}, http.StatusOK, &got)
	if got.Order != 1 || len(got.Conditions) != 2 || len(got.Skills) != 1 {
		t.Fatalf("a rename keeps the rest: %+v", got)
	}
	if got := names(); !slices.Equal(got, []string{"France (VIP)", "Other", "First"}) {
		t.Fatalf("order after move: %v", got)
	}
	var reordered list[domain.RoutingRule]
	a.do(http.MethodPut, base+"/order", map[string]any{"rule_ids": []string{other.ID, first.ID, fr.ID}}, http.StatusOK, &reordered)
	if len(reordered.Data) != 3 || reordered.Data[0].ID != other.ID {
		t.Fatalf("reordered %+v", reordered)
	}
	a.fails(http.MethodPut, base+"/order", map[string]any{"rule_ids": []string{other.ID, first.ID}}, http.StatusBadRequest, "missing")
	a.fails(http.MethodPut, base+"/order", map[string]any{"rule_ids": []string{"x"}}, http.StatusBadRequest, "rule_ids[0]")
	a.fails(http.MethodPut, base+"/order", map[string]any{}, http.StatusBadRequest, "rule_ids is required")

	a.do(http.MethodGet, base+"/"+first.ID, nil, http.StatusOK, &got)
	if got.Order != 2 {
		t.Fatalf("get one: %+v", got)
	}
	a.do(http.MethodDelete, base+"/"+other.ID, nil, http.StatusNoContent, nil)
	if got := names(); !slices.Equal(got, []string{"First", "France (VIP)"}) {
		t.Fatalf("order after delete: %v", got)
	}
	a.fails(http.MethodGet, base+"/"+other.ID, nil, http.StatusNotFound, "not found")

	for _, tc := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"field", rule("x", map[string]any{"conditions": []map[string]string{{"field": "customer.city", "op": "eq", "value": "Paris"}}}), "conditions[0]: unknown field"},
		{"op", rule("x", map[string]any{"conditions": []map[string]string{{"field": "message.body", "op": "like", "value": "a"}}}), "unknown op"},
		{"value", rule("x", map[string]any{"conditions": []map[string]string{{"field": "message.body", "op": "contains", "value": ""}}}), "value is required"},
		{"regex", rule("x", map[string]any{"conditions": []map[string]string{{"field": "message.body", "op": "matches", "value": "a(b"}}}), "regular expression"},
		{"country code", rule("x", map[string]any{"conditions": []map[string]string{{"field": "customer.country_code", "op": "eq", "value": "FR"}}}), "country_code"},
		{"skill proficiency", rule("x", map[string]any{"skills": []map[string]any{{"name": "fr", "min_proficiency": 11}}}), "min_proficiency"},
		{"skill name", rule("x", map[string]any{"skills": []map[string]any{{"name": "", "min_proficiency": 1}}}), "skills[0].name"},
		{"duplicate skill", rule("x", map[string]any{"skills": []map[string]any{{"name": "fr", "min_proficiency": 1}, {"name": "fr", "min_proficiency": 2}}}), "twice"},
		{"queue missing", map[string]any{"name": "x", "queue_id": uuid.NewString()}, "queue_id: no such queue"},
		{"queue required", map[string]any{"name": "x"}, "queue_id is required"},
		{"order", rule("x", map[string]any{"order": 0}), "order starts at 1"},
		{"name", rule("", nil), "name is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.t = t
			a.fails(http.MethodPost, base, tc.body, http.StatusBadRequest, tc.want)
		})
	}
	a.t = t
	a.fails(http.MethodPost, "/api/v1/workstreams/"+uuid.NewString()+"/routing-rules", rule("x", nil), http.StatusNotFound, "workstream")
	a.fails(http.MethodPatch, base+"/"+first.ID, map[string]any{"skills": []map[string]any{{"name": "fr", "min_proficiency": 0}}}, http.StatusBadRequest, "min_proficiency")
	if got := names(); len(got) != 2 {
		t.Fatalf("refused rules were stored: %v", got)
	}
}
