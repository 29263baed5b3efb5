package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// TestWorkstreamSupervisionValidation: a workstream's supervision
// thresholds are stored and returned, null means the global defaults, and
// a value no supervisor could use is 422 with a message naming it.
func TestWorkstreamSupervisionValidation(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	var ws domain.Workstream
	a.do(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Plain", "language": "en"}, http.StatusCreated, &ws)
	if ws.Supervision != nil {
		t.Fatalf("default supervision: %+v", ws.Supervision)
	}
	body := map[string]any{"name": "Strict", "language": "en", "supervision": map[string]any{"wait_threshold": "2m", "no_reply_after": "90s"}}
	a.do(http.MethodPost, "/api/v1/workstreams", body, http.StatusCreated, &ws)
	var got domain.Workstream
	a.do(http.MethodGet, "/api/v1/workstreams/"+ws.ID, nil, http.StatusOK, &got)
	if sv := got.Supervision; sv == nil || sv.WaitThreshold.D() != 2*time.Minute || sv.NoReplyAfter.D() != 90*time.Second {
		t.Fatalf("read back: %+v", got.Supervision)
	}
	raw := a.do(http.MethodGet, "/api/v1/workstreams/"+ws.ID, nil, http.StatusOK, nil)
	if want := `"supervision":{"wait_threshold":"2m0s","no_reply_after":"1m30s"}`; !strings.Contains(raw, want) {
		t.Fatalf("JSON %s lacks %s", raw, want)
	}
	// PATCH changes one threshold; null goes back to the defaults.
	a.do(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"supervision": map[string]any{"wait_threshold": "1h", "no_reply_after": "90s"}}, http.StatusOK, &got)
	if got.Supervision == nil || got.Supervision.WaitThreshold.D() != time.Hour {
		t.Fatalf("patched: %+v", got.Supervision)
	}
	a.do(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"supervision": nil}, http.StatusOK, &got)
	if got.Supervision != nil {
		t.Fatalf("null: %+v", got.Supervision)
	}

	for _, tc := range []struct {
		name   string
		sv     any
		status int
		want   []string
	}{
		{"zero", map[string]any{"wait_threshold": "0s", "no_reply_after": "5m"}, http.StatusUnprocessableEntity, []string{"supervision.wait_threshold", "positive"}},
		{"negative", map[string]any{"wait_threshold": "5m", "no_reply_after": "-1m"}, http.StatusUnprocessableEntity, []string{"supervision.no_reply_after", "positive"}},
		{"missing", map[string]any{"wait_threshold": "5m"}, http.StatusUnprocessableEntity, []string{"supervision.no_reply_after", "required"}},
		{"too short", map[string]any{"wait_threshold": "1s", "no_reply_after": "5m"}, http.StatusUnprocessableEntity, []string{"supervision.wait_threshold", "from 10s to 24h0m0s", "got 1s"}},
		{"too long", map[string]any{"wait_threshold": "5m", "no_reply_after": "25h"}, http.StatusUnprocessableEntity, []string{"supervision.no_reply_after", "got 25h0m0s"}},
		{"not a duration", map[string]any{"wait_threshold": "soon", "no_reply_after": "5m"}, http.StatusBadRequest, []string{"duration"}},
		{"unknown field", map[string]any{"wait": "5m"}, http.StatusBadRequest, []string{"unknown field"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.t = t
			a.fails(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Bad " + tc.name, "language": "en", "supervision": tc.sv}, tc.status, tc.want...)
			a.fails(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"supervision": tc.sv}, tc.status, tc.want...)
		})
	}
	a.t = t
	a.do(http.MethodGet, "/api/v1/workstreams/"+ws.ID, nil, http.StatusOK, &got)
	if got.Supervision != nil {
		t.Fatalf("a refused change was stored: %+v", got.Supervision)
	}
}
