package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

func TestSLAPoliciesAPI(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	var q domain.Queue
	a.do(http.MethodPost, "/api/v1/queues", map[string]any{"name": "VIP"}, http.StatusCreated, &q)
	var p domain.SLAPolicy
	a.do(http.MethodPost, "/api/v1/sla-policies", map[string]any{
		"name": "Gold", "first_response": "15m", "resolution": "8h", "business_hours": true,
		"escalations": []map[string]any{{"on": "breach", "action": "move_queue", "queue_id": q.ID}},
	}, http.StatusCreated, &p)
	if p.ID == "" || p.FirstResponse.D() != 15*time.Minute || p.NextResponse != 0 || p.WarningPercent != 80 || !p.BusinessHours {
		t.Fatalf("created %+v", p)
	}
	a.fails(http.MethodPost, "/api/v1/sla-policies", map[string]any{"name": "Gold"}, http.StatusConflict, "name")
	a.fails(http.MethodPost, "/api/v1/sla-policies", map[string]any{"name": "x", "first_response": "soon"}, http.StatusBadRequest, "duration")
	a.fails(http.MethodPost, "/api/v1/sla-policies", map[string]any{"name": "x", "warning_percent": 120}, http.StatusBadRequest, "warning_percent")
	a.fails(http.MethodPost, "/api/v1/sla-policies", map[string]any{"name": "x",
		"escalations": []map[string]any{{"on": "breach", "action": "move_queue", "queue_id": "nope"}}}, http.StatusBadRequest, "escalations[0].queue_id")
	a.fails(http.MethodPost, "/api/v1/sla-policies", map[string]any{"name": "x",
		"escalations": []map[string]any{{"on": "breach", "action": "page_the_ceo"}}}, http.StatusBadRequest, "escalations[0].action")

	var got domain.SLAPolicy
	a.do(http.MethodPatch, "/api/v1/sla-policies/"+p.ID, map[string]any{"next_response": "30m"}, http.StatusOK, &got)
	if got.NextResponse.D() != 30*time.Minute || got.FirstResponse != p.FirstResponse || len(got.Escalations) != 1 {
		t.Fatalf("patched %+v", got)
	}
	var all list[domain.SLAPolicy]
	a.do(http.MethodGet, "/api/v1/sla-policies", nil, http.StatusOK, &all)
	if len(all.Data) != 1 {
		t.Fatalf("list %+v", all)
	}

	var ws domain.Workstream
	a.do(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Support", "language": "en", "sla_policy_id": p.ID}, http.StatusCreated, &ws)
	if ws.SLAPolicyID == nil || *ws.SLAPolicyID != p.ID {
		t.Fatalf("workstream %+v", ws.SLAPolicyID)
	}
	var r domain.RoutingRule
	a.do(http.MethodPost, "/api/v1/workstreams/"+ws.ID+"/routing-rules", map[string]any{"name": "vip", "queue_id": q.ID, "sla_policy_id": p.ID}, http.StatusCreated, &r)
	if r.SLAPolicyID == nil || *r.SLAPolicyID != p.ID {
		t.Fatalf("rule %+v", r.SLAPolicyID)
	}
	a.fails(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"sla_policy_id": "00000000-0000-0000-0000-000000000000"}, http.StatusBadRequest, "sla_policy_id")
	a.fails(http.MethodDelete, "/api/v1/sla-policies/"+p.ID, nil, http.StatusConflict, "workstream Support")
	a.do(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"sla_policy_id": nil}, http.StatusOK, nil)
	a.do(http.MethodPatch, "/api/v1/workstreams/"+ws.ID+"/routing-rules/"+r.ID, map[string]any{"sla_policy_id": nil}, http.StatusOK, nil)
	a.do(http.MethodDelete, "/api/v1/sla-policies/"+p.ID, nil, http.StatusNoContent, nil)
	a.fails(http.MethodGet, "/api/v1/sla-policies/"+p.ID, nil, http.StatusNotFound, "not found")
}
