package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestReadinessNamesTheFailedDependency(t *testing.T) {
	ok := func(context.Context) (string, error) { return "", nil }
	fail := func(context.Context) (string, error) { return "", errors.New("down") }
	for _, tc := range []struct {
		name       string
		checks     []Check
		wantStatus int
		wantBody   string
		wantFailed []string
	}{
		{"all ok", []Check{{"postgres", true, ok}, {"task_queue", false, ok}}, 200, "ready", nil},
		{"optional fails", []Check{{"postgres", true, ok}, {"task_queue", false, fail}}, 200, "degraded", []string{"task_queue"}},
		{"required fails", []Check{{"postgres", true, fail}, {"migrations", true, ok}, {"task_queue", false, fail}}, 503, "unavailable", []string{"postgres", "task_queue"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewChecker(tc.checks...)
			rec := httptest.NewRecorder()
			c.ReadyHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			var rep Report
			if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.wantStatus || rep.Status != tc.wantBody || len(rep.Failed) != len(tc.wantFailed) {
				t.Fatalf("%d %+v", rec.Code, rep)
			}
			for i, f := range tc.wantFailed {
				if rep.Failed[i] != f || rep.Checks[f].Error != "down" {
					t.Fatalf("failed: %+v", rep)
				}
			}
		})
	}
	c := NewChecker(Check{"postgres", true, ok})
	c.Drain()
	if rep, status := c.Run(context.Background()); status != 503 || rep.Status != "shutting_down" {
		t.Fatalf("draining: %d %+v", status, rep)
	}
}
