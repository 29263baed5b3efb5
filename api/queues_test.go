package api_test

import (
	"net/http"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
)

func TestQueuesAPI(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	var q domain.Queue
	a.do(http.MethodPost, "/api/v1/queues", map[string]any{"name": " Billing ", "priority": 3}, http.StatusCreated, &q)
	if q.Name != "Billing" || q.Priority != 3 || q.ID == "" {
		t.Fatalf("created %+v", q)
	}
	a.fails(http.MethodPost, "/api/v1/queues", map[string]any{"name": "Billing"}, http.StatusConflict, "name")
	a.fails(http.MethodPost, "/api/v1/queues", map[string]any{"name": " "}, http.StatusBadRequest, "name is required")
	a.fails(http.MethodPost, "/api/v1/queues", map[string]any{"name": "x", "priority": "high"}, http.StatusBadRequest, "priority")
	a.fails(http.MethodPost, "/api/v1/queues", map[string]any{"name": "x", "prio": 1}, http.StatusBadRequest, "unknown field")
	a.fails(http.MethodPost, "/api/v1/queues", map[string]any{"name": "x", "priority": 1 << 40}, http.StatusBadRequest, "priority")

	var got domain.Queue
	a.do(http.MethodPatch, "/api/v1/queues/"+q.ID, map[string]any{"priority": 7}, http.StatusOK, &got)
	if got.Name != "Billing" || got.Priority != 7 {
		t.Fatalf("patched %+v", got)
	}
	a.do(http.MethodGet, "/api/v1/queues/"+q.ID, nil, http.StatusOK, &got)
	var all list[domain.Queue]
	a.do(http.MethodGet, "/api/v1/queues", nil, http.StatusOK, &all)
	if len(all.Data) != 1 || got.Priority != 7 {
		t.Fatalf("list %+v, get %+v", all, got)
	}

	var ws domain.Workstream
	a.do(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Support", "language": "en", "default_queue_id": q.ID}, http.StatusCreated, &ws)
	a.fails(http.MethodDelete, "/api/v1/queues/"+q.ID, nil, http.StatusConflict, `default queue of workstream(s) "Support"`)
	a.do(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"default_queue_id": nil}, http.StatusOK, nil)
	a.do(http.MethodDelete, "/api/v1/queues/"+q.ID, nil, http.StatusNoContent, nil)
	a.fails(http.MethodGet, "/api/v1/queues/"+q.ID, nil, http.StatusNotFound, "not found")
	a.fails(http.MethodGet, "/api/v1/queues/not-a-uuid", nil, http.StatusNotFound, "not found")
}
