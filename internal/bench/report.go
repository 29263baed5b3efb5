package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Verdict says how a measured row compares with its target.
type Verdict string

// Verdicts.
const (
	Met    Verdict = "met"
	Missed Verdict = "MISSED"
	Info   Verdict = "info"   // measured, no target
	Failed Verdict = "failed" // the phase could not measure
)

// Row is one line of the results table.
type Row struct {
	ID       string  `json:"id"` // phase number and name: "1 ingest"
	Measure  string  `json:"measure"`
	Result   string  `json:"result"`
	Baseline string  `json:"baseline,omitempty"` // same run, same server
	Target   string  `json:"target,omitempty"`
	Verdict  Verdict `json:"verdict"`
	Note     string  `json:"note,omitempty"`
}

// verdict is Met when ok, else Missed.
func verdict(ok bool) Verdict {
	if ok {
		return Met
	}
	return Missed
}

// Machine describes where the run happened.
type Machine struct {
	CPUs         int    `json:"cpus"`
	CPUModel     string `json:"cpu_model"`
	MemTotal     string `json:"mem_total"`
	OS           string `json:"os"`
	GoVersion    string `json:"go_version"`
	LoadAvgStart string `json:"loadavg_start"`
	LoadAvgEnd   string `json:"loadavg_end"`
	// CPUPressure is the kernel's PSI "some" average over 60 s: the share
	// of time runnable tasks waited for a CPU (others' builds and tests).
	CPUPressureStart string `json:"cpu_pressure_start,omitempty"`
	CPUPressureEnd   string `json:"cpu_pressure_end,omitempty"`
}

// Report is everything one run measured.
type Report struct {
	StartedAt time.Time         `json:"started_at"`
	Elapsed   string            `json:"elapsed"`
	Machine   Machine           `json:"machine"`
	Options   Options           `json:"options"`
	Rows      []Row             `json:"rows"`
	Phases    map[string]any    `json:"phases"`
	CPU       map[string]CPUUse `json:"cpu"` // per phase: where the machine's CPU time went
	Errors    []string          `json:"errors,omitempty"`
}

// ReadMachine describes this machine from /proc (Linux); what cannot be
// read stays empty.
func ReadMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if kb := meminfoKB("MemTotal"); kb > 0 {
		m.MemTotal = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	m.LoadAvgStart = loadAvg()
	m.CPUPressureStart = cpuPressure()
	return m
}

// cpuPressure reads the 60-second CPU pressure (PSI) as "NN%".
func cpuPressure() string {
	raw, err := os.ReadFile("/proc/pressure/cpu")
	if err != nil {
		return ""
	}
	for _, f := range strings.Fields(string(raw)) {
		if v, ok := strings.CutPrefix(f, "avg60="); ok {
			return v + "%"
		}
	}
	return ""
}

func meminfoKB(key string) int64 {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	return statusField(string(raw), key)
}

func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// statusField reads "Key:   123 kB" from /proc/*/status or /proc/meminfo
// text, in kB.
func statusField(text, key string) int64 {
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != key {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		return n
	}
	return 0
}

// RenderTable writes rows as a Markdown table (the README's format).
func RenderTable(w io.Writer, rows []Row) {
	header := []string{"#", "measure", "result", "baseline (same run)", "target", "verdict"}
	cells := make([][]string, 0, len(rows))
	for _, r := range rows {
		cells = append(cells, []string{r.ID, r.Measure, r.Result, dash(r.Baseline), dash(r.Target), string(r.Verdict)})
	}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(vals []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, v := range vals {
			b.WriteString(" " + v + strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v)) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	line(sep)
	for _, row := range cells {
		line(row)
	}
}

// RenderNotes writes each row's note under the table, numbered by row.
func RenderNotes(w io.Writer, rows []Row) {
	for _, r := range rows {
		if r.Note != "" {
			fmt.Fprintf(w, "- %s %s: %s\n", r.ID, r.Measure, r.Note)
		}
	}
}

// RenderMachine writes one line describing the machine and its load.
func RenderMachine(w io.Writer, m Machine) {
	fmt.Fprintf(w, "Machine: %d CPUs (%s), %s RAM, %s, %s; load average %s at start, %s at end",
		m.CPUs, m.CPUModel, m.MemTotal, m.OS, m.GoVersion, m.LoadAvgStart, m.LoadAvgEnd)
	if m.CPUPressureStart != "" {
		fmt.Fprintf(w, "; CPU pressure (tasks waiting for a CPU, 60 s average) %s at start, %s at end", m.CPUPressureStart, m.CPUPressureEnd)
	}
	fmt.Fprintln(w, ".")
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// WriteJSON writes the report to dir/<timestamp>.json and dir/latest.json
// and returns the first path.
func WriteJSON(dir string, r *Report) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	raw = append(raw, '\n')
	path := filepath.Join(dir, r.StartedAt.UTC().Format("20060102T150405Z")+".json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return "", err
	}
	return path, os.WriteFile(filepath.Join(dir, "latest.json"), raw, 0o644)
}

// Formatting helpers for table cells.
func fmtRate(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + "/s" }
func fmtMS(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
}
func fmtBytes(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}
