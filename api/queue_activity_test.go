package api_test

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
)

// TestQueueActivityAPI: the route's parameters (422 for a bad step or too
// many steps), its scope (a supervisor reads its queues, the admin key
// every queue, a plain agent nothing) and its CSV. The figures themselves
// are TestQueueActivityFromScriptedFacts's (internal/store).
func TestQueueActivityAPI(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	var qa, qb domain.Queue
	a.do(http.MethodPost, "/api/v1/queues", map[string]any{"name": "alpha"}, http.StatusCreated, &qa)
	a.do(http.MethodPost, "/api/v1/queues", map[string]any{"name": "beta"}, http.StatusCreated, &qb)
	var sup, plain struct {
		Token string `json:"token"`
	}
	a.do(http.MethodPost, "/api/v1/agents", map[string]any{"name": "Sue", "email": "sue@example.com", "capacity": 1,
		"role": "supervisor", "queue_ids": []string{qa.ID}}, http.StatusCreated, &sup)
	a.do(http.MethodPost, "/api/v1/agents", map[string]any{"name": "Pat", "email": "pat@example.com", "capacity": 1,
		"queue_ids": []string{qa.ID}}, http.StatusCreated, &plain)

	const path = "/api/v1/reports/queue-activity?from=2026-03-10T08:00:00Z&to=2026-03-10T10:00:00Z"
	type report struct {
		Step string `json:"step"`
		Data []struct {
			QueueID string `json:"queue_id"`
			Points  []struct {
				At           string   `json:"at"`
				Waiting      *int     `json:"waiting"`
				ServiceLevel *float64 `json:"service_level"`
			} `json:"points"`
		} `json:"data"`
	}
	var all report
	a.do(http.MethodGet, path+"&step=15m", nil, http.StatusOK, &all)
	if all.Step != "15m0s" || len(all.Data) != 2 || all.Data[0].QueueID != qa.ID || len(all.Data[0].Points) != 8 ||
		all.Data[0].Points[1].At != "2026-03-10T08:15:00Z" || all.Data[0].Points[0].Waiting == nil || *all.Data[0].Points[0].Waiting != 0 ||
		all.Data[0].Points[0].ServiceLevel != nil {
		t.Fatalf("admin: %+v", all)
	}
	var mine report
	a.doKey(sup.Token, http.MethodGet, path, nil, http.StatusOK, &mine)
	if mine.Step != "1h0m0s" || len(mine.Data) != 1 || mine.Data[0].QueueID != qa.ID || len(mine.Data[0].Points) != 2 {
		t.Fatalf("supervisor: %+v", mine)
	}
	a.doKey(plain.Token, http.MethodGet, path, nil, http.StatusForbidden, nil)

	raw := a.doKeyAccept(chanAdminKey, path+"&step=30m", "text/csv")
	lines, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
	if err != nil || len(lines) != 1+2*4 ||
		strings.Join(lines[0], ",") != "queue_id,queue_name,at,waiting,entered,answered,answered_within_threshold,abandoned,service_level" ||
		strings.Join(lines[1], ",") != qa.ID+",alpha,2026-03-10T08:00:00Z,0,0,0,0,0," {
		t.Fatalf("csv: %v %q", err, lines)
	}

	for query, want := range map[string][]string{
		"&step=soon":   {"step must be a Go duration"},
		"&step=30s":    {"from 1m0s to 24h0m0s", "got 30s"},
		"&step=-1h":    {"got -1h0m0s"},
		"&step=90m1ms": {"whole number of seconds"},
		"&step=48h":    {"got 48h0m0s"},
	} {
		a.fails(http.MethodGet, path+query, nil, http.StatusUnprocessableEntity, want...)
	}
	a.fails(http.MethodGet, "/api/v1/reports/queue-activity?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&step=1m",
		nil, http.StatusUnprocessableEntity, "84960 steps, more than 1000")
	a.fails(http.MethodGet, "/api/v1/reports/queue-activity?to=2026-03-10T10:00:00Z", nil, http.StatusBadRequest, "from is required")
}

// doKeyAccept GETs path with key and an Accept header, expecting 200.
func (a *chanAPI) doKeyAccept(key, path, accept string) string {
	a.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, a.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), accept) {
		a.t.Fatalf("GET %s (%s): %d %s: %s", path, accept, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	return string(raw)
}
