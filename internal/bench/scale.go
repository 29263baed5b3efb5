package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/lib/pq"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/workflows"
)

// ScaleResult is phase 5.
type ScaleResult struct {
	Conversations   int     `json:"conversations"`
	Temporal        string  `json:"temporal"`
	Split           bool    `json:"split"`
	StickyCache     int     `json:"sticky_cache"`
	CreateSeconds   float64 `json:"create_seconds"` // first webhook → last message recorded
	CreatePerSec    float64 `json:"create_per_sec"`
	Errors          int     `json:"errors"`
	FirstError      string  `json:"first_error,omitempty"`
	PendingTimer    bool    `json:"sample_has_pending_timer"`
	WorkerRSS       int64   `json:"worker_rss_bytes,omitempty"` // split: the `worker` child
	WorkerHeap      int64   `json:"worker_heap_inuse_bytes,omitempty"`
	APIRSS          int64   `json:"api_rss_bytes,omitempty"`     // split: the `serve` child
	ProcessRSS      int64   `json:"process_rss_bytes,omitempty"` // in-process: API + worker + bench
	ProcessHeap     int64   `json:"process_heap_inuse_bytes,omitempty"`
	ProcessStack    int64   `json:"process_stack_inuse_bytes,omitempty"` // goroutine stacks (each cached workflow's coroutines)
	Goroutines      int     `json:"process_goroutines,omitempty"`
	TemporalRSS     int64   `json:"temporal_server_rss_bytes"`
	PostgresBytes   int64   `json:"postgres_database_bytes"`
	TemporalDBBytes int64   `json:"temporal_sqlite_bytes"`
	// TemporalPGBytes are the given server's databases found on the bench's
	// PostgreSQL cluster (--temporal-databases), by name.
	TemporalPGBytes map[string]int64 `json:"temporal_postgres_bytes,omitempty"`
}

// runScale opens N conversations (each with its pending window timer) on a
// file-backed dev server, then measures memory and storage.
func (e *env) runScale(ctx context.Context) error {
	o := e.opts
	addr, server, dbFile := o.TemporalAddress, "existing server at "+o.TemporalAddress, ""
	if addr == "" {
		dir, err := os.MkdirTemp("", "sbbench-temporal-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbFile = filepath.Join(dir, "temporal.db")
		e.progressf(PhaseScale, "starting a file-backed Temporal dev server (%s)", dbFile)
		srv, err := devenv.StartTemporal(ctx, devenv.TemporalOptions{CLIPath: e.cli, DBFile: dbFile, LogWriter: e.logFile})
		if err != nil {
			return err
		}
		defer srv.Stop()
		addr, server = srv.Address, "dev server, SQLite file"
	}
	s, err := e.newStack(ctx, stackConfig{name: "scale", temporal: addr, split: o.Split})
	if err != nil {
		return err
	}
	defer s.Close()
	res := ScaleResult{Conversations: o.Conversations, Temporal: server, Split: o.Split, StickyCache: s.cfg.WorkerStickyCacheSize}
	where := "API and worker in this process"
	if o.Split {
		where = "`switchboard serve` and `switchboard worker` child processes"
	}
	e.progressf(PhaseScale, "opening %d conversations (%s, %d in flight)", o.Conversations, where, o.ScaleConcurrency)

	start := time.Now()
	lr, at, err := e.openPaced(ctx, s, PhaseScale, 80, o.Conversations)
	res.Errors = lr.errors
	if lr.firstErr != nil {
		res.FirstError = lr.firstErr.Error()
	}
	if err != nil {
		return err
	}
	res.CreateSeconds = round2(at.Sub(start).Seconds())
	res.CreatePerSec = Rate(o.Conversations-lr.errors, at.Sub(start))
	e.progressf(PhaseScale, "%d conversations open in %.1fs (%.0f/s)", o.Conversations, res.CreateSeconds, res.CreatePerSec)

	// A sample conversation must be waiting on its window timer.
	if evs, _, err := stableHistory(ctx, s.app.Temporal, workflows.ConversationID(s.numberID, s.customer(80, 0))); err == nil {
		started, fired := 0, 0
		for _, ev := range evs {
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_TIMER_STARTED:
				started++
			case enumspb.EVENT_TYPE_TIMER_FIRED, enumspb.EVENT_TYPE_TIMER_CANCELED:
				fired++
			}
		}
		res.PendingTimer = started > fired
	}

	e.progressf(PhaseScale, "settling 10s before measuring memory")
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
	}
	if o.Split {
		res.WorkerRSS = rssBytes(s.childPID("worker"))
		res.APIRSS = rssBytes(s.childPID("serve"))
		if v, ok := scrapeMetric(ctx, s.http, s.workerURL+"/metrics", "go_memstats_heap_inuse_bytes"); ok {
			res.WorkerHeap = int64(v)
		}
	} else {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		res.ProcessRSS = rssBytes(0)
		res.ProcessHeap = int64(ms.HeapInuse)
		res.ProcessStack = int64(ms.StackInuse)
		res.Goroutines = runtime.NumGoroutine()
		if e.profDir != "" { // the heap with every conversation open
			if f, err := os.Create(filepath.Join(e.profDir, "heap-scale-open.pprof")); err == nil {
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}
	tpid := 0 // not ours to measure when the server was given
	if dbFile != "" {
		tpid = findPID("start-dev", dbFile)
	}
	res.TemporalRSS = rssBytes(tpid)
	use := e.cpuSoFar(tpid, s.childPID("serve"), s.childPID("worker"))
	e.phaseCPU = &use
	if err := s.app.Store.DB().GetContext(ctx, &res.PostgresBytes, `SELECT pg_database_size(current_database())`); err != nil {
		return err
	}
	if dbFile != "" {
		res.TemporalDBBytes = fileSizes(dbFile, dbFile+"-wal", dbFile+"-shm")
	} else if len(o.TemporalDatabases) > 0 {
		if res.TemporalPGBytes, err = databaseSizes(ctx, s, o.TemporalDatabases); err != nil {
			return err
		}
	}
	e.setPhase(PhaseScale, res)

	n := o.Conversations
	cache := fmt.Sprintf("sticky cache %d workflows", res.StickyCache)
	timer := "each waiting on its window timer (checked on a sample)"
	if !res.PendingTimer {
		timer = "WARNING: the sampled conversation has no pending timer"
	}
	rows := []Row{{
		ID: "5 scale", Measure: fmt.Sprintf("open %d conversations (%s)", n, res.Temporal),
		Result: fmt.Sprintf("%.0f s (%s)", res.CreateSeconds, fmtRate(res.CreatePerSec)), Verdict: Info,
		Note: fmt.Sprintf("%d webhooks in flight, at most %d stored and not yet recorded by their workflow, from the first webhook to the last message recorded; %s; %d errors", o.ScaleConcurrency, o.ScaleBacklog, timer, res.Errors),
	}}
	if o.Split {
		v := Info
		if n >= 100000 {
			v = verdict(res.WorkerRSS < 1<<30)
		}
		rows = append(rows,
			Row{ID: "5 scale", Measure: fmt.Sprintf("worker RSS at %d conversations", n), Result: fmtBytes(res.WorkerRSS),
				Target: "< 1 GiB at 100,000", Verdict: v,
				Note: fmt.Sprintf("`switchboard worker` child process; Go heap in use %s; %s", fmtBytes(res.WorkerHeap), cache)},
			Row{ID: "5 scale", Measure: fmt.Sprintf("API RSS at %d conversations", n), Result: fmtBytes(res.APIRSS), Verdict: Info,
				Note: "`switchboard serve` child process, after the load"},
		)
	} else {
		v := Info
		if n >= 100000 && res.ProcessRSS < 1<<30 {
			v = Met // the worker is only part of this process
		}
		rows = append(rows, Row{
			ID: "5 scale", Measure: fmt.Sprintf("API + worker RSS at %d conversations", n), Result: fmtBytes(res.ProcessRSS),
			Target: "worker < 1 GiB at 100,000", Verdict: v,
			Note: fmt.Sprintf("one process: API, worker, emulator and the bench's load generator (--split measures the worker alone); after GC: Go heap in use %s, goroutine stacks %s (%d goroutines); %s",
				fmtBytes(res.ProcessHeap), fmtBytes(res.ProcessStack), res.Goroutines, cache),
		})
	}
	rows = append(rows,
		Row{ID: "5 scale", Measure: fmt.Sprintf("PostgreSQL database at %d conversations", n), Result: fmtBytes(res.PostgresBytes), Verdict: Info,
			Note: "pg_database_size: conversations, transcript, inbox, contacts, agent events"})
	if o.TemporalAddress == "" {
		rows = append(rows, Row{ID: "5 scale", Measure: fmt.Sprintf("Temporal persistence at %d conversations", n), Result: fmtBytes(res.TemporalDBBytes), Verdict: Info,
			Note: fmt.Sprintf("dev server's SQLite file (+ WAL); the dev server's RSS %s", fmtBytes(res.TemporalRSS))})
	} else {
		rows = append(rows, temporalDatabaseRows(n, o.TemporalDatabases, res.TemporalPGBytes, dsnHost(e.baseDSN))...)
	}
	e.addRows(rows...)
	return nil
}

// databaseSizes is pg_database_size of each named database that exists on
// the stack's PostgreSQL cluster.
func databaseSizes(ctx context.Context, s *stack, names []string) (map[string]int64, error) {
	var rows []struct {
		Name  string `db:"datname"`
		Bytes int64  `db:"bytes"`
	}
	if err := s.app.Store.DB().SelectContext(ctx, &rows,
		`SELECT datname, pg_database_size(datname) AS bytes FROM pg_database WHERE datname = ANY($1)`, pq.Array(names)); err != nil {
		return nil, fmt.Errorf("sizes of the given server's databases: %w", err)
	}
	sizes := make(map[string]int64, len(rows))
	for _, r := range rows {
		sizes[r.Name] = r.Bytes
	}
	return sizes, nil
}

// temporalDatabaseRows reports a given server's persistence: a row per
// database of names found on our PostgreSQL cluster (where), in the order
// given, or one row saying why it was not measured.
func temporalDatabaseRows(n int, names []string, sizes map[string]int64, where string) []Row {
	measure := fmt.Sprintf("Temporal persistence at %d conversations", n)
	if len(names) == 0 {
		return []Row{{ID: "5 scale", Measure: measure, Result: "not measured", Verdict: Info,
			Note: "a given server (--temporal-address) and --temporal-databases empty: measure its databases where they live"}}
	}
	var rows []Row
	var total int64
	for _, name := range names {
		b, ok := sizes[name]
		if !ok {
			continue
		}
		total += b
		rows = append(rows, Row{ID: "5 scale", Measure: fmt.Sprintf("Temporal database %s at %d conversations", name, n), Result: fmtBytes(b), Verdict: Info,
			Note: "pg_database_size on the bench's PostgreSQL cluster (" + where + "), the given server's persistence; every workflow it holds counts, not only this run's"})
	}
	if len(rows) == 0 {
		return []Row{{ID: "5 scale", Measure: measure, Result: "not measured", Verdict: Info,
			Note: fmt.Sprintf("none of the databases %s on the bench's PostgreSQL cluster (%s): the given server's persistence lives elsewhere (--temporal-databases names them)",
				strings.Join(names, ", "), where)}}
	}
	if len(rows) > 1 {
		rows[0].Note += fmt.Sprintf("; %s in all", fmtBytes(total))
	}
	if missing := len(names) - len(rows); missing > 0 {
		rows[0].Note += fmt.Sprintf("; %d of --temporal-databases not found there", missing)
	}
	return rows
}

// dsnHost is a PostgreSQL URL's host:port (the URL itself when it is not one).
func dsnHost(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Host != "" {
		return u.Host
	}
	return dsn
}
