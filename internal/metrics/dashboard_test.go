package metrics

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/metrics/metricstest"
	"github.com/switchboard/switchboard/internal/store"
)

// repoRoot is the repository, from this package's directory.
var repoRoot = filepath.Join("..", "..")

// TestDeployQueriesUseExportedMetrics checks every metric name in every
// PromQL expression of the Grafana dashboard and the alerting rules
// (deploy/) against what Switchboard exports: its own metrics from the
// registry, every series made to exist, and the Temporal SDK's metrics as
// the SDK names them (its metric constants, each emitted through the
// adapter in use as the kind the SDK uses it as). A typo, a renamed metric
// or a _bucket on a counter fails here; integration TestOperations checks
// the same against the /metrics of a real worker and API.
func TestDeployQueriesUseExportedMetrics(t *testing.T) {
	exprs, err := metricstest.DeployExprs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	m := New(nil)
	// Every labelled family gets a child, so that it is gathered.
	m.HTTPRequests.WithLabelValues("GET", "/healthz", "200").Inc()
	m.HTTPDuration.WithLabelValues("GET", "/healthz").Observe(0.01)
	m.Webhook("inbound", ResultAccepted, ReasonStored)
	m.TwilioSends.WithLabelValues("accepted", "").Inc()
	m.TwilioSendDuration.WithLabelValues("accepted").Observe(0.1)
	m.Registry.MustRegister(NewDBCollector(func(context.Context) (store.OpsSnapshot, error) {
		return store.OpsSnapshot{
			InboxBacklog:  1,
			Conversations: []store.StateModeCount{{State: "queued", Mode: "session", Count: 1}},
			Queues:        []store.QueueStat{{QueueID: "q", Name: "Support", Length: 1, OldestWait: time.Minute}},
		}, nil
	}, time.Second, nil))
	emitSDKMetrics(t, m)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	exported := metricstest.ExportedNames(rec.Body.String())
	if !exported["switchboard_webhooks_total"] || !exported["temporal_workflow_task_execution_latency_bucket"] {
		t.Fatalf("the registry lacks metrics it must have: %v", exported)
	}
	for _, u := range metricstest.Unknown(exprs, exported) {
		t.Errorf("%s: not a metric Switchboard exports", u)
	}
	t.Logf("%d expressions checked against %d exported series names", len(exprs), len(exported))
}

// emitSDKMetrics emits every metric the Temporal SDK defines through this
// registry's SDK handler, as the kind the SDK's own code uses it as.
func emitSDKMetrics(t *testing.T, m *Metrics) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/sdk").Output()
	if err != nil {
		t.Fatalf("go list -m go.temporal.io/sdk: %v", err)
	}
	sdk := strings.TrimSpace(string(out))
	consts, err := os.ReadFile(filepath.Join(sdk, "internal", "common", "metrics", "constants.go"))
	if err != nil {
		t.Fatal(err)
	}
	// Name = TemporalMetricsPrefix + "x" and Name = Other + "_suffix".
	values := map[string]string{"TemporalMetricsPrefix": "temporal_"}
	for _, m := range regexp.MustCompile(`(?m)^\s*(\w+)\s*=\s*(\w+)\s*\+\s*"(\w+)"`).FindAllStringSubmatch(string(consts), -1) {
		if base, ok := values[m[2]]; ok {
			values[m[1]] = base + m[3]
		}
	}
	sources, err := filepath.Glob(filepath.Join(sdk, "internal", "*.go"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("no SDK sources in %s: %v", sdk, err)
	}
	use := regexp.MustCompile(`\.(Counter|Gauge|Timer)\(metrics\.(\w+)\)`)
	h := m.SDKHandler().WithTags(map[string]string{"namespace": "default", "task_queue": "q", "worker_type": "WorkflowWorker"})
	emitted := 0
	for _, path := range sources {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range use.FindAllStringSubmatch(string(src), -1) {
			name, ok := values[u[2]]
			if !ok {
				continue
			}
			switch u[1] {
			case "Counter":
				h.Counter(name).Inc(1)
			case "Gauge":
				h.Gauge(name).Update(1)
			case "Timer":
				h.Timer(name).Record(time.Millisecond)
			}
			emitted++
		}
	}
	if emitted < 20 {
		t.Fatalf("only %d SDK metric uses found in %s: has the SDK moved its metrics?", emitted, sdk)
	}
}

// TestPrometheusConfigAndRules runs promtool on deploy/prometheus: the
// configuration (with the rule files it loads) and the rules.
func TestPrometheusConfigAndRules(t *testing.T) {
	promtool := findPromtool(t)
	dir := filepath.Join(repoRoot, "deploy", "prometheus")
	for _, args := range [][]string{
		{"check", "config", filepath.Join(dir, "prometheus.yml")},
		{"check", "rules", filepath.Join(dir, "rules.yml")},
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// findPromtool returns promtool (Debian's prometheus package, which
// `make test` installs): on the PATH or in bin/. Without it the test is
// skipped, except under CI=true, where it fails.
func findPromtool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("promtool"); err == nil {
		return p
	}
	if p := filepath.Join(repoRoot, "bin", "promtool"); fileExists(p) {
		return p
	}
	msg := "promtool not found: `make promtool` installs it (Debian's prometheus package)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
