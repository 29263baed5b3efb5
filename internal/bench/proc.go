package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// rssBytes is a process's resident set size (VmRSS), 0 if unknown.
func rssBytes(pid int) int64 {
	path := "/proc/self/status"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return statusField(string(raw), "VmRSS") * 1024
}

// findPID returns the pid of the first process whose command line contains
// every one of parts (0 if none).
func findPID(parts ...string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		cmd := strings.ReplaceAll(string(raw), "\x00", " ")
		all := true
		for _, p := range parts {
			if !strings.Contains(cmd, p) {
				all = false
				break
			}
		}
		if all {
			pid, _ := strconv.Atoi(filepath.Base(d))
			return pid
		}
	}
	return 0
}

// fileSizes sums the sizes of the files that exist among paths.
func fileSizes(paths ...string) int64 {
	var n int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

// scrapeMetric reads one unlabelled sample from a Prometheus text endpoint.
func scrapeMetric(ctx context.Context, c *http.Client, url, name string) (float64, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, false
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times (100 on Linux).
const clockTicks = 100

// cpuSeconds is the user + system CPU time a process has used.
func cpuSeconds(pid int) float64 {
	path := "/proc/self/stat"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return statCPU(string(raw))
}

// statCPU reads utime + stime from a /proc/<pid>/stat line (the command
// name in parentheses may hold spaces).
func statCPU(stat string) float64 {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	// After the name: state(3) ppid pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime(14) stime(15).
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / clockTicks
}

// statChildrenCPU reads cutime + cstime (the CPU time of waited-for
// children) from a /proc/<pid>/stat line.
func statChildrenCPU(stat string) float64 {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 15 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[13], 64)
	s, _ := strconv.ParseFloat(f[14], 64)
	return (u + s) / clockTicks
}

// commCPUSeconds sums the CPU time of every process named comm (e.g. all
// PostgreSQL processes, whoever they serve), plus, for the root of each
// tree of them (the postmaster), its children that already exited: a
// backend's time survives its connection.
func commCPUSeconds(comm string) float64 {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	type proc struct {
		ppid string
		stat string
	}
	procs := map[string]proc{}
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		s := string(raw)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || s[open+1:end] != comm {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 2 {
			continue
		}
		procs[filepath.Base(d)] = proc{ppid: f[1], stat: s}
	}
	total := 0.0
	for _, p := range procs {
		total += statCPU(p.stat)
		if _, child := procs[p.ppid]; !child {
			total += statChildrenCPU(p.stat)
		}
	}
	return total
}

// machineCPU returns the busy and total CPU seconds of the whole machine
// since boot (/proc/stat).
func machineCPU() (busy, total float64) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:] {
		n, _ := strconv.ParseFloat(v, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy / clockTicks, total / clockTicks
}

// CPUUse is where CPU time went during a phase, in CPU seconds.
type CPUUse struct {
	WallSeconds     float64 `json:"wall_seconds"`
	MachineBusy     float64 `json:"machine_busy"`     // every process on the machine, ours or not
	MachineCapacity float64 `json:"machine_capacity"` // wall × CPUs
	Bench           float64 `json:"bench_process"`    // API + worker + emulator + load generator (in-process)
	Temporal        float64 `json:"temporal_server"`
	Postgres        float64 `json:"postgres_all"` // every PostgreSQL process, other databases included
	Children        float64 `json:"children,omitempty"`
}

type cpuSnap struct {
	at                                     time.Time
	busy, total, self, temporal, pg, child float64
}

func takeCPU(temporalPID int, childPIDs ...int) cpuSnap {
	s := cpuSnap{at: time.Now(), self: cpuSeconds(0), pg: commCPUSeconds("postgres")}
	s.busy, s.total = machineCPU()
	if temporalPID > 0 {
		s.temporal = cpuSeconds(temporalPID)
	}
	for _, p := range childPIDs {
		if p > 0 {
			s.child += cpuSeconds(p)
		}
	}
	return s
}

func (a cpuSnap) until(b cpuSnap) CPUUse {
	return CPUUse{
		WallSeconds: round2(b.at.Sub(a.at).Seconds()), MachineBusy: round2(b.busy - a.busy), MachineCapacity: round2(b.total - a.total),
		Bench: round2(b.self - a.self), Temporal: round2(b.temporal - a.temporal), Postgres: round2(b.pg - a.pg), Children: round2(b.child - a.child),
	}
}

// String summarizes the use as shares of the machine.
func (u CPUUse) String() string {
	if u.MachineCapacity <= 0 {
		return ""
	}
	pct := func(v float64) float64 { return 100 * v / u.MachineCapacity }
	s := fmt.Sprintf("machine %.0f%% busy: Switchboard+bench %.0f%%, Temporal %.0f%%, PostgreSQL %.0f%%", pct(u.MachineBusy), pct(u.Bench+u.Children), pct(u.Temporal), pct(u.Postgres))
	other := u.MachineBusy - u.Bench - u.Children - u.Temporal - u.Postgres
	return s + fmt.Sprintf(", others %.0f%%", pct(max(other, 0)))
}
