// Package health runs readiness checks (PostgreSQL, migrations, Temporal,
// task-queue pollers) and reports them as JSON naming what failed; both
// the API (Fiber) and the worker's HTTP server (net/http) serve it.
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Check is one dependency. A check that is not Required is reported but
// does not make the process unready.
type Check struct {
	Name     string
	Required bool
	Run      func(ctx context.Context) (detail string, err error)
}

// Result is the outcome of one check.
type Result struct {
	Status     string `json:"status"` // ok or fail
	Required   bool   `json:"required"`
	Detail     string `json:"detail,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// Report is the body of /readyz.
type Report struct {
	// Status: ready; degraded (an optional check failed); unavailable (a
	// required check failed); shutting_down.
	Status string            `json:"status"`
	Checks map[string]Result `json:"checks,omitempty"`
	Failed []string          `json:"failed,omitempty"` // names of the failed checks, required or not
}

// Checker runs checks concurrently, each bounded by Timeout.
type Checker struct {
	checks   []Check
	Timeout  time.Duration
	draining atomic.Bool
}

// NewChecker returns a checker (timeout 2 s).
func NewChecker(checks ...Check) *Checker {
	return &Checker{checks: checks, Timeout: 2 * time.Second}
}

// Drain makes every later report "shutting_down" (503), so that load
// balancers stop sending traffic while in-flight requests finish.
func (c *Checker) Drain() { c.draining.Store(true) }

// Draining reports whether Drain was called.
func (c *Checker) Draining() bool { return c.draining.Load() }

// Run runs every check and returns the report and its HTTP status.
func (c *Checker) Run(ctx context.Context) (Report, int) {
	if c.draining.Load() {
		return Report{Status: "shutting_down"}, http.StatusServiceUnavailable
	}
	rep := Report{Status: "ready", Checks: make(map[string]Result, len(c.checks))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, chk := range c.checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, c.Timeout)
			defer cancel()
			start := time.Now()
			detail, err := chk.Run(cctx)
			r := Result{Status: "ok", Required: chk.Required, Detail: detail, DurationMS: time.Since(start).Milliseconds()}
			if err != nil {
				r.Status, r.Error = "fail", err.Error()
			}
			mu.Lock()
			rep.Checks[chk.Name] = r
			mu.Unlock()
		})
	}
	wg.Wait()
	status := http.StatusOK
	for name, r := range rep.Checks {
		if r.Status == "ok" {
			continue
		}
		rep.Failed = append(rep.Failed, name)
		if r.Required {
			rep.Status, status = "unavailable", http.StatusServiceUnavailable
		} else if rep.Status == "ready" {
			rep.Status = "degraded"
		}
	}
	sort.Strings(rep.Failed)
	return rep, status
}

// Live is the body of /healthz: the process is up and serving.
var Live = map[string]string{"status": "ok"}

// ReadyHandler serves /readyz over net/http.
func (c *Checker) ReadyHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep, status := c.Run(r.Context())
		writeJSON(w, status, rep)
	})
}

// LiveHandler serves /healthz over net/http.
func LiveHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, Live) })
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
