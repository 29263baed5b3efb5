package metricstest

import (
	"slices"
	"testing"
)

func TestMetricNames(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{`sum by (webhook, result) (rate(switchboard_webhooks_total{reason!="stored"}[$__rate_interval]))`, []string{"switchboard_webhooks_total"}},
		{`histogram_quantile(0.99, sum by (le) (rate(temporal_workflow_task_execution_latency_bucket[5m]))) > 1`, []string{"temporal_workflow_task_execution_latency_bucket"}},
		{"sum(rate(a_total{outcome=~\"failed|refused\"}[10m]))\n  / sum(rate(a_total[10m])) > 0.05", []string{"a_total"}},
		{`max(x) > 0 and max(delta(x[10m])) > 0 and max(y) > 1e3`, []string{"x", "y"}},
		{`up{job=~"switchboard-.*"} == 0`, []string{"up"}},
		{`max by (queue) (q) * on (queue) group_left (name) info offset 5m`, []string{"info", "q"}},
		{`sum without (instance) (m) unless ignoring (le) n`, []string{"m", "n"}},
	} {
		if got := MetricNames(tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("MetricNames(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
}

func TestExportedNames(t *testing.T) {
	got := ExportedNames("# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\n# TYPE c counter\nc 1\n# TYPE s summary\n")
	for _, n := range []string{"h", "h_bucket", "h_sum", "h_count", "c", "s_sum", "s_count"} {
		if !got[n] {
			t.Errorf("%s missing from %v", n, got)
		}
	}
	if got["c_bucket"] {
		t.Error("a counter has no _bucket")
	}
}
