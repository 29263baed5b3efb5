package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/internal/bench"
	"github.com/switchboard/switchboard/internal/devenv"
)

func benchCmd() *cobra.Command {
	o := bench.DefaultOptions()
	var phases, out string
	cmd := &cobra.Command{
		Use:   "switchboard-bench",
		Short: "Measure throughput, latency, history cost and scale against the raw Temporal baseline (starts its own servers)",
		Long: `switchboard-bench starts its own in-memory Temporal dev server (and a file-backed one for
the scale phase), a fresh PostgreSQL database per stack, the Twilio emulator, the
API and a worker, then measures each phase against its target and, where it has
one, a baseline measured on the same server in the same run. Progress goes to
stderr, the table to stdout, and the JSON to <out>/<timestamp>.json and
<out>/latest.json. Numbers vary with the machine's load: compare ratios.

Phases: ` + strings.Join(bench.AllPhases, ", ") + ` (expiry only when named: it waits out its window).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Phases = nil
			for _, p := range strings.Split(phases, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				if !slices.Contains(bench.AllPhases, p) {
					return fmt.Errorf("--phases: unknown phase %q (phases: %s)", p, strings.Join(bench.AllPhases, ", "))
				}
				if !slices.Contains(o.Phases, p) {
					o.Phases = append(o.Phases, p)
				}
			}
			// Always in the bench's order: the first four share one stack.
			slices.SortFunc(o.Phases, func(a, b string) int {
				return slices.Index(bench.AllPhases, a) - slices.Index(bench.AllPhases, b)
			})
			if o.Concurrency < 1 || o.LatencyRate < 1 || o.IngestRounds < 1 || o.IngestMessages < 1 || o.Conversations < 1 || o.ScaleConcurrency < 1 ||
				o.WindowConversations < 1 || o.HistoryMessages < 1 || o.Sends < 1 || o.OutboundMessages < 1 || o.LatencyCustomers < 1 || o.ExportMessages < 1 ||
				o.ExpiryConversations < 1 {
				return fmt.Errorf("counts, rates and concurrency must be at least 1")
			}
			if o.Window < 5*time.Second || o.ExpiryWindow < 5*time.Second {
				return fmt.Errorf("--window and --expiry-window must be at least 5s")
			}
			var dbs []string
			for _, d := range o.TemporalDatabases {
				if d = strings.TrimSpace(d); d != "" {
					dbs = append(dbs, d)
				}
			}
			o.TemporalDatabases = dbs
			if !filepath.IsAbs(out) {
				root, err := devenv.ProjectRoot()
				if err != nil {
					return err
				}
				out = filepath.Join(root, out)
			}
			o.OutDir = out
			stamp := time.Now().UTC().Format("20060102T150405Z")
			rep, err := bench.Run(cmd.Context(), o, cmd.ErrOrStderr(), filepath.Join(out, stamp+".log"))
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintln(w)
			bench.RenderTable(w, rep.Rows)
			fmt.Fprintln(w)
			bench.RenderNotes(w, rep.Rows)
			fmt.Fprintln(w)
			bench.RenderMachine(w, rep.Machine)
			path, err := bench.WriteJSON(out, rep)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "Results: %s (and latest.json); took %s.\n", path, rep.Elapsed)
			if len(rep.Errors) > 0 {
				return fmt.Errorf("%d phase(s) failed: %s", len(rep.Errors), strings.Join(rep.Errors, "; "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&phases, "phases", strings.Join(bench.DefaultPhases, ","), "phases to run, comma-separated (expiry is opt-in)")
	f.StringVar(&out, "out", "bench-results", "directory for the JSON results, logs and profiles (relative to the project root)")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "requests in flight (ingest, and opening conversations)")
	f.IntVar(&o.IngestMessages, "ingest-messages", o.IngestMessages, "ingest: messages per round and side")
	f.IntVar(&o.IngestRounds, "ingest-rounds", o.IngestRounds, "ingest: alternating baseline/Switchboard rounds")
	f.IntVar(&o.LatencyRate, "rate", o.LatencyRate, "latency: offered webhooks per second")
	f.DurationVar(&o.LatencyDuration, "latency-duration", o.LatencyDuration, "latency: how long to offer that rate")
	f.IntVar(&o.LatencyCustomers, "latency-customers", o.LatencyCustomers, "latency: customers writing (each several times)")
	f.IntVar(&o.HistoryMessages, "history-messages", o.HistoryMessages, "history: messages in the conversation")
	f.IntVar(&o.Sends, "sends", o.Sends, "send: replies measured")
	f.IntVar(&o.Conversations, "conversations", o.Conversations, "scale: open conversations (the target is at 100000)")
	f.IntVar(&o.ScaleConcurrency, "scale-concurrency", o.ScaleConcurrency, "scale: webhooks in flight while opening the conversations")
	f.IntVar(&o.ScaleBacklog, "scale-backlog", o.ScaleBacklog, "scale: webhooks stored in the inbox and not yet recorded by their workflow, at most (0: no bound; a flood measures the inbox, not the opening rate)")
	f.BoolVar(&o.Split, "split", o.Split, "scale: run the API and the worker as child processes to measure each one's memory")
	f.IntVar(&o.Pollers, "pollers", o.Pollers, "worker's long polls per task type (0: SWITCHBOARD_WORKER_POLLERS's default)")
	f.IntVar(&o.StickyCache, "sticky-cache", o.StickyCache, "worker's sticky workflow cache size (0: SWITCHBOARD_WORKER_STICKY_CACHE_SIZE's default)")
	f.IntVar(&o.WindowConversations, "window-conversations", o.WindowConversations, "window: conversations whose window expires")
	f.DurationVar(&o.Window, "window", o.Window, "window: the session window of those conversations")
	f.IntVar(&o.OutboundMessages, "outbound-messages", o.OutboundMessages, "outbound: replies through one sender")
	f.IntVar(&o.OutboundRate, "outbound-rate", o.OutboundRate, "outbound: the emulator's per-sender limit (messages/s)")
	f.BoolVar(&o.OutboundCompare, "outbound-compare", o.OutboundCompare, "outbound: also run with Switchboard's per-sender limiter off")
	f.IntVar(&o.ExportMessages, "export-messages", o.ExportMessages, "export: messages seeded into PostgreSQL and exported as NDJSON (1000000 for the issue's measure)")
	f.IntVar(&o.ExpiryConversations, "expiry-conversations", o.ExpiryConversations, "expiry: conversations whose windows expire together while the worker is down")
	f.DurationVar(&o.ExpiryWindow, "expiry-window", o.ExpiryWindow, "expiry: their session window; every one must be open before the first deadline (on a Temporal on PostgreSQL opening ~8/s, 30m for 10000)")
	f.StringVar(&o.TemporalAddress, "temporal-address", "", "run every phase against this Temporal frontend (host:port) instead of dev servers the bench starts")
	f.StringVar(&o.TemporalNamespace, "temporal-namespace", "default", "namespace on --temporal-address (its Sb* search attributes registered)")
	f.StringSliceVar(&o.TemporalDatabases, "temporal-databases", o.TemporalDatabases,
		"scale with --temporal-address: the server's databases, sized when they are on the bench's PostgreSQL cluster (deploy/temporal/config's names; empty: not measured)")
	f.BoolVar(&o.Profile, "profile", o.Profile, "write CPU and heap profiles of each phase next to the results")
	return cmd
}
