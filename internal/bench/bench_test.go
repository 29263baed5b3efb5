package bench

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	vals := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		p    float64
		want float64
	}{{0, 1}, {10, 1}, {11, 2}, {50, 5}, {90, 9}, {95, 10}, {99, 10}, {100, 10}} {
		if got := Percentile(vals, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if !math.IsNaN(Percentile(nil, 50)) {
		t.Error("percentile of nothing should be NaN")
	}
	// 1..1000: p99 is the 990th value.
	many := make([]float64, 1000)
	for i := range many {
		many[i] = float64(i + 1)
	}
	if got := Percentile(many, 99); got != 990 {
		t.Errorf("p99 of 1..1000 = %v, want 990", got)
	}
}

func TestSummarize(t *testing.T) {
	ds := []time.Duration{30 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	d := Summarize(ds)
	want := Dist{N: 4, Min: 10, P50: 20, P95: 40, P99: 40, Max: 40, Mean: 25}
	if d != want {
		t.Errorf("Summarize = %+v, want %+v", d, want)
	}
	if (Summarize(nil) != Dist{}) {
		t.Error("Summarize(nil) should be empty")
	}
	if ds[0] != 30*time.Millisecond {
		t.Error("Summarize must not reorder its input")
	}
}

func TestMedianAndRate(t *testing.T) {
	if got := Median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median = %v", got)
	}
	if got := Median([]float64{4, 1, 2, 3}); got != 2.5 {
		t.Errorf("median = %v", got)
	}
	if got := Rate(500, 2*time.Second); got != 250 {
		t.Errorf("rate = %v", got)
	}
	if got := Rate(5, 0); got != 0 {
		t.Errorf("rate over nothing = %v", got)
	}
}

func TestRenderTable(t *testing.T) {
	rows := []Row{
		{ID: "1 ingest", Measure: "webhooks/s", Result: "900/s = 0.95× baseline", Baseline: "950/s", Target: "≥ 0.9× baseline", Verdict: Met},
		{ID: "3 history", Measure: "events per message", Result: "6.00", Target: "≤ 5", Verdict: Missed, Note: "why"},
		{ID: "5 scale", Measure: "PostgreSQL size", Result: "12 MiB", Verdict: Info},
	}
	var b bytes.Buffer
	RenderTable(&b, rows)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want header, separator and 3 rows:\n%s", len(lines), b.String())
	}
	// Every line has the same width in runes: the columns line up.
	width := len([]rune(lines[0]))
	for _, l := range lines {
		if len([]rune(l)) != width {
			t.Errorf("misaligned line %q (%d runes, want %d)", l, len([]rune(l)), width)
		}
		if !strings.HasPrefix(l, "| ") || !strings.HasSuffix(l, " |") {
			t.Errorf("not a Markdown table row: %q", l)
		}
	}
	if !strings.Contains(lines[1], "| ---") {
		t.Errorf("no separator line: %q", lines[1])
	}
	if !strings.Contains(lines[3], "MISSED") || !strings.Contains(lines[4], "| – ") {
		t.Errorf("verdict or empty cell not rendered:\n%s", b.String())
	}
	var notes bytes.Buffer
	RenderNotes(&notes, rows)
	if got := notes.String(); got != "- 3 history events per message: why\n" {
		t.Errorf("notes = %q", got)
	}
}

func TestStatusField(t *testing.T) {
	status := "Name:\tswitchboard\nVmPeak:\t  2000 kB\nVmRSS:\t   123456 kB\nThreads:\t12\n"
	if got := statusField(status, "VmRSS"); got != 123456 {
		t.Errorf("VmRSS = %d", got)
	}
	if got := statusField(status, "VmSwap"); got != 0 {
		t.Errorf("missing field = %d", got)
	}
	if rssBytes(0) <= 0 {
		t.Log("no /proc/self/status here")
	}
}

func TestFormatting(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{fmtMS(12.345), "12.3 ms"}, {fmtMS(250.4), "250 ms"}, {fmtRate(812.6), "813/s"},
		{fmtBytes(512), "512 B"}, {fmtBytes(3 << 20), "3 MiB"}, {fmtBytes(3 << 30), "3.00 GiB"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestStatCPU(t *testing.T) {
	// pid (comm with spaces) state ppid pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime stime cutime cstime ...
	stat := "42 (a b) S 1 42 42 0 -1 4194304 10 0 0 0 250 150 1000 500 20 0 1 0"
	if got := statCPU(stat); got != 4 {
		t.Errorf("statCPU = %v, want 4 s", got)
	}
	if got := statChildrenCPU(stat); got != 15 {
		t.Errorf("statChildrenCPU = %v, want 15 s", got)
	}
	if statCPU("garbage") != 0 {
		t.Error("garbage should read as 0")
	}
}

// TestBacklogGateHoldsWebhooksBack: webhook i waits until fewer than max
// before it are unrecorded, and goes at once when max is 0.
func TestBacklogGateHoldsWebhooksBack(t *testing.T) {
	var recorded atomic.Int64
	g := newBacklogGate(3, func(context.Context) (int, error) { return int(recorded.Load()), nil })
	defer g.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 3 {
		if err := g.wait(ctx, i); err != nil {
			t.Fatalf("webhook %d held with %d unrecorded: %v", i, i, err)
		}
	}
	released := make(chan struct{})
	go func() {
		_ = g.wait(ctx, 3)
		close(released)
	}()
	select {
	case <-released:
		t.Fatal("webhook 3 went with 3 unrecorded")
	case <-time.After(200 * time.Millisecond):
	}
	recorded.Store(1)
	select {
	case <-released:
	case <-time.After(3 * time.Second):
		t.Fatal("webhook 3 still held after one was recorded")
	}
	if g.recorded() != 1 {
		t.Fatalf("recorded() = %d, want 1", g.recorded())
	}
	if err := newBacklogGate(0, nil).wait(ctx, 1000); err != nil {
		t.Fatal(err)
	}
}

func TestRatio(t *testing.T) {
	if got := ratio(120, 100); got != 1.2 {
		t.Errorf("ratio = %v", got)
	}
	if got := ratio(5, 0); got != 0 {
		t.Errorf("ratio over nothing = %v", got)
	}
	if got := fmtRatio(ratio(1, 3)); got != "0.33" {
		t.Errorf("fmtRatio = %q", got)
	}
}

func TestCountMode(t *testing.T) {
	rows := []convRow{{Mode: "session"}, {Mode: "template_only"}, {Mode: "template_only"}}
	if got := countMode(rows, "template_only"); got != 2 {
		t.Errorf("countMode = %d", got)
	}
}

func TestTemporalDatabaseRows(t *testing.T) {
	names := []string{"temporal", "temporal_visibility"}
	rows := temporalDatabaseRows(10, names, map[string]int64{"temporal_visibility": 2 << 20, "temporal": 5 << 20}, "127.0.0.1:5432")
	if len(rows) != 2 || rows[0].Result != "5 MiB" || rows[1].Result != "2 MiB" ||
		!strings.Contains(rows[0].Measure, "temporal at 10") || !strings.Contains(rows[1].Measure, "temporal_visibility") {
		t.Fatalf("rows = %+v", rows)
	}
	if !strings.Contains(rows[0].Note, "7 MiB in all") {
		t.Errorf("no total in %q", rows[0].Note)
	}
	rows = temporalDatabaseRows(10, names, map[string]int64{"temporal": 1 << 20}, "h:1")
	if len(rows) != 1 || !strings.Contains(rows[0].Note, "1 of --temporal-databases not found") {
		t.Errorf("one found: %+v", rows)
	}
	rows = temporalDatabaseRows(10, names, map[string]int64{}, "h:1")
	if len(rows) != 1 || rows[0].Result != "not measured" || !strings.Contains(rows[0].Note, "none of the databases temporal, temporal_visibility") {
		t.Errorf("none found: %+v", rows)
	}
	rows = temporalDatabaseRows(10, nil, nil, "h:1")
	if len(rows) != 1 || rows[0].Result != "not measured" || !strings.Contains(rows[0].Note, "--temporal-databases empty") {
		t.Errorf("disabled: %+v", rows)
	}
	if got := dsnHost("postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"); got != "127.0.0.1:5432" {
		t.Errorf("dsnHost = %q", got)
	}
}

func TestDrain(t *testing.T) {
	start := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	ready := start.Add(2 * time.Second)
	updated := []time.Time{ready.Add(3 * time.Second), ready.Add(-100 * time.Millisecond), ready.Add(time.Second), ready.Add(4 * time.Second)}
	fromStart, fromReady, perSec, lag := drain(start, ready, updated)
	if fromStart != 6*time.Second || fromReady != 4*time.Second {
		t.Errorf("from start %s, from ready %s", fromStart, fromReady)
	}
	if perSec != 1 {
		t.Errorf("%v per second, want 4 in 4 s", perSec)
	}
	if lag.N != 4 || lag.Min != -100 || lag.P50 != 1000 || lag.Max != 4000 {
		t.Errorf("lag = %+v", lag)
	}
	if _, _, r, d := drain(start, ready, nil); r != 0 || d.N != 0 {
		t.Error("nothing drained should be empty")
	}
}

func TestDefaultPhasesLeaveExpiryOut(t *testing.T) {
	if len(DefaultPhases) != len(AllPhases)-1 || slices.Contains(DefaultPhases, PhaseExpiry) || !slices.Contains(AllPhases, PhaseExpiry) {
		t.Errorf("default %v, all %v", DefaultPhases, AllPhases)
	}
	if !slices.Equal(DefaultOptions().Phases, DefaultPhases) {
		t.Errorf("default options run %v", DefaultOptions().Phases)
	}
}
